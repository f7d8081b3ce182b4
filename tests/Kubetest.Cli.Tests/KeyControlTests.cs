using System.Diagnostics;
using System.Text.Json;
using Kubetest.Emulator;

namespace Kubetest.Cli.Tests;

/// <summary>
/// Per-key timeout, fail-fast, flaky keys and <c>--rerun-failed</c> through the real CLI, on the
/// local runtime and on Kubernetes (the emulator, whose kubelet's processes are this machine's).
/// </summary>
public sealed class KeyControlTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_hanging_key_is_ended_by_its_timeout_with_every_process_it_started_while_the_next_key_takes_its_slot(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);

        // A number no other process on the machine sleeps for: the marker of this key's processes.
        var seconds = 600_000 + Random.Shared.Next(100_000);
        var manifest = cli.Write("timeout.yaml", Manifests.Strategy(
            ["hang", "after"],
            $"if [ $TASK_KEY = hang ]; then sleep {seconds} & sleep {seconds}; fi; echo finished $TASK_KEY",
            scheduler: "maxContainersPerPod: 10\nmaxConcurrentNumPerPod: 1"));
        var clock = Stopwatch.StartNew();

        var run = await cli.RunAsync("--key-timeout", "2s", manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the run took {clock.Elapsed}");
        Assert.Equal(new Dictionary<string, string> { ["hang"] = "failure", ["after"] = "success" }, Statuses(run.Report));
        Assert.Contains("[WARN] hang: timed out after 2s, exit code 124", run.StderrLines);
        Assert.Contains("finished after", run.StderrLines);
        Assert.DoesNotContain("finished hang", run.StderrLines);

        // The in-container watchdog ended it, not kubetest closing the exec (which on a real cluster leaves it running).
        Assert.DoesNotContain(run.StderrLines, l => l.Contains("watchdog", StringComparison.Ordinal));
        Assert.DoesNotContain(ProcessTable.CommandLines(), l => l.Contains($"sleep {seconds}", StringComparison.Ordinal));
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task With_fail_fast_the_keys_after_the_first_failure_never_start_and_are_reported_unknown(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var manifest = cli.Write("failfast.yaml", Manifests.Strategy(
            ["k1", "bad", "k3", "k4"],
            "echo ran $TASK_KEY; test $TASK_KEY != bad",
            scheduler: "maxContainersPerPod: 10\nmaxConcurrentNumPerPod: 1",
            extraStrategy: "failFast: true"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(new Dictionary<string, string> { ["k1"] = "success", ["bad"] = "failure", ["k3"] = "unknown", ["k4"] = "unknown" }, Statuses(run.Report));
        Assert.Equal((4, 1, 1, 2), (run.Report.GetProperty("totalNum").GetInt32(), run.Report.GetProperty("successNum").GetInt32(), run.Report.GetProperty("failureNum").GetInt32(), run.Report.GetProperty("unknownNum").GetInt32()));
        Assert.All(Details(run.Report).Where(d => d.GetProperty("status").GetString() == "unknown"), d => Assert.Equal(0, d.GetProperty("attempts").GetInt32()));
        Assert.DoesNotContain("ran k3", run.StderrLines);
        Assert.Contains("[WARN] fail-fast: key bad failed; no new key starts, running keys finish", run.StderrLines);
        Assert.Contains("[WARN] summary: 4 keys: 1 succeeded, 1 failed, 2 unknown (2 skipped: never started)", run.StderrLines);
        Assert.Contains("[ERROR] failed keys (1): bad", run.StderrLines);
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_key_that_fails_then_passes_on_a_rerun_is_reported_flaky(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var state = Directory.CreateDirectory(Path.Combine(cli.Root, "state")).FullName;
        var manifest = cli.Write("flaky.yaml", Manifests.Strategy(
            ["wobbly", "steady"],
            "if [ $TASK_KEY = wobbly ] && [ ! -e /state/wobbly ]; then touch /state/wobbly; exit 1; fi; echo ok $TASK_KEY",
            extraStrategy: "retest: 3",
            extraPodSpec: $"volumes:\n  - name: state\n    hostPath:\n      path: {state}",
            extraContainer: "volumeMounts:\n  - name: state\n    mountPath: /state"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(1, run.Report.GetProperty("flakyNum").GetInt32());
        Assert.Equal(2, run.Report.GetProperty("successNum").GetInt32());
        var wobbly = Details(run.Report).Single(d => d.GetProperty("name").GetString() == "wobbly");
        Assert.True(wobbly.GetProperty("flaky").GetBoolean());
        Assert.Equal(2, wobbly.GetProperty("attempts").GetInt32());
        Assert.True(wobbly.GetProperty("elapsedSeconds").GetDouble() > 0);
        Assert.False(Details(run.Report).Single(d => d.GetProperty("name").GetString() == "steady").TryGetProperty("flaky", out _));
        Assert.Contains("[WARN] flaky keys (failed, then passed on a rerun) (1): wobbly", run.StderrLines);
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Rerun_failed_runs_only_the_keys_that_did_not_pass_in_the_report(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var manifest = cli.Write("rerun.yaml", Manifests.Strategy(["a", "b", "c", "d"], "echo ran $TASK_KEY"));
        var earlier = cli.Write("earlier.json", """
            {"details": [
              {"name": "a", "status": "success", "elapsedTimeSec": 1},
              {"name": "b", "status": "failure", "elapsedTimeSec": 1},
              {"name": "c", "status": "unknown", "elapsedTimeSec": 0, "attempts": 0},
              {"name": "d", "status": "success", "elapsedTimeSec": 1}
            ], "status": "failure"}
            """);

        var run = await cli.RunAsync("--rerun-failed", earlier, manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(new Dictionary<string, string> { ["b"] = "success", ["c"] = "success" }, Statuses(run.Report));
        Assert.Contains("ran b", run.StderrLines);
        Assert.DoesNotContain("ran a", run.StderrLines);
    }

    [Fact]
    public async Task Rerun_failed_of_a_report_where_everything_passed_is_bad_input_unless_empty_runs_are_allowed()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("rerun.yaml", Manifests.Strategy(["a"], "echo ran $TASK_KEY"));
        var passed = cli.Write("passed.json", """{"details": [{"name": "a", "status": "success", "elapsedTimeSec": 1}], "status": "success"}""");

        var refused = await cli.RunAsync("--rerun-failed", passed, manifest);
        var allowed = await cli.RunAsync("--rerun-failed", passed, "--allow-empty", manifest);

        Assert.True(refused.ExitCode == 3, refused.ToString());
        Assert.Equal($"[ERROR] --rerun-failed: every key of {passed} passed, so there is nothing to rerun (pass --allow-empty to accept a run without keys)", refused.Stderr.Trim());
        Assert.Empty(refused.Stdout);
        Assert.True(allowed.ExitCode == 0, allowed.ToString());
        Assert.Equal(0, allowed.Report.GetProperty("totalNum").GetInt32());
        Assert.DoesNotContain("ran a", allowed.StderrLines);
    }

    [Theory]
    [InlineData("--key-timeout", "soon", "--key-timeout expects a duration such as 90s, 10m, 1h30m, 1.5h or 300ms (or whole seconds), got \"soon\"")]
    [InlineData("--key-timeout", "200h", "--key-timeout must be at most 168h, got \"200h\"")]
    [InlineData("--rerun-failed", "/nonexistent/report.json", "cannot read the --rerun-failed report /nonexistent/report.json")]
    [InlineData("--timings", "/nonexistent/junit.xml", "cannot read the --timings file /nonexistent/junit.xml")]
    public async Task A_bad_key_option_is_one_error_line_and_exit_3(string option, string value, string message)
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("keys.yaml", Manifests.Strategy(["a"], "echo ran $TASK_KEY"));

        var run = await cli.RunAsync(option, value, manifest);

        Assert.True(run.ExitCode is 3 or 2, run.ToString());
        Assert.Contains(message, run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("ran a", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dry_run_shows_the_timeout_fail_fast_the_rerun_count_and_durations_from_several_sources()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("plan.yaml", Manifests.Strategy(["slow", "fast", "mid", "new"], "echo $TASK_KEY", scheduler: "maxContainersPerPod: 10\nmaxConcurrentNumPerPod: 1", extraStrategy: "failFast: true\nretest: 2"));
        var report = cli.Write("report.json", """{"details": [{"name": "slow", "status": "success", "elapsedTimeSec": 9, "elapsedSeconds": 9.5}]}""");
        var junit = cli.Write("junit.xml", """<testsuite><testcase classname="slow" name="t1" time="10.5"/><testcase classname="fast" name="t2" time="0.4"/><testcase classname="mid" name="t3" time="1"/></testsuite>""");

        var run = await cli.RunAsync("--dry-run", "--key-timeout", "90s", "--timings", report, "--timings", junit, manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("   timeout: a key running longer than 1m30s is killed with every process it started and fails with exit code 124", run.StderrLines);
        Assert.Contains(run.StderrLines, l => l.StartsWith("   fail-fast: after the first key that failed", StringComparison.Ordinal));
        Assert.Contains(run.StderrLines, l => l.Contains("retest: each key that failed runs again until it passes, at most 2 more times", StringComparison.Ordinal));

        // slow: the mean of 9.5 and 10.5; new: the median of 10, 0.4 and 1 (their mean would be 3.8). One key at a time: 10 + 0.4 + 1 + 1.
        Assert.Contains(run.StderrLines, l => l.Contains("expected busy time 12.4 s", StringComparison.Ordinal));
    }

    private static IEnumerable<JsonElement> Details(JsonElement report) => report.GetProperty("details").EnumerateArray();

    private static Dictionary<string, string> Statuses(JsonElement report) =>
        Details(report).ToDictionary(d => d.GetProperty("name").GetString()!, d => d.GetProperty("status").GetString()!);
}
