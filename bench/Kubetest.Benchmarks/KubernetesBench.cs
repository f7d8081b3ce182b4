using System.Diagnostics;
using System.Text.Json;
using k8s;
using Kubetest.Emulator;
using Kubetest.Engine;
using Kubetest.Model;
using Kubetest.Runtime.Kubernetes;

namespace Kubetest.Benchmarks;

/// <summary>
/// The kubernetes runtime on the in-process API emulator: 500 keys of <c>true</c> over 50 pods (10 keys of
/// each pod at once), exec through the API server or through kubetest-agent, wall time and the API requests
/// the run makes, in all, per key, by route, and beyond what each pod needs for its own creation, watch and
/// cleanup (the target is at most 2 per key; with the agent, none). With <c>--cli</c> kubetest is the real CLI
/// in a child process, so its peak RSS is its own, apart from the emulator's (which stays in this process).
/// </summary>
internal static class KubernetesBench
{
    private const string Namespace = "default";

    private const string CreateJob = "POST /apis/batch/v1/namespaces/{ns}/jobs";
    private const string ListPods = "GET /api/v1/namespaces/{ns}/pods";
    private const string WatchPods = "GET /api/v1/namespaces/{ns}/pods?watch";
    private const string DeleteJob = "DELETE /apis/batch/v1/namespaces/{ns}/jobs/{name}";
    private const string DeletePod = "DELETE /api/v1/namespaces/{ns}/pods/{name}";
    private const string Exec = "GET /api/v1/namespaces/{ns}/pods/{name}/exec";

    private static int _cliRuns;

    public static async Task RunAsync(int repeats, KubernetesBenchSetup setup)
    {
        var keys = setup.Keys;
        var pods = keys / 10;
        var directory = Directory.CreateTempSubdirectory("kubetest-bench-emulator-").FullName;
        try
        {
            await using var emulator = await KubeEmulator.StartAsync(new EmulatorOptions { StateDirectory = Path.Combine(directory, "kubelet") });
            var kubeconfig = Path.Combine(directory, "kubeconfig");
            emulator.WriteKubeconfig(kubeconfig);
            var manifest = Program.Strategy(Enumerable.Range(0, keys).Select(i => $"k{i}"), "true", $"maxPodNum: {pods}", "maxConcurrentNumPerPod: 10");
            if (setup.Agent is { } agent)
            {
                emulator.Options.Executables["/bin/kubetest-agent"] = agent;
                manifest += "\n            agent:\n              installedPath: /bin/kubetest-agent";
            }

            var walls = new List<double>();
            var rss = new List<double>();
            var agentMemory = new List<AgentMemory.Peak>();
            var runs = new List<Dictionary<string, long>>();
            var succeeded = new List<int>();
            for (var i = 0; i < repeats; i++)
            {
                var before = emulator.RequestCounts;
                var loadBefore = LoadAverage();
                using var sampler = setup.Agent is null ? null : AgentMemory.Start(setup.Agent[^1]);
                var run = setup.Cli is null
                    ? await RunOnceAsync(manifest, kubeconfig, keys)
                    : await RunCliAsync(setup.Cli, manifest, directory, kubeconfig, keys);
                var loadAfter = LoadAverage();
                await WaitEmptyAsync(emulator);
                var after = emulator.RequestCounts;
                runs.Add(after.ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key), StringComparer.Ordinal));
                walls.Add(run.Wall.TotalSeconds);
                succeeded.Add(run.Succeeded);
                if (run.PeakRssKib is { } kib)
                {
                    rss.Add(kib / 1024.0);
                }

                if (sampler is not null)
                {
                    agentMemory.Add(await sampler.StopAsync());
                }

                Console.WriteLine($"  run {i + 1}: wall {run.Wall.TotalSeconds:F2} s (load average {loadBefore} before, {loadAfter} at the end), {run.Succeeded} of {keys} keys succeeded, {runs[^1].Values.Sum()} API requests"
                    + (run.PeakRssKib is { } k ? $", kubetest's peak RSS {k / 1024.0:F0} MiB" : "")
                    + (agentMemory.Count > 0 ? $", agents at most {agentMemory[^1].Agents} at once holding {agentMemory[^1].RssMib:F0} MiB RSS ({agentMemory[^1].PssMib:F0} MiB PSS)" : ""));
            }

            double Route(string route) => Program.Median(runs.Select(r => (double)r.GetValueOrDefault(route)));
            var totals = runs.Select(r => (double)r.Values.Sum()).ToList();
            var own = runs.Select(r => (double)(r.GetValueOrDefault(CreateJob) + r.GetValueOrDefault(ListPods) + r.GetValueOrDefault(WatchPods) + r.GetValueOrDefault(DeleteJob) + r.GetValueOrDefault(DeletePod))).ToList();
            var beyond = totals.Zip(own, (t, o) => (t - o) / keys).ToList();
            var beyondStrict = totals.Select(t => (t - (5.0 * pods)) / keys).ToList();

