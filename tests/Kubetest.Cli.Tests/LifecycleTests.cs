using System.Diagnostics;
using System.Text.Json;
using Kubetest.Emulator;
using Kubetest.Runtime;

namespace Kubetest.Cli.Tests;

/// <summary>
/// Nothing a run creates outlives it for long, and a failing cleanup never costs the report: the
/// API server stopped mid-run, deletes that fail, a run killed with SIGKILL (its pods end by their
/// deadline, <c>kubetest gc</c> removes them), stale local workspaces. The fault knobs are restored
/// by every test.
/// </summary>
public sealed class LifecycleTests(Runtimes runtimes) : IClassFixture<Runtimes>, IAsyncLifetime
{
    private const string SlowKeys = "case $TASK_KEY in quick) echo quick-done; touch /state/quick.done;; *) touch /state/$TASK_KEY.started; sleep 600;; esac";

    private FaultOptions Faults => runtimes.Emulator.Options.Faults;

    [Fact]
    public async Task With_the_API_server_stopped_mid_run_the_report_is_printed_and_written_a_warning_names_what_may_remain_and_the_exit_code_is_1()
    {
        var directory = Directory.CreateTempSubdirectory("kubetest-e2e-stopped-").FullName;
        try
        {
            var emulator = await KubeEmulator.StartAsync(new EmulatorOptions { StateDirectory = Path.Combine(directory, "kubelet") });
            await using var _ = emulator;
            var kubeconfig = Path.Combine(directory, "kubeconfig");
            emulator.WriteKubeconfig(kubeconfig);
            using var cli = new CliRunner(["--runtime", "kubernetes", "-c", kubeconfig]);
            var (manifest, state) = WriteSlowRun(cli);
            var report = Path.Combine(cli.Root, "out", "report.json");

            var run = await cli.RunAndActAsync(
                () => Started(state, "quick.done", "slow-1.started", "slow-2.started"),
                async _ => await emulator.DisposeAsync(),
                "-o", report, manifest);

            Assert.True(run.ExitCode == 1, run.ToString());
            AssertNoStackTrace(run);
            Assert.Equal(["quick", "slow-1", "slow-2"], FaultTests.Details(run.Report).Keys);
            Assert.Equal(3, run.Report.GetProperty("totalNum").GetInt32());
            Assert.Equal("failure", run.Report.GetProperty("status").GetString());
            Assert.All(FaultTests.Details(run.Report).Where(d => d.Key != "quick"), d => Assert.NotEqual("success", d.Value));
            Assert.Equal(run.Stdout.Trim(), File.ReadAllText(report).Trim());
            Assert.True(run.StderrLines.Count(l => l.StartsWith("[WARN] cleanup: could not delete", StringComparison.Ordinal)) == 1, run.ToString());
            var warning = run.StderrLines.Single(l => l.StartsWith("[WARN] cleanup: could not delete", StringComparison.Ordinal));
            Assert.Contains("job/e2e-", warning, StringComparison.Ordinal);
            Assert.Contains("in namespace default", warning, StringComparison.Ordinal);
            Assert.Contains("kubetest gc -n default", warning, StringComparison.Ordinal);
            Assert.Empty(cli.Leftovers());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task When_every_delete_fails_the_report_is_still_printed_a_warning_names_the_job_and_pod_and_kubetest_gc_removes_them_later()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var manifest = cli.Write("undeletable.yaml", Manifests.Strategy(["a", "b"], "echo ran $TASK_KEY", scheduler: "maxContainersPerPod: 2"));
        lock (Faults.FailDeletesOf)
        {
            Faults.FailDeletesOf.UnionWith(["jobs", "pods"]);
        }

        // What an earlier test of the shared emulator may still hold is not this run's.
        var before = runtimes.LeftInCluster(RuntimeKind.Kubernetes);
        var clock = Stopwatch.StartNew();
        var run = await cli.RunAsync(manifest);
        clock.Stop();

        Assert.True(run.ExitCode == 1, run.ToString());
        AssertNoStackTrace(run);
        Assert.Equal("success", run.Report.GetProperty("status").GetString());
        Assert.Equal(2, run.Report.GetProperty("successNum").GetInt32());
        var left = runtimes.LeftInCluster(RuntimeKind.Kubernetes).Except(before).ToList();
        var job = Assert.Single(left, o => o.StartsWith("job/", StringComparison.Ordinal));
        var pod = Assert.Single(left, o => o.StartsWith("pod/", StringComparison.Ordinal));
        var warning = Assert.Single(run.StderrLines, l => l.StartsWith("[WARN] cleanup: could not delete", StringComparison.Ordinal));
        Assert.Contains($"{job}, {pod}", warning, StringComparison.Ordinal);
        Assert.Contains("500", warning, StringComparison.Ordinal);
        Assert.Contains("kubetest gc -n default", warning, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"cleanup retried for {clock.Elapsed}: it should give up after a few seconds");

        lock (Faults.FailDeletesOf)
        {
            Faults.FailDeletesOf.Clear();
        }

        var gc = await cli.RunWithoutRuntimeAsync("gc", "-c", runtimes.Kubeconfig);

        Assert.True(gc.ExitCode == 0, gc.ToString());
        Assert.Contains($"deleted {job} in namespace default", gc.Stdout, StringComparison.Ordinal);
        await WaitAsync(() => runtimes.LeftInCluster(RuntimeKind.Kubernetes).Count == 0, "objects left in the emulator after gc");
    }

    [Fact]
    public async Task After_a_SIGKILL_gc_dry_run_lists_the_runs_job_and_pod_and_deletes_nothing_then_gc_deletes_them()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var (manifest, state) = WriteSlowRun(cli);

        var killed = await cli.RunAndActAsync(
            () => Started(state, "slow-1.started", "slow-2.started"),
            KillAsync,
            manifest);

        Assert.Equal(137, killed.ExitCode);
        var left = runtimes.LeftInCluster(RuntimeKind.Kubernetes);
        Assert.Contains(left, o => o.StartsWith("job/e2e-", StringComparison.Ordinal));
        Assert.Contains(left, o => o.StartsWith("pod/e2e-", StringComparison.Ordinal));

        var dryRun = await cli.RunWithoutRuntimeAsync("gc", "--dry-run", "-c", runtimes.Kubeconfig, "-n", "default");

        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        foreach (var name in left)
        {
            Assert.Contains($"would delete {name} in namespace default", dryRun.Stdout, StringComparison.Ordinal);
        }

        Assert.Contains("is gone", dryRun.Stdout, StringComparison.Ordinal);
        Assert.Equal(left.Order(StringComparer.Ordinal), runtimes.LeftInCluster(RuntimeKind.Kubernetes).Order(StringComparer.Ordinal));

        var gc = await cli.RunWithoutRuntimeAsync("gc", "-c", runtimes.Kubeconfig, "-n", "default");

        Assert.True(gc.ExitCode == 0, gc.ToString());
        Assert.Contains("deleted job/e2e-", gc.Stdout, StringComparison.Ordinal);
        await WaitAsync(() => runtimes.LeftInCluster(RuntimeKind.Kubernetes).Count == 0, "objects left in the emulator after gc");
    }

