using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using Kubetest.Emulator;

namespace Kubetest.Cli.Tests;

/// <summary>
/// The kubernetes runtime against a misbehaving cluster: the emulator's fault knobs (pods held
/// Pending, dropped watches, injected 500/429 replies, a pod deleted mid-run), through the real CLI.
/// This class has an emulator of its own; every test restores the knobs when it ends.
/// </summary>
public sealed class FaultTests(Runtimes runtimes) : IClassFixture<Runtimes>, IDisposable
{
    /// <summary>
    /// An init container that keeps the pod Pending for a second: without it the emulator's pod
    /// already runs when the runtime first lists it, and the runtime never needs to watch.
    /// </summary>
    private const string SlowInit = "initContainers:\n  - name: slow-init\n    image: alpine\n    command: [\"sh\", \"-c\", \"sleep 1\"]";

    private KubeEmulator Emulator => runtimes.Emulator;

    private FaultOptions Faults => runtimes.Emulator.Options.Faults;

    [Theory]
    [InlineData("ImagePullBackOff")]
    [InlineData("Unschedulable")]
    public async Task A_pod_held_Pending_fails_its_keys_after_the_pending_timeout_naming_the_reason(string reason)
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var manifest = cli.Write("pending.yaml", Manifests.Strategy(["a", "b", "c"], "echo ran $TASK_KEY", scheduler: "maxContainersPerPod: 2"));
        Faults.HoldPendingReason = reason;

