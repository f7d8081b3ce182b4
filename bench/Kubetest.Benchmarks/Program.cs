using System.Diagnostics;
using System.Globalization;
using Kubetest.Engine;
using Kubetest.Model;
using Kubetest.Reporting;
using Kubetest.Runtime.Local;

namespace Kubetest.Benchmarks;

/// <summary>
/// Whole-run benchmarks of docs/benchmarks.md, in this process: on the local runtime
/// <c>overhead</c> (2,000 keys of <c>true</c>, static and in <c>scheduler.mode: queue</c>), <c>makespan</c> (200 keys of skewed sleeps) and <c>queue</c>
/// (the same keys in <c>scheduler.mode: queue</c>, against the simulation's prediction);
/// <c>kubernetes</c> and <c>kubernetes-agent</c> (API requests per key, wall time and kubetest's memory on the
/// emulator, exec through the API server or through kubetest-agent; not part of <c>all</c>, see <see cref="KubernetesBenchSetup"/>);
/// <c>simulate</c> (scheduling policies on a virtual clock, deterministic, see <see cref="SimulateBench"/>).
/// Each is repeated and reported as medians; these are whole runs, not microbenchmarks.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var which = args.Length > 0 ? args[0] : "all";
        var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        // KUBETEST_BENCH_SANDBOX=none measures the same runs without bwrap: the floor no sandbox can go below.
        var mode = Environment.GetEnvironmentVariable("KUBETEST_BENCH_SANDBOX") is "none" ? SandboxMode.None : LocalSandbox.Detect();
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, sandbox {mode}");
        if (which is "all" or "overhead")
        {
            await OverheadAsync(mode, repeats);
        }

        if (which is "all" or "makespan")
        {
            await MakespanAsync(mode, repeats);
        }

        if (which is "all" or "queue")
        {
            await QueueMakespanAsync(mode, repeats);
        }

        if (which is "all" or "simulate")
        {
            SimulateBench.Run();
        }

        if (which is "kubernetes" or "kubernetes-agent")
        {
            var setup = KubernetesBenchSetup.Parse(which, args.Skip(2).ToList());
            if (setup.Error is not null)
            {
                await Console.Error.WriteLineAsync($"{which}: {setup.Error}\nusage: {KubernetesBenchSetup.Usage}");
                return 3;
            }

            await KubernetesBench.RunAsync(repeats, setup);
        }

        return 0;
    }

    private static async Task OverheadAsync(SandboxMode mode, int repeats)
    {
        const int keys = 2000;
        const int slots = 16;
        var manifest = Strategy(Enumerable.Range(0, keys).Select(i => $"k{i}"), "true", $"maxContainersPerPod: {keys / 4}", $"maxConcurrentNumPerPod: {slots / 4}");
        var walls = new List<double>();
        var perKey = new List<double>();
        for (var i = 0; i < repeats; i++)
        {
            var (wall, elapsed, report) = await RunAsync(manifest, mode, null);
            Check(report, keys);
            walls.Add(wall.TotalMilliseconds);
            perKey.Add(Median(elapsed.Select(e => e.TotalMilliseconds)));
        }

        Console.WriteLine($"overhead: {keys} keys of `true`, 4 pods x {slots / 4} slots, {repeats} runs");
        Console.WriteLine($"  wall time, median:                    {Median(walls):F0} ms");
        Console.WriteLine($"  wall time per key (wall/keys):        {Median(walls) / keys:F2} ms");
        Console.WriteLine($"  per-key time (exec of `true`), median: {Median(perKey):F2} ms");
        Console.WriteLine($"  peak working set of this process:     {Process.GetCurrentProcess().PeakWorkingSet64 / 1024 / 1024} MiB");

        // One slot: nothing overlaps, so wall time per key is the whole cost of one key.
        const int serialKeys = 200;
        var serial = Strategy(Enumerable.Range(0, serialKeys).Select(i => $"k{i}"), "true", $"maxContainersPerPod: {serialKeys}", "maxConcurrentNumPerPod: 1");
        var serialWalls = await WallsAsync(serial, serialKeys, mode, repeats);

        Console.WriteLine($"overhead: {serialKeys} keys of `true`, 1 pod x 1 slot (one key at a time), {repeats} runs");
        Console.WriteLine($"  wall time per key, median:            {Median(serialWalls) / serialKeys:F2} ms");

        // Queue mode: 16 worker containers each serve key after key, where a held container's one sandbox pays off.
        var queue = Strategy(Enumerable.Range(0, keys).Select(i => $"k{i}"), "true", "mode: queue\n        maxPodNum: 4", $"maxConcurrentNumPerPod: {slots / 4}");
        var queueWalls = await WallsAsync(queue, keys, mode, repeats);

        Console.WriteLine($"overhead: {keys} keys of `true`, queue mode, 4 pods x {slots / 4} workers, {repeats} runs");
        Console.WriteLine($"  wall time, median:                    {Median(queueWalls):F0} ms");
        Console.WriteLine($"  wall time per key (wall/keys):        {Median(queueWalls) / keys:F2} ms");
    }

    /// <summary>The wall times in milliseconds of <paramref name="repeats"/> runs of <paramref name="manifest"/>, each checked to pass all its keys.</summary>
    private static async Task<List<double>> WallsAsync(string manifest, int keys, SandboxMode mode, int repeats)
    {
        var walls = new List<double>();
        for (var i = 0; i < repeats; i++)
        {
            var (wall, _, report) = await RunAsync(manifest, mode, null);
            Check(report, keys);
            walls.Add(wall.TotalMilliseconds);
        }

        return walls;
    }

    private static async Task MakespanAsync(SandboxMode mode, int repeats)
    {
        // Skewed: most keys short, a few long (a Pareto-like tail), shuffled with a fixed seed.
        var random = new Random(42);
        var durations = Enumerable.Range(0, 200).Select(i => Math.Round(0.05 + (0.05 / Math.Pow(random.NextDouble() + 0.02, 1.3)), 2)).Select(d => Math.Min(d, 3.0)).ToList();
        const int slots = 16;
        var keys = durations.Select((d, i) => $"{i}-{d.ToString(CultureInfo.InvariantCulture)}").ToList();
        var total = durations.Sum();
        var bound = Math.Max(total / slots, durations.Max());
        var actual = keys.Select((k, i) => (k, durations[i])).ToDictionary(p => p.k, p => p.Item2);
        foreach (var (label, pods, scheduler) in new[]
        {
            ("1 pod x 16 slots", "maxContainersPerPod: 200", new Scheduler(0, 200, 16)),
            ("4 pods x 4 slots", "maxPodNum: 4", new Scheduler(4, 0, 4)),
        })
        {
            var run = new Kubetest.Planning.SimulationCase(keys, scheduler, actual);
            var manifest = Strategy(keys, "sleep ${TASK_KEY#*-}", pods, $"maxConcurrentNumPerPod: {scheduler.MaxConcurrentNumPerPod}");
            var (walls, spans, replayed) = (new List<double>(), new List<double>(), new List<double>());
            var (timedWalls, timedSpans, timedReplayed) = (new List<double>(), new List<double>(), new List<double>());
            for (var i = 0; i < repeats; i++)
            {
                var (wall, span, _, report) = await RunSpannedAsync(manifest, mode, null);
                Check(report, keys.Count);
                walls.Add(wall.TotalSeconds);
                spans.Add(span.TotalSeconds);
                replayed.Add(Kubetest.Planning.ScheduleSimulator.StaticMakespan(run with { Actual = Measured(report) }));

                // The same run again, planned with the report just made (as --timings does).
                var past = PastRuns.ReadDurations(report.ToJson(), "report");
                var (timedWall, timedSpan, _, timedReport) = await RunSpannedAsync(manifest, mode, past);
                Check(timedReport, keys.Count);
                timedWalls.Add(timedWall.TotalSeconds);
                timedSpans.Add(timedSpan.TotalSeconds);
                timedReplayed.Add(Kubetest.Planning.ScheduleSimulator.StaticMakespan(run with { Actual = Measured(timedReport), Known = past }));
            }

            Console.WriteLine($"makespan: 200 keys, {label}, total work {total:F1} s, longest {durations.Max():F2} s, {repeats} runs");
            Console.WriteLine($"  lower bound max(total/slots, longest): {bound:F2} s");
            Console.WriteLine("  (span: first key start to last key end; simulated: on the sleeps alone; replayed: the simulation given each key's time as the run measured it)");
            Console.WriteLine($"  makespan, keys in manifest order:      {Median(walls):F2} s ({Median(walls) / bound:P1} of the bound); span {Median(spans):F2} s, simulated {Kubetest.Planning.ScheduleSimulator.StaticMakespan(run):F2} s, replayed {Median(replayed):F2} s");
            Console.WriteLine($"  makespan, --timings of an earlier run: {Median(timedWalls):F2} s ({Median(timedWalls) / bound:P1} of the bound); span {Median(timedSpans):F2} s, simulated with exact timings {Kubetest.Planning.ScheduleSimulator.StaticMakespan(run with { Known = actual }):F2} s, replayed {Median(timedReplayed):F2} s");
        }
    }

    /// <summary>
    /// The makespan keys (200 skewed sleeps) over 4 pods × 4 slots in <c>queue</c> mode, in manifest order and
    /// with the timings of the run before, beside what the simulation predicts for the same durations.
    /// </summary>
    private static async Task QueueMakespanAsync(SandboxMode mode, int repeats)
    {
        var random = new Random(42);
        var durations = Enumerable.Range(0, 200).Select(i => Math.Round(0.05 + (0.05 / Math.Pow(random.NextDouble() + 0.02, 1.3)), 2)).Select(d => Math.Min(d, 3.0)).ToList();
        var keys = durations.Select((d, i) => $"{i}-{d.ToString(CultureInfo.InvariantCulture)}").ToList();
        var actual = keys.Select((k, i) => (k, durations[i])).ToDictionary(p => p.k, p => p.Item2);
        var scheduler = new Scheduler(4, 0, 4, SchedulerMode.Queue);
        var run = new Kubetest.Planning.SimulationCase(keys, scheduler, actual);
        var bound = Kubetest.Planning.ScheduleSimulator.LowerBound(run);
        var manifest = Strategy(keys, "sleep ${TASK_KEY#*-}", "mode: queue\n        maxPodNum: 4", "maxConcurrentNumPerPod: 4");
        var walls = new List<double>();
        var spans = new List<double>();
        var timedWalls = new List<double>();
        var timedSpans = new List<double>();
        var overheads = new List<double>();
        var replayed = new List<double>();
        var timedReplayed = new List<double>();
        for (var i = 0; i < repeats; i++)
        {
            var (wall, span, elapsed, report) = await RunSpannedAsync(manifest, mode, null);
            Check(report, keys.Count);
            walls.Add(wall.TotalSeconds);
            spans.Add(span.TotalSeconds);
            overheads.Add((elapsed.Sum(e => e.TotalSeconds) - durations.Sum()) / keys.Count);
            replayed.Add(Kubetest.Planning.ScheduleSimulator.QueueMakespan(run with { Actual = Measured(report) }));
            var past = PastRuns.ReadDurations(report.ToJson(), "report");
            var (timedWall, timedSpan, _, timedReport) = await RunSpannedAsync(manifest, mode, past);
            Check(timedReport, keys.Count);
            timedWalls.Add(timedWall.TotalSeconds);
            timedSpans.Add(timedSpan.TotalSeconds);
            timedReplayed.Add(Kubetest.Planning.ScheduleSimulator.QueueMakespan(run with { Actual = Measured(timedReport), Known = past }));
        }

        Console.WriteLine($"queue: 200 keys, 4 pods x 4 workers, total work {durations.Sum():F1} s, longest {durations.Max():F2} s, {repeats} runs; lower bound {bound:F2} s");
        Console.WriteLine($"  each key's time beyond its sleep (median of runs): {Median(overheads) * 1000:F0} ms");
        Console.WriteLine("  (simulated: on the sleeps alone; replayed: the simulation given each key's time as the run measured it, overhead included)");
        Console.WriteLine($"  manifest order:              wall {Median(walls):F2} s, first key start to last key end {Median(spans):F2} s ({Median(spans) / bound:P1} of the bound); simulated {Kubetest.Planning.ScheduleSimulator.QueueMakespan(run):F2} s, replayed {Median(replayed):F2} s");
        Console.WriteLine($"  --timings of an earlier run: wall {Median(timedWalls):F2} s, first key start to last key end {Median(timedSpans):F2} s ({Median(timedSpans) / bound:P1} of the bound); simulated with exact timings {Kubetest.Planning.ScheduleSimulator.QueueMakespan(run with { Known = actual }):F2} s, replayed {Median(timedReplayed):F2} s");
    }

    /// <summary>Each key's time as the run's report gives it.</summary>
    private static Dictionary<string, double> Measured(Report report) =>
        report.Details.ToDictionary(d => d.Name, d => d.ElapsedSeconds ?? d.ElapsedTimeSec);

    private static async Task<(TimeSpan Wall, List<TimeSpan> Elapsed, Report Report)> RunAsync(string manifest, SandboxMode mode, IReadOnlyDictionary<string, double>? durations)
    {
        var (wall, _, elapsed, report) = await RunSpannedAsync(manifest, mode, durations);
        return (wall, elapsed, report);
    }

    /// <summary>One run: its wall time, the span from the first key's start to the last key's end, each key's time, the report.</summary>
    private static async Task<(TimeSpan Wall, TimeSpan KeysSpan, List<TimeSpan> Elapsed, Report Report)> RunSpannedAsync(string manifest, SandboxMode mode, IReadOnlyDictionary<string, double>? durations)
    {
        var job = ManifestLoader.Load(manifest, "bench.yaml", new Dictionary<string, string>()).Job;
        using var workspace = RunWorkspace.Create(Path.GetTempPath(), Kubetest.Runtime.RunOwner.Current());
        var observer = new Timings();
        var runtime = new LocalPodRuntime(workspace.PodsDirectory, mode, _ => { });
        var engine = new TestJobEngine(runtime, observer, TimeProvider.System);
        var clock = Stopwatch.StartNew();
        var result = await engine.RunAsync(job, workspace, new RunOptions(Durations: durations), CancellationToken.None);
        return (clock.Elapsed, observer.KeysSpan, observer.Elapsed, result.Report);
    }

    internal static void Check(Report report, int keys)
    {
        if (report.SuccessNum != keys)
        {
            throw new InvalidOperationException($"expected {keys} successful keys, got {report.SuccessNum} ({report.ToJson()[..200]})");
        }
    }

    internal static string Strategy(IEnumerable<string> keys, string script, string pods, string concurrency) => $$"""
        apiVersion: kubetest.io/v1
        kind: TestJob
        metadata:
          name: bench
        spec:
          mainStep:
            strategy:
              key:
                env: TASK_KEY
                source:
                  static: [{{string.Join(", ", keys.Select(k => $"\"{k}\""))}}]
              scheduler:
                {{pods}}
                {{concurrency}}
            template:
              spec:
                containers:
                  - name: bench
                    image: alpine
                    command: ["sh", "-c", "{{script}}"]
        """;

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private sealed class Timings : IRunObserver
    {
        private long _firstStart = long.MaxValue;
        private long _lastFinish;

        public List<TimeSpan> Elapsed { get; } = [];

        /// <summary>From the first key's start to the last key's end: the makespan with start-up and cleanup excluded.</summary>
        public TimeSpan KeysSpan => _lastFinish > _firstStart ? Stopwatch.GetElapsedTime(_firstStart, _lastFinish) : TimeSpan.Zero;

        public void On(RunEvent runEvent)
        {
            lock (Elapsed)
            {
                if (runEvent is TaskStarted)
                {
                    _firstStart = Math.Min(_firstStart, Stopwatch.GetTimestamp());
                }
                else if (runEvent is KeyFinished finished)
                {
                    Elapsed.Add(finished.Result.Elapsed);
                    _lastFinish = Stopwatch.GetTimestamp();
                }
            }
        }
    }
}