    [Fact]
    public async Task After_a_SIGKILL_the_runs_pods_end_by_their_deadline_on_their_own()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var (manifest, state) = WriteSlowRun(cli);

        var killed = await cli.RunAndActAsync(
            () => Started(state, "slow-1.started", "slow-2.started"),
            KillAsync,
            "--max-run-time", "6s", manifest);

        Assert.Equal(137, killed.ExitCode);
        var job = Assert.Single(runtimes.Emulator.StoredJobs(), j => j.Metadata.Name.StartsWith("e2e-", StringComparison.Ordinal));
        Assert.Equal(6, job.Spec.ActiveDeadlineSeconds);

        // Whichever comes first ends them: the Job's deadline (its pods deleted) or the held
        // containers' own wait, which lasts as long (the pod then completes). Under load either wins.
        await WaitAsync(
            () => runtimes.Emulator.StoredPods().All(p => p.Status?.Phase is "Succeeded" or "Failed"),
            "the pods of a killed run after its 6 s deadline");
        var ended = Assert.Single(runtimes.Emulator.StoredJobs(), j => j.Metadata.Name == job.Metadata.Name);
        var condition = Assert.Single(ended.Status.Conditions);
        Assert.True(condition.Reason == "DeadlineExceeded" || condition.Type == "Complete", $"{condition.Type} {condition.Reason}");

        var gc = await cli.RunWithoutRuntimeAsync("gc", "-c", runtimes.Kubeconfig);