            var where = setup.Cli is null ? "kubetest's engine in this process" : $"the kubetest CLI as a child process ({setup.Cli})";
            Console.WriteLine($"kubernetes {setup.AgentLabel}: {keys} keys of `true`, {pods} pods x 10 slots, {where}, on the in-process emulator, {repeats} runs");
            Console.WriteLine($"  keys that succeeded, per run:               {string.Join(", ", succeeded)} of {keys}");
            Console.WriteLine($"  wall time, median:                          {Program.Median(walls):F2} s ({Program.Median(walls) * 1000 / keys:F1} ms per key){(setup.Cli is null ? "" : ", the CLI's start-up included")}");
            Console.WriteLine($"  API requests in all, median:                {Program.Median(totals):F0} ({Program.Median(totals) / keys:F2} per key)");
            foreach (var (label, route) in new[]
            {
                ("jobs create", CreateJob), ("pods list", ListPods), ("pods watch", WatchPods),
                ("jobs delete", DeleteJob), ("pods delete", DeletePod), ("exec", Exec),
            })
            {
                Console.WriteLine($"  {label + ":",-12} {Route(route),6:F0}  ({Route(route) / keys:F2} per key, {Route(route) / pods:F2} per pod)  {route}");
            }

            var known = new HashSet<string>([CreateJob, ListPods, WatchPods, DeleteJob, DeletePod, Exec], StringComparer.Ordinal);
            foreach (var route in runs.SelectMany(r => r.Keys).Where(k => !known.Contains(k)).Distinct().Order(StringComparer.Ordinal))
            {
                Console.WriteLine($"  {"other:",-12} {Route(route),6:F0}  {route}");
            }

            Console.WriteLine($"  per key beyond each pod's creation, watch and cleanup (all of those routes): {Program.Median(beyond):F2} (target <= 2{(setup.Agent is null ? "" : "; through the agent 0")})");
            Console.WriteLine($"  per key beyond 5 requests per pod (create, list, watch, delete job, delete pod): {Program.Median(beyondStrict):F2}");
            if (setup.Cli is null)
            {
                Console.WriteLine($"  peak working set of this process (kubetest's engine and runtime, and the emulator's API server; not the agents): {Process.GetCurrentProcess().PeakWorkingSet64 / 1024 / 1024} MiB");
            }
            else
            {
                Console.WriteLine($"  peak RSS of the kubetest CLI process, median:  {Program.Median(rss):F0} MiB (runs: {string.Join(", ", rss.Select(r => r.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))})");
                Console.WriteLine($"  peak working set of this process (the emulator's API server and kubelet, not kubetest, not the agents): {Process.GetCurrentProcess().PeakWorkingSet64 / 1024 / 1024} MiB");
            }

            if (agentMemory.Count > 0)
            {
                Console.WriteLine($"  agents, median of runs: at most {Program.Median(agentMemory.Select(a => (double)a.Agents)):F0} at once, their peak RSS summed {Program.Median(agentMemory.Select(a => a.RssMib)):F0} MiB, PSS summed {Program.Median(agentMemory.Select(a => a.PssMib)):F0} MiB (sampled each second)");
            }
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
                // A pod directory the kubelet was still removing vanished under the walk; what is left goes now.
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
        }
    }

    /// <summary>
    /// One run of the real CLI, <c>kubetest --runtime kubernetes -c KUBECONFIG --timings-store none bench.yaml</c>, as a child process
    /// under GNU time: its wall time (start-up included), its peak RSS (wait4's rusage of the child: the CLI's own,
    /// since on this runtime it starts no processes of its own; the pods run in this process's emulator), and how
    /// many keys its report says succeeded.
    /// </summary>
    private static async Task<RunFigures> RunCliAsync(string cli, string manifest, string directory, string kubeconfig, int keys)
    {
        var manifestPath = Path.Combine(directory, "bench.yaml");
        await File.WriteAllTextAsync(manifestPath, manifest);
        var rssPath = Path.Combine(directory, "rss");
        var start = new ProcessStartInfo(KubernetesBenchSetup.TimePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // No timing store: each run is measured in manifest order, as the engine in this process runs it, not balanced by the one before.
        foreach (var arg in (string[])["-f", "%M", "-o", rssPath, "dotnet", cli, "--runtime", "kubernetes", "-c", kubeconfig, "-n", Namespace, "--timings-store", "none", manifestPath])
        {
            start.ArgumentList.Add(arg);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{KubernetesBenchSetup.TimePath} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("the CLI run took more than 30 minutes; killed");
        }

        var wall = clock.Elapsed;
        var report = await stdout;
        var log = await stderr;
        var kept = Path.Combine(Path.GetTempPath(), $"kubetest-bench-cli-{Environment.ProcessId}-{Interlocked.Increment(ref _cliRuns)}.log");
        await File.WriteAllTextAsync(kept, log);
        Console.WriteLine($"  the CLI's log (stderr): {kept}");
        var succeeded = 0;
        try
        {
            using var json = JsonDocument.Parse(report);
            succeeded = json.RootElement.GetProperty("successNum").GetInt32();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            Console.WriteLine($"  !! the CLI wrote no report (exit {process.ExitCode}): {e.Message}");
        }

        if (succeeded != keys)
        {
            var errors = log.Split('\n').Where(l => l.StartsWith("[ERROR]", StringComparison.Ordinal) || l.StartsWith("[WARN]", StringComparison.Ordinal)).Distinct().Take(10);
            Console.WriteLine($"  !! exit {process.ExitCode}, {keys - succeeded} of {keys} keys did not succeed:\n     {string.Join("\n     ", errors)}");
        }

        // GNU time writes "Command exited with non-zero status N" before the figure when the command failed.
        var rss = long.Parse((await File.ReadAllLinesAsync(rssPath)).Last(l => l.Length > 0), System.Globalization.CultureInfo.InvariantCulture);
        return new RunFigures(wall, succeeded, rss);
    }

    private static async Task<RunFigures> RunOnceAsync(string manifest, string kubeconfig, int keys)
    {
        var job = ManifestLoader.Load(manifest, "bench.yaml", new Dictionary<string, string>()).Job;
        using var workspace = RunWorkspace.Create(Path.GetTempPath(), Kubetest.Runtime.RunOwner.Current());
        var clock = Stopwatch.StartNew();

        // As the CLI does it (RuntimeFactory): connect (one GET /version), then run on the runtime.
        var client = await KubernetesConnection.ConnectAsync(kubeconfig, inCluster: false, CancellationToken.None);
        var succeeded = 0;
        try
        {
            await using var runtime = new KubernetesPodRuntime(client, new KubernetesRuntimeOptions(Namespace, TimeSpan.FromMinutes(10), Kubetest.Runtime.JobLifecycle.For(Kubetest.Runtime.RunOwner.Current(), Kubetest.Runtime.JobLifecycle.DefaultMaxRunTime)), TimeProvider.System, message => Console.Error.WriteLine(message));
            var problems = new Problems();
            var engine = new TestJobEngine(runtime, problems, TimeProvider.System);
            var result = await engine.RunAsync(job, workspace, new RunOptions(), CancellationToken.None);
            succeeded = result.Report.SuccessNum;
            if (result.Report.SuccessNum != keys)
            {
                // Counted, not fatal: a benchmark of requests should still say what it measured.
                Console.WriteLine($"  !! {keys - result.Report.SuccessNum} of {keys} keys did not succeed:\n     {string.Join("\n     ", problems.Messages.Distinct().Take(10))}");
            }
        }
        finally
        {
            client.Dispose();
        }

        return new RunFigures(clock.Elapsed, succeeded, null);
    }

    /// <summary>
    /// Waits until the emulator's kubelet has dropped every pod, so runs do not overlap; what is still there after
    /// five minutes (the kubelet removes sandboxes slowly on a loaded machine) is said, not fatal: it makes no API
    /// requests, so the next run's counts stay right.
    /// </summary>
    private static async Task WaitEmptyAsync(KubeEmulator emulator)
    {
        var clock = Stopwatch.StartNew();
        while (emulator.StoredPods().Count > 0 || emulator.StoredJobs().Count > 0)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(5))
            {
                Console.WriteLine($"  !! {emulator.StoredJobs().Count} jobs and {emulator.StoredPods().Count} pods still in the emulator 5 minutes after the run");
                return;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The machine's 1-minute load average (other work on the shared machine shows here).</summary>
    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    /// <summary>One run: wall time, keys that succeeded, and the CLI child's peak RSS in KiB (null: in process).</summary>
    private sealed record RunFigures(TimeSpan Wall, int Succeeded, long? PeakRssKib);

    /// <summary>Keeps what went wrong (errors of keys, warnings), to say why a run did not succeed.</summary>
    private sealed class Problems : Reporting.IRunObserver
    {
        public List<string> Messages { get; } = [];

        public void On(Reporting.RunEvent runEvent)
        {
            var message = runEvent switch
            {
                Reporting.KeyFinished { Result.Message: { } m } f => $"{f.Task.Name}: {f.Result.Status} {m}",
                Reporting.KeyFinished { Result.Status: not Reporting.KeyStatus.Success } f => $"{f.Task.Name}: {f.Result.Status} exit {f.Result.ExitCode}",
                Reporting.LogEvent { Level: Reporting.LogLevel.Warn or Reporting.LogLevel.Error } l => l.Message,
                _ => null,
            };
            if (message is not null)
            {
                lock (Messages)
                {
                    Messages.Add(message);
                }
            }
        }
    }
}