        var clock = Stopwatch.StartNew();
        var run = await cli.RunAsync("--pending-timeout", "3", manifest);
        clock.Stop();

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the run took {clock.Elapsed} with a pending timeout of 3 s");
        Assert.Contains(run.StderrLines, l => l.Contains(reason, StringComparison.Ordinal) && l.Contains("Pending", StringComparison.Ordinal));
        Assert.DoesNotContain(run.StderrLines, l => l.StartsWith("ran ", StringComparison.Ordinal));
        var report = run.Report;
        Assert.Equal("failure", report.GetProperty("status").GetString());
        Assert.Equal(3, report.GetProperty("totalNum").GetInt32());
        Assert.Equal(0, report.GetProperty("successNum").GetInt32());
        Assert.Equal(3, report.GetProperty("failureNum").GetInt32());
        Assert.Equal(["error", "error", "error"], Details(report).Values);
        Assert.Equal(["a", "b", "c"], Details(report).Keys);
        await AssertNothingLeftAsync(cli);
    }

    [Fact]
    public async Task A_pod_held_Pending_is_named_in_an_info_line_with_its_reason_and_the_time_left_before_it_fails()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var manifest = cli.Write("pending.yaml", Manifests.Strategy(["a"], "echo ran $TASK_KEY"));
        Faults.HoldPendingReason = "ImagePullBackOff";

        var run = await cli.RunAsync("--pending-timeout", "6s", manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        var info = Assert.Single(run.StderrLines, l => l.StartsWith("[INFO] waiting for 1 Pending pod", StringComparison.Ordinal));
        Assert.Matches(@"^\[INFO\] waiting for 1 Pending pod \(each given up after --pending-timeout 6s\): [a-z0-9.-]+ \(ImagePullBackOff in container [a-z0-9-]+\), [0-3]s left$", info);
        var lines = run.StderrLines.ToList();
        var failure = lines.FindIndex(l => l.Contains("stayed Pending for 6s (--pending-timeout): container ", StringComparison.Ordinal));
        Assert.True(failure > lines.IndexOf(info), run.ToString());
        Assert.Equal(["error"], Details(run.Report).Values);
        await AssertNothingLeftAsync(cli);
    }

    [Fact]
    public async Task A_watch_dropped_after_every_event_is_resumed_and_the_run_completes()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var manifest = cli.Write("drop.yaml", Manifests.Strategy(["w1", "w2", "w3", "w4"], "echo ran $TASK_KEY", scheduler: "maxContainersPerPod: 2", extraPodSpec: SlowInit));
        Faults.DropWatchAfterEvents = 1;
        var readsBefore = PodReads();

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var report = run.Report;
        Assert.Equal("success", report.GetProperty("status").GetString());
        Assert.Equal(4, report.GetProperty("successNum").GetInt32());
        Assert.Equal(["w1", "w2", "w3", "w4"], Details(report).Keys);
        Assert.All(Details(report).Values, s => Assert.Equal("success", s));
        Assert.Contains("ran w3", run.StderrLines);

        // Two pods, each Pending for a second, so each needs one list and one watch; a watch that ends
        // after one event and is followed by another list (or watch) shows the drop was survived.
        var followed = PodReads() - readsBefore;
        Assert.True(followed > 4, $"{followed} pod lists and watches for 2 pods: no watch was dropped and resumed; " + string.Join(", ", Emulator.RequestCounts.Select(kv => $"{kv.Key}={kv.Value}")));
        await AssertNothingLeftAsync(cli);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task With_a_tenth_of_requests_answered_500_or_429_the_run_completes_with_a_correct_report(bool execUpgradesToo)
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        Faults.IncludeExecUpgrades = execUpgradesToo;
        var keys = Enumerable.Range(1, 10).Select(i => $"key-{i:00}").ToList();
        var manifest = cli.Write("flaky-api.yaml", Manifests.Strategy(keys, "echo ran $TASK_KEY", scheduler: "maxPodNum: 4\nmaxConcurrentNumPerPod: 2", extraPodSpec: SlowInit));
        Faults.InternalErrorRate = 0.05;
        Faults.TooManyRequestsRate = 0.05;
        Faults.RetryAfterSeconds = 0;

        // A run makes about 30 API requests, so now and then none is hit: run again (each run must
        // be correct) until faults were injected, so that the test always proves something.
        for (var attempt = 1; ; attempt++)
        {
            var injectedBefore = Emulator.Injected500Count + Emulator.Injected429Count;

            var run = await cli.RunAsync(manifest);

            Assert.True(run.ExitCode == 0, run.ToString());
            var report = run.Report;
            Assert.Equal("success", report.GetProperty("status").GetString());
            Assert.Equal(10, report.GetProperty("totalNum").GetInt32());
            Assert.Equal(10, report.GetProperty("successNum").GetInt32());
            Assert.Equal(0, report.GetProperty("failureNum").GetInt32());
            Assert.Equal(keys, Details(report).Keys);
            Assert.All(keys, k => Assert.Contains($"ran {k}", run.StderrLines));
            await AssertNothingLeftAsync(cli);
            if (Emulator.Injected500Count + Emulator.Injected429Count > injectedBefore)
            {
                break;
            }

            Assert.True(attempt < 5, "no fault was injected in 5 runs: the test proved nothing");
        }
    }

    [Fact]
    public async Task A_pod_deleted_mid_run_ends_its_keys_with_a_status_and_the_other_pods_keys_succeed()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var state = Path.Combine(cli.Root, "state");
        Directory.CreateDirectory(state);

        // Round-robin over 3 pods: the pod of doomed-1 also gets doomed-2; the quick keys share the other two.
        var manifest = cli.Write("deleted.yaml", Manifests.Strategy(
            ["doomed-1", "ok-1", "ok-2", "doomed-2", "ok-3", "ok-4"],
            "case $TASK_KEY in doomed-*) touch /state/$TASK_KEY.started; sleep 30;; *) echo ran $TASK_KEY;; esac",
            scheduler: "maxPodNum: 3\nmaxConcurrentNumPerPod: 2",
            extraPodSpec: $"volumes:\n  - name: state\n    hostPath:\n      path: {state}",
            extraContainer: "volumeMounts:\n  - name: state\n    mountPath: /state"));

        var running = cli.RunAsync(manifest);
        await PollAsync(
            () => File.Exists(Path.Combine(state, "doomed-1.started")) && File.Exists(Path.Combine(state, "doomed-2.started")),
            TimeSpan.FromSeconds(60),
            "the doomed keys never started",
            running);
        var doomed = Emulator.StoredPods().Single(p => KubernetesJson.Serialize(p).Contains("doomed-1", StringComparison.Ordinal));
        var clock = Stopwatch.StartNew();
        await Emulator.DeletePodAsync(doomed.Metadata.NamespaceProperty, doomed.Metadata.Name);
        var run = await running;
        clock.Stop();

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"the run went on for {clock.Elapsed} after its pod was deleted: the doomed keys waited for their sleep");
        var report = run.Report;
        Assert.Equal("failure", report.GetProperty("status").GetString());
        Assert.Equal(6, report.GetProperty("totalNum").GetInt32());
        Assert.Equal(4, report.GetProperty("successNum").GetInt32());
        // A deleted pod's exec ends with an exit code (failure) or without a status (unknown: the command had started).
        Assert.Equal(2, report.GetProperty("failureNum").GetInt32() + (report.TryGetProperty("unknownNum", out var unknown) ? unknown.GetInt32() : 0));
        var details = Details(report);
        Assert.Equal(["doomed-1", "doomed-2", "ok-1", "ok-2", "ok-3", "ok-4"], details.Keys);
        Assert.All(details.Where(d => d.Key.StartsWith("ok-", StringComparison.Ordinal)), d => Assert.Equal("success", d.Value));
        Assert.All(details.Where(d => d.Key.StartsWith("doomed-", StringComparison.Ordinal)), d => Assert.True(d.Value is "error" or "failure" or "unknown", $"{d.Key}: {d.Value}"));
        await AssertNothingLeftAsync(cli);
    }

    [Fact]
    public async Task A_key_whose_exec_connection_drops_after_it_started_is_unknown_and_never_run_again_even_with_retest()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var state = Path.Combine(cli.Root, "state");
        Directory.CreateDirectory(state);
        var manifest = cli.Write("dropped.yaml", Manifests.Strategy(
            ["dropped"],
            "echo run >> /state/runs; head -c 5000000 /dev/zero | tr '\\0' a | fold -w 99",
            scheduler: "maxContainersPerPod: 1",
            extraPodSpec: $"volumes:\n  - name: state\n    hostPath:\n      path: {state}",
            extraContainer: "volumeMounts:\n  - name: state\n    mountPath: /state",
            extraStrategy: "retest: true"));
        Faults.DropExecAfterBytes = 100_000;

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        var report = run.Report;
        Assert.Equal("failure", report.GetProperty("status").GetString());
        Assert.Equal(1, report.GetProperty("unknownNum").GetInt32());
        Assert.Equal("unknown", Details(report)["dropped"]);
        Assert.Equal(["run"], await File.ReadAllLinesAsync(Path.Combine(state, "runs")));
        Assert.Contains(run.StderrLines, l => l.StartsWith("[ERROR]", StringComparison.Ordinal) && l.Contains("not run again", StringComparison.Ordinal));
        Faults.DropExecAfterBytes = null;
        await AssertNothingLeftAsync(cli);
    }

    /// <summary>Restores every knob: the next test of this class starts with a well-behaved cluster.</summary>
    public void Dispose()
    {
        Faults.InternalErrorRate = 0;
        Faults.TooManyRequestsRate = 0;
        Faults.RetryAfterSeconds = 1;
        Faults.IncludeExecUpgrades = false;
        Faults.DropWatchAfterEvents = null;
        Faults.DropWatchAfter = null;
        Faults.HoldPendingReason = null;
        Faults.HoldPendingJobPattern = null;
        Faults.DropExecAfterBytes = null;
    }

    /// <summary>Each key's status by name, sorted by name.</summary>
    internal static SortedDictionary<string, string> Details(JsonElement report) => new(
        report.GetProperty("details").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!, d => d.GetProperty("status").GetString()!),
        StringComparer.Ordinal);

    /// <summary>Lists and watches of pods so far.</summary>
    private long PodReads() =>
        Emulator.RequestCounts.GetValueOrDefault("GET /api/v1/namespaces/{ns}/pods") + Emulator.RequestCounts.GetValueOrDefault("GET /api/v1/namespaces/{ns}/pods?watch");

    private async Task AssertNothingLeftAsync(CliRunner cli)
    {
        Assert.Empty(cli.Leftovers());

        // The run deletes the Job and its pod before it exits; the emulator's kubelet may take a moment to drop the pod.
        await PollAsync(() => runtimes.LeftInCluster(RuntimeKind.Kubernetes).Count == 0, TimeSpan.FromSeconds(10), "objects left in the emulator");
        Assert.Empty(runtimes.LeftInCluster(RuntimeKind.Kubernetes));
    }

    private async Task PollAsync(Func<bool> condition, TimeSpan limit, string what, Task<CliRun>? run = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (run is { IsCompleted: true })
            {
                Assert.Fail($"{what}: the run ended first\n{await run}");
            }

            if (clock.Elapsed > limit)
            {
                Assert.Fail($"{what} after {limit.TotalSeconds:0} s; left: {string.Join(", ", runtimes.LeftInCluster(RuntimeKind.Kubernetes))}");
            }

            await Task.Delay(100);
        }
    }
}