        Assert.True(gc.ExitCode == 0, gc.ToString());
        await WaitAsync(() => runtimes.LeftInCluster(RuntimeKind.Kubernetes).Count == 0, "the job of a killed run after gc");
    }

    [Fact]
    public async Task The_next_run_removes_the_workspace_of_a_dead_run_and_keeps_a_live_ones()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var (dead, live) = PlantWorkspaces(cli);

        var run = await cli.RunAsync(cli.Write("ok.yaml", Manifests.Single("echo fine")));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.False(Directory.Exists(dead), "the workspace of a dead run is still there");
        Assert.True(File.Exists(Path.Combine(live, "keep-me")), "the workspace of a live run was touched");
        Assert.Equal([live], cli.Leftovers());
    }

    [Fact]
    public async Task Gc_on_the_local_runtime_lists_then_removes_only_the_workspaces_of_dead_runs()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var (dead, live) = PlantWorkspaces(cli);

        var dryRun = await cli.RunWithoutRuntimeAsync("gc", "--runtime", "local", "--dry-run");

        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains($"would delete directory {dead}", dryRun.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(live, dryRun.Stdout, StringComparison.Ordinal);
        Assert.True(Directory.Exists(dead));

        var gc = await cli.RunWithoutRuntimeAsync("gc", "--runtime", "local");

        Assert.True(gc.ExitCode == 0, gc.ToString());
        Assert.Contains($"deleted directory {dead}", gc.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dead));
        Assert.True(File.Exists(Path.Combine(live, "keep-me")));
    }

    [Fact]
    public async Task A_manifest_file_called_gc_runs_when_given_as_a_path()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        cli.Write("gc", Manifests.Single("echo from-the-gc-file"));

        var run = await cli.RunAsync("./gc");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("from-the-gc-file", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("success", run.Report.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Dry_run_shows_the_run_label_the_owner_the_deadline_from_max_run_time_and_a_default_ttl()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("dry.yaml", Manifests.Single("echo never"));

        var run = await cli.RunAsync("--dry-run", "--max-run-time", "1h30m", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("activeDeadlineSeconds: 5400", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"ttlSecondsAfterFinished: {JobLifecycle.DefaultTtl}", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("kubetest.io/run: ", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("kubetest.io/testjob: \"true\"", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("kubetest.io/owner-pid: ", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("sleep 5400 & wait $!", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--max-run-time", "0")]
    [InlineData("--max-run-time", "six hours")]
    [InlineData("--max-run-time", "5d")]
    [InlineData("--agent-ready-timeout", "0")]
    [InlineData("--agent-ready-timeout", "soon")]
    public async Task A_bad_duration_is_a_usage_error_naming_the_option(string option, string value)
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("ok.yaml", Manifests.Single("echo never"));

        var run = await cli.RunAsync(option, value, manifest);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains(option, run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("never", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Restores the knobs, and removes whatever a failed test left in this class's emulator.</summary>
    public async Task DisposeAsync()
    {
        lock (Faults.FailDeletesOf)
        {
            Faults.FailDeletesOf.Clear();
        }

        Faults.DeleteFailureRate = 0;
        foreach (var pod in runtimes.Emulator.StoredPods())
        {
            await runtimes.Emulator.DeletePodAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name);
        }
    }

    private static (string Manifest, string State) WriteSlowRun(CliRunner cli)
    {
        var state = Path.Combine(cli.Root, "state");
        Directory.CreateDirectory(state);
        var manifest = cli.Write("slow.yaml", Manifests.Strategy(
            ["quick", "slow-1", "slow-2"],
            SlowKeys,
            scheduler: "maxContainersPerPod: 3",
            extraPodSpec: $"volumes:\n  - name: state\n    hostPath:\n      path: {state}",
            extraContainer: "volumeMounts:\n  - name: state\n    mountPath: /state"));
        return (manifest, state);
    }

    private static bool Started(string state, params string[] files) => files.All(f => File.Exists(Path.Combine(state, f)));

    private static async Task KillAsync(Process process)
    {
        process.Kill();
        await process.WaitForExitAsync();
    }

    /// <summary>Two workspaces in the CLI's temp directory: one of a process that has ended, one of this test process.</summary>
    private static (string Dead, string Live) PlantWorkspaces(CliRunner cli)
    {
        using var ended = Process.Start("true")!;
        ended.WaitForExit();
        var dead = Plant(cli, "kubetest-deadrun000000", new RunOwner("deadrun", Environment.MachineName, ended.Id, 1, DateTimeOffset.UtcNow));
        var self = Environment.ProcessId;
        var live = Plant(cli, "kubetest-liverun000000", new RunOwner("liverun", Environment.MachineName, self, RunOwner.StartTicksOf(self)!.Value, DateTimeOffset.UtcNow));
        File.WriteAllText(Path.Combine(dead, "artifact"), "left by a killed run");
        File.WriteAllText(Path.Combine(live, "keep-me"), "a running run's file");
        return (dead, live);
    }

    private static string Plant(CliRunner cli, string name, RunOwner owner)
    {
        var path = Path.Combine(cli.TempDirectory, name);
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, Engine.RunWorkspace.OwnerFile), JsonSerializer.Serialize(owner));
        return path;
    }

    private static void AssertNoStackTrace(CliRun run)
    {
        Assert.DoesNotContain(run.StderrLines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) && l.Contains('(', StringComparison.Ordinal));
        Assert.DoesNotContain("Unhandled exception", run.Stderr, StringComparison.Ordinal);
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"{what} after 30 s");
            await Task.Delay(100);
        }
    }
}
