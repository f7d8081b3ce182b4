using System.Collections.Concurrent;
using System.Globalization;
using CsCheck;
using Kubetest.Engine;
using Kubetest.Model;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Core.Tests.Engine;

/// <summary>
/// The one worker loop over each of its work sources (static keys, static batches, the shared queue, the queue in
/// batches) on the in-memory runtime, with random failures, retest counts, fail-fast and a pod whose connection is lost:
/// the rules the loop holds once must hold for every source.
/// </summary>
public sealed class WorkerLoopPropertyTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-worker-loop-tests-").FullName;

    public void Dispose() => FileTree.Delete(_root);

    public enum Source
    {
        StaticKeys,
        StaticBatches,
        Queue,
        QueueBatches,
    }

    /// <summary>Results a key gets without a run of its own: its pod never started, or no worker was left to take it.</summary>
    private static readonly string[] NotRun = ["could not start", "no worker left to run it", "not run: "];

    [Theory]
    [InlineData(Source.StaticKeys)]
    [InlineData(Source.StaticBatches)]
    [InlineData(Source.Queue)]
    [InlineData(Source.QueueBatches)]
    public void Every_keys_runs_equal_its_attempts_totals_add_up_and_no_limit_is_exceeded(Source source)
    {
        var cases = Gen.Select(
            Gen.Int[1, 12],
            Gen.Int[0, 2],
            Gen.Bool,
            Gen.Int[1, 3],
            Gen.Int[1, 3],
            Gen.Int[0, 3].Array[12],
            Gen.Int[-4, 11],
            (count, reruns, failFast, pods, concurrent, failures, lost) => (count, reruns, failFast, pods, concurrent, failures, lost));
        cases.Sample(
            c =>
            {
                var keys = Enumerable.Range(0, c.count).Select(i => $"k{i}").ToList();
                var lostKey = c.lost >= 0 && c.lost < c.count ? keys[c.lost] : null;
                var runs = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
                var running = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
                var most = 0;
                var runtime = new FakePodRuntime
                {
                    HoldExec = e =>
                    {
                        EngineManifests.InterlockedMax(ref most, running.AddOrUpdate(e.Pod, 1, (_, n) => n + 1));
                        return Task.Delay(1);
                    },
                    OnExec = e =>
                    {
                        running.AddOrUpdate(e.Pod, 0, (_, n) => n - 1);
                        var ran = e.Key!.Split(' ').Select(k => (Key: k, Run: runs.AddOrUpdate(k, 1, (_, n) => n + 1))).ToList();
                        if (ran.Any(r => r.Key == lostKey && r.Run == 1))
                        {
                            return ExecOutcome.ConnectionLost("the node went away");
                        }

                        return ExecOutcome.Exit(ran.Any(r => r.Run <= c.failures[int.Parse(r.Key[1..], CultureInfo.InvariantCulture)]) ? 1 : 0);
                    },
                };
                var observer = new RecordingObserver();
                var strategy = $"failFast: {(c.failFast ? "true" : "false")}\n      retest: {c.reruns}"
                    + (source is Source.StaticBatches or Source.QueueBatches ? "\n      batch: {maxKeys: 3}" : "");
                var mode = source is Source.Queue or Source.QueueBatches ? "mode: queue, " : "";
                var result = Run(runtime, observer, Job(keys, $"{mode}maxPodNum: {c.pods}, maxConcurrentNumPerPod: {c.concurrent}", strategy));
                var report = result.Report;

                Assert.Equal(keys.Order(StringComparer.Ordinal), report.Details.Select(d => d.Name).Order(StringComparer.Ordinal));
                Assert.Equal(report.TotalNum, report.SuccessNum + report.FailureNum + report.UnknownNum);
                Assert.InRange(most, 0, c.concurrent);
                var execs = runtime.Execs.Where(e => e.Key is not null).SelectMany(e => e.Key!.Split(' ')).GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count());
                var notRun = observer.Of<KeyFinished>()
                    .Where(f => NotRun.Any(n => f.Result.Message?.Contains(n, StringComparison.Ordinal) == true))
                    .GroupBy(f => f.Task.Name)
                    .ToDictionary(g => g.Key, g => g.Count());
                foreach (var detail in report.Details)
                {
                    // An attempt that ended before it ran (its pod, or every worker, was gone) counts, but has no run.
                    var ran = execs.GetValueOrDefault(detail.Name);
                    Assert.True(ran == detail.Attempts - notRun.GetValueOrDefault(detail.Name), $"{detail.Name}: {ran} runs, {detail.Attempts} attempts");
                    Assert.InRange(detail.Attempts, 0, 1 + c.reruns + (strategy.Contains("batch", StringComparison.Ordinal) ? 2 : 0));
                    if (detail.Attempts == 0)
                    {
                        Assert.Equal(KeyStatus.Unknown, detail.Status);
                    }
                }

                if (!c.failFast && lostKey is null)
                {
                    Assert.Equal(0, report.UnknownNum);
                }
            },
            iter: 40);
    }

    [Fact]
    public async Task One_engine_runs_two_TestJobs_at_once_each_in_its_own_workspace_with_its_own_report()
    {
        // Both runs' first keys wait for each other, so the two runs are surely in flight together.
        var bothStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        var runtime = new FakePodRuntime
        {
            HoldExec = e => e.Key is "a1" or "b1" ? (Interlocked.Increment(ref started) == 2 ? Task.Run(bothStarted.SetResult) : bothStarted.Task) : null,
            OnExec = e => ExecOutcome.Exit(e.Key == "b2" ? 1 : 0),
        };
        var engine = new TestJobEngine(runtime, new RecordingObserver(), TimeProvider.System);
        using var first = RunWorkspace.Create(_root, RunOwner.Current());
        using var second = RunWorkspace.Create(_root, RunOwner.Current());

        var runs = await Task.WhenAll(
            engine.RunAsync(Load(Job(["a1", "a2", "a3"], "maxConcurrentNumPerPod: 1", "", name: "job-a")), first, new RunOptions(), CancellationToken.None),
            engine.RunAsync(Load(Job(["b1", "b2"], "mode: queue, maxPodNum: 2", "retest: 1", name: "job-b")), second, new RunOptions(), CancellationToken.None))
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([("a1", KeyStatus.Success, 1), ("a2", KeyStatus.Success, 1), ("a3", KeyStatus.Success, 1)], runs[0].Report.Details.Select(d => (d.Name, d.Status, d.Attempts)).Order());
        Assert.Equal([("b1", KeyStatus.Success, 1), ("b2", KeyStatus.Failure, 2)], runs[1].Report.Details.Select(d => (d.Name, d.Status, d.Attempts)).Order());
        var logA = await File.ReadAllTextAsync(first.LogPath);
        var logB = await File.ReadAllTextAsync(second.LogPath);
        Assert.Contains("[TASK_KEY:a3]", logA, StringComparison.Ordinal);
        Assert.DoesNotContain("[TASK_KEY:b", logA, StringComparison.Ordinal);
        Assert.Contains("[TASK_KEY:b2]", logB, StringComparison.Ordinal);
        Assert.DoesNotContain("[TASK_KEY:a", logB, StringComparison.Ordinal);
        Assert.All(runtime.Pods, p => Assert.True(p.Disposed));
    }

    private RunResult Run(FakePodRuntime runtime, RecordingObserver observer, string manifest)
    {
        using var workspace = RunWorkspace.Create(_root, RunOwner.Current());
        var engine = new TestJobEngine(runtime, observer, TimeProvider.System);
        return engine.RunAsync(Load(manifest), workspace, new RunOptions(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
    }

    private static TestJob Load(string manifest) => ManifestLoader.Load(manifest, "test.yaml", new Dictionary<string, string>()).Job;

    private static string Job(IReadOnlyList<string> keys, string scheduler, string strategy, string name = "loop-test") =>
        EngineManifests.StaticKeys($"[{string.Join(", ", keys)}]", scheduler, strategy, name);
}