/// <summary>The same manifests give the same report on both runtimes, once times are left out.</summary>
public sealed class IdenticalReportTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    [Fact]
    public async Task The_static_strategy_example_reports_the_same_on_both_runtimes()
    {
        var reports = new List<string>();
        foreach (var runtime in new[] { RuntimeKind.Local, RuntimeKind.Kubernetes })
        {
            using var cli = runtimes.Cli(runtime);
            var run = await cli.RunAsync(CliRunner.Example("strategy-static.yaml"));
            Assert.True(run.ExitCode == 0, run.ToString());
            reports.Add(Comparable(run.Stdout));
        }

        Assert.Equal(reports[0], reports[1]);
        Assert.Empty(runtimes.LeftInCluster(RuntimeKind.Kubernetes));
    }

    [Fact]
    public async Task A_run_with_a_failing_key_and_ext_params_reports_the_same_on_both_runtimes()
    {
        var reports = new List<string>();
        foreach (var runtime in new[] { RuntimeKind.Local, RuntimeKind.Kubernetes })
        {
            using var cli = runtimes.Cli(runtime);
            var manifest = cli.Write("mixed.yaml", Manifests.Strategy(
                ["k1", "bad", "k2", "k3", "k4"],
                "echo running $TASK_KEY; test $TASK_KEY != bad",
                scheduler: "maxPodNum: 2\nmaxConcurrentNumPerPod: 2",
                extraSpec: "log:\n  extParam:\n    build: \"7\""));
            var run = await cli.RunAsync(manifest);
            Assert.True(run.ExitCode == 1, run.ToString());
            reports.Add(Comparable(run.Stdout));
        }

        Assert.Equal(reports[0], reports[1]);
        Assert.Contains("\"failureNum\": 1", reports[0], StringComparison.Ordinal);
        Assert.Empty(runtimes.LeftInCluster(RuntimeKind.Kubernetes));
    }

    /// <summary>The report without <c>startedAt</c> and the times (<c>elapsedTimeSec</c>, <c>elapsedSeconds</c>), its details sorted by name.</summary>
    private static string Comparable(string reportJson)
    {
        var report = JsonNode.Parse(reportJson)!.AsObject();
        report.Remove("startedAt");
        report.Remove("elapsedTimeSec");
        var details = report["details"]!.AsArray()
            .Select(d => d!.AsObject())
            .Select(d =>
            {
                var copy = d.DeepClone().AsObject();
                copy.Remove("elapsedTimeSec");
                copy.Remove("elapsedSeconds");
                return copy;
            })
            .OrderBy(d => (string?)d["name"], StringComparer.Ordinal)
            .ToList();
        report["details"] = new JsonArray([.. details]);
        return report.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
