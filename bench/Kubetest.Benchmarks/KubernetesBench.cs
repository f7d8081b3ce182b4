using System.Diagnostics;
using k8s;
using Kubetest.Emulator;
using Kubetest.Engine;
using Kubetest.Model;
using Kubetest.Runtime.Kubernetes;

namespace Kubetest.Benchmarks;

/// <summary>
/// The kubernetes runtime on the in-process API emulator: 500 keys of <c>true</c> over 50 pods,
/// wall time and the API requests the run makes, in all, per key, by route, and beyond what each
/// pod needs for its own creation, watch and cleanup (the target is at most 2 per key).
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

    /// <param name="agent">
    /// When given, the host command line of kubetest-agent (e.g. <c>dotnet …/kubetest-agent.dll</c>):
    /// every key container then runs it as <c>/bin/kubetest-agent</c> and keys go through it.
    /// </param>
    public static async Task RunAsync(int repeats, int keyCount = 500, IReadOnlyList<string>? agent = null)
    {
        var keys = keyCount;
        var pods = keys / 10;
        var directory = Directory.CreateTempSubdirectory("kubetest-bench-emulator-").FullName;
        try
        {
            await using var emulator = await KubeEmulator.StartAsync(new EmulatorOptions { StateDirectory = Path.Combine(directory, "kubelet") });
            var kubeconfig = Path.Combine(directory, "kubeconfig");
            emulator.WriteKubeconfig(kubeconfig);
            var manifest = Program.Strategy(Enumerable.Range(0, keys).Select(i => $"k{i}"), "true", $"maxPodNum: {pods}", "maxConcurrentNumPerPod: 10");
            if (agent is not null)
            {
                emulator.Options.Executables["/bin/kubetest-agent"] = agent;
                manifest += "\n            agent:\n              installedPath: /bin/kubetest-agent";
            }

            var walls = new List<double>();
            var runs = new List<Dictionary<string, long>>();
            for (var i = 0; i < repeats; i++)
            {
                var before = emulator.RequestCounts;
                var wall = await RunOnceAsync(manifest, kubeconfig, keys);
                await WaitEmptyAsync(emulator);
                var after = emulator.RequestCounts;
                runs.Add(after.ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key), StringComparer.Ordinal));
                walls.Add(wall.TotalSeconds);
            }

            double Route(string route) => Program.Median(runs.Select(r => (double)r.GetValueOrDefault(route)));
            var totals = runs.Select(r => (double)r.Values.Sum()).ToList();
            var own = runs.Select(r => (double)(r.GetValueOrDefault(CreateJob) + r.GetValueOrDefault(ListPods) + r.GetValueOrDefault(WatchPods) + r.GetValueOrDefault(DeleteJob) + r.GetValueOrDefault(DeletePod))).ToList();
            var beyond = totals.Zip(own, (t, o) => (t - o) / keys).ToList();
            var beyondStrict = totals.Select(t => (t - (5.0 * pods)) / keys).ToList();

            Console.WriteLine($"kubernetes{(agent is null ? "" : " through kubetest-agent")}: {keys} keys of `true`, {pods} pods x 10 slots, on the in-process emulator, {repeats} runs");
            Console.WriteLine($"  wall time, median:                          {Program.Median(walls):F2} s ({Program.Median(walls) * 1000 / keys:F1} ms per key)");
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

            Console.WriteLine($"  per key beyond each pod's creation, watch and cleanup (all of those routes): {Program.Median(beyond):F2} (target <= 2)");
            Console.WriteLine($"  peak working set of this process (kubetest's engine and runtime, and the emulator's API server; not the agents): {Process.GetCurrentProcess().PeakWorkingSet64 / 1024 / 1024} MiB");
            Console.WriteLine($"  per key beyond 5 requests per pod (create, list, watch, delete job, delete pod): {Program.Median(beyondStrict):F2}");
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

    private static async Task<TimeSpan> RunOnceAsync(string manifest, string kubeconfig, int keys)
    {
        var job = ManifestLoader.Load(manifest, "bench.yaml", new Dictionary<string, string>()).Job;
        using var workspace = RunWorkspace.Create(Path.GetTempPath(), Kubetest.Runtime.RunOwner.Current());
        var clock = Stopwatch.StartNew();

        // As the CLI does it (RuntimeFactory): connect (one GET /version), then run on the runtime.
        var client = await KubernetesConnection.ConnectAsync(kubeconfig, inCluster: false, CancellationToken.None);
        try
        {
            await using var runtime = new KubernetesPodRuntime(client, new KubernetesRuntimeOptions(Namespace, TimeSpan.FromMinutes(10), Kubetest.Runtime.JobLifecycle.For(Kubetest.Runtime.RunOwner.Current(), Kubetest.Runtime.JobLifecycle.DefaultMaxRunTime)), TimeProvider.System, message => Console.Error.WriteLine(message));
            var problems = new Problems();
            var engine = new TestJobEngine(runtime, problems, workspace, TimeProvider.System);
            var result = await engine.RunAsync(job, new RunOptions(), CancellationToken.None);
            if (result.Report.SuccessNum != keys)
            {
                // Counted, not fatal: a benchmark of requests should still say what it measured.
                Console.WriteLine($"  !! {keys - result.Report.SuccessNum} of {keys} keys did not succeed:\n     {string.Join("\n     ", problems.Messages.Take(10))}");
            }
        }
        finally
        {
            client.Dispose();
        }

        return clock.Elapsed;
    }

    /// <summary>Waits until the emulator's kubelet has dropped every pod, so runs do not overlap.</summary>
    private static async Task WaitEmptyAsync(KubeEmulator emulator)
    {
        var clock = Stopwatch.StartNew();
        while (emulator.StoredPods().Count > 0 || emulator.StoredJobs().Count > 0)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(1))
            {
                throw new InvalidOperationException($"{emulator.StoredJobs().Count} jobs and {emulator.StoredPods().Count} pods left in the emulator after the run");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Keeps what went wrong (errors of keys, warnings), to say why a run did not succeed.</summary>
    private sealed class Problems : Reporting.IRunObserver
    {
        public List<string> Messages { get; } = [];

        public void On(Reporting.RunEvent runEvent)
        {
            var message = runEvent switch
            {
                Reporting.TaskFinished { Result.Message: { } m } f => $"{f.Task.Name}: {f.Result.Status} {m}",
                Reporting.TaskFinished { Result.Status: not Reporting.KeyStatus.Success } f => $"{f.Task.Name}: {f.Result.Status} exit {f.Result.ExitCode}",
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
