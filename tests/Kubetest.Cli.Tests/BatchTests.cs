using System.Text.Json;
using System.Xml.Linq;

namespace Kubetest.Cli.Tests;

/// <summary>
/// <c>strategy.batch</c> through the real CLI on the local runtime and on Kubernetes (the emulator): several keys in
/// one command (counted through a hostPath file), one report entry per key, the failing key named.
/// </summary>
public sealed class BatchTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    private static readonly string[] Keys = ["k1", "k2", "k3", "k4", "k5", "k6"];

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Six_keys_with_max_keys_3_run_as_two_commands_and_the_report_has_each_key(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var (manifest, commands) = Write(cli, "echo \"$TASK_KEY\" >> /state/commands; for k in $TASK_KEY; do echo ran $k; done");

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["k1 k2 k3", "k4 k5 k6"], File.ReadAllLines(commands));
        Assert.Equal(Keys.ToDictionary(k => k, _ => "success"), Statuses(run.Report));
        Assert.Equal(6, run.Report.GetProperty("details").GetArrayLength());
        Assert.Contains("ran k5", run.StderrLines);
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_failed_batch_runs_its_keys_again_one_by_one_and_the_report_names_the_failing_key(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var (manifest, commands) = Write(cli, "echo \"$TASK_KEY\" >> /state/commands; for k in $TASK_KEY; do [ $k = k5 ] && exit 1; done; exit 0");
        var junit = Path.Combine(cli.Root, "junit.xml");

        var run = await cli.RunAsync("--junit", junit, manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(["k1 k2 k3", "k4 k5 k6", "k4", "k5", "k6"], File.ReadAllLines(commands));
        Assert.Equal(Keys.ToDictionary(k => k, k => k == "k5" ? "failure" : "success"), Statuses(run.Report));
        Assert.Equal(2, Detail(run.Report, "k5").GetProperty("attempts").GetInt32());
        Assert.Equal(1, Detail(run.Report, "k1").GetProperty("attempts").GetInt32());
        Assert.Contains("[ERROR] failed keys (1): k5", run.StderrLines);
        var testcases = XDocument.Load(junit).Descendants("testcase").ToList();
        Assert.Equal(Keys, testcases.Select(t => (string)t.Attribute("name")!).Order(StringComparer.Ordinal));
        Assert.Equal(["k5"], testcases.Where(t => t.Element("failure") is not null).Select(t => (string)t.Attribute("name")!));
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_batch_that_writes_JUnit_to_KUBETEST_JUNIT_names_the_failing_key_without_reruns(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var (manifest, commands) = Write(cli, string.Join("; ", [
            "echo \"$TASK_KEY\" >> /state/commands",
            "{ echo '<testsuite>'; for k in $TASK_KEY; do if [ $k = k5 ]; then echo \"<testcase classname='$k' name='t' time='1.25'><failure/></testcase>\"; else echo \"<testcase classname='$k' name='t' time='0.5'/>\"; fi; done; echo '</testsuite>'; } > \"$KUBETEST_JUNIT\"",
            "case \" $TASK_KEY \" in *\" k5 \"*) exit 1;; esac",
        ]));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(["k1 k2 k3", "k4 k5 k6"], File.ReadAllLines(commands));
        Assert.Equal(Keys.ToDictionary(k => k, k => k == "k5" ? "failure" : "success"), Statuses(run.Report));
        Assert.Equal((1, 1.25), (Detail(run.Report, "k5").GetProperty("attempts").GetInt32(), Detail(run.Report, "k5").GetProperty("elapsedSeconds").GetDouble()));
        Assert.Equal(0.5, Detail(run.Report, "k6").GetProperty("elapsedSeconds").GetDouble());
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task When_the_JUnit_names_the_failing_key_the_keys_it_leaves_out_run_again_together_not_one_by_one(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);

        // k4 and k6 get no testcase (as a runner writes none for a module it skipped whole); k5 fails.
        var (manifest, commands) = Write(cli, string.Join("; ", [
            "echo \"$TASK_KEY\" >> /state/commands",
            "{ echo '<testsuite>'; for k in $TASK_KEY; do case $k in k5) echo \"<testcase classname='$k' name='t' time='1'><failure/></testcase>\";; k1|k2|k3) echo \"<testcase classname='$k' name='t' time='1'/>\";; esac; done; echo '</testsuite>'; } > \"$KUBETEST_JUNIT\"",
            "case \" $TASK_KEY \" in *\" k5 \"*) exit 1;; esac",
        ]));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(["k1 k2 k3", "k4 k5 k6", "k4 k6"], File.ReadAllLines(commands));
        Assert.Equal(Keys.ToDictionary(k => k, k => k == "k5" ? "failure" : "success"), Statuses(run.Report));
        Assert.Equal((1, 2, 2), (Detail(run.Report, "k5").GetProperty("attempts").GetInt32(), Detail(run.Report, "k4").GetProperty("attempts").GetInt32(), Detail(run.Report, "k6").GetProperty("attempts").GetInt32()));
        Assert.Contains("[INFO] batch of 3 keys failed and its JUnit XML names the keys that failed: the 2 keys it does not name run again together", run.StderrLines);
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_link_planted_at_KUBETEST_JUNIT_is_not_followed_to_a_host_file(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var hostFile = Path.Combine(cli.Root, "all-passed.xml");
        File.WriteAllText(hostFile, "<testsuite>" + string.Concat(Keys.Select(k => $"<testcase classname='{k}' name='t' time='1'/>")) + "</testsuite>");
        var (manifest, _) = Write(cli, $"echo \"$TASK_KEY\" >> /state/commands; ln -s {hostFile} \"$KUBETEST_JUNIT\" 2>/dev/null; exit 1");

        var run = await cli.RunAsync(manifest);

        // Had the link been read on kubetest's side, the host file would have passed every key.
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(Keys.ToDictionary(k => k, _ => "failure"), Statuses(run.Report));
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    [Fact]
    public async Task The_dry_run_shows_the_batches_workers_would_take()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local, sharesHostFiles: true);
        var (manifest, _) = Write(cli, "true");

        var run = await cli.RunAsync("--dry-run", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(run.StderrLines, l => l.StartsWith("   batches: at most 3 keys, each at most a worker's share of the work left", StringComparison.Ordinal) && l.Contains("$TASK_KEY holds a batch's keys joined by \" \", $KUBETEST_KEYS_FILE names a file with them one per line, $KUBETEST_JUNIT", StringComparison.Ordinal));
        Assert.Contains("   2 batches if workers take them in turn: [k1 k2 k3], [k4 k5 k6]", run.StderrLines);
    }

    [Fact]
    public async Task With_timings_a_batched_queue_takes_the_long_key_first_and_the_others_in_listing_order()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local, sharesHostFiles: true);
        var (manifest, _) = Write(cli, "true");
        var timings = cli.Write("timings.json", """
            {"details": [{"elapsedTimeSec": 1, "name": "k1", "status": "success"}, {"elapsedTimeSec": 3, "name": "k2", "status": "success"},
                         {"elapsedTimeSec": 2, "name": "k3", "status": "success"}, {"elapsedTimeSec": 4, "name": "k4", "status": "success"},
                         {"elapsedTimeSec": 100, "name": "k5", "status": "success"}, {"elapsedTimeSec": 5, "name": "k6", "status": "success"}],
             "elapsedTimeSec": 115, "failureNum": 0, "startedAt": "2026-01-01T00:00:00Z", "status": "success", "successNum": 6, "totalNum": 6}
            """);

        var run = await cli.RunAsync("--dry-run", "--timings", timings, manifest);

        // Only k5 is over 5 % of the worker's 115 s; longest-first over every key would take [k5 k6 k4], [k2 k3 k1].
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("   2 batches if workers take them in turn: [k5 k1 k2], [k3 k4 k6]", run.StderrLines);
    }

    /// <summary>One pod, one worker, six keys in batches of at most 3; every command appends its key variable to <c>commands</c> (a hostPath file).</summary>
    private static (string Manifest, string Commands) Write(CliRunner cli, string script)
    {
        var state = Directory.CreateDirectory(Path.Combine(cli.Root, "state")).FullName;
        var manifest = cli.Write("batch.yaml", Manifests.Strategy(
            Keys,
            script,
            scheduler: "mode: queue\nmaxPodNum: 1\nmaxConcurrentNumPerPod: 1",
            extraStrategy: "batch:\n  maxKeys: 3",
            extraPodSpec: $"volumes:\n  - name: state\n    hostPath:\n      path: {state}",
            extraContainer: "volumeMounts:\n  - name: state\n    mountPath: /state"));
        return (manifest, Path.Combine(state, "commands"));
    }

    private static JsonElement Detail(JsonElement report, string key) =>
        report.GetProperty("details").EnumerateArray().Single(d => d.GetProperty("name").GetString() == key);

    private static Dictionary<string, string> Statuses(JsonElement report) =>
        report.GetProperty("details").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!, d => d.GetProperty("status").GetString()!);
}
