using System.Text.Json;

namespace Kubetest.Cli.Tests;

/// <summary>
/// <c>strategy.batch</c> in <c>static</c> mode (no <c>scheduler.mode</c>) through the real CLI on the local runtime and on
/// Kubernetes (the emulator): each pod's keys cut into batches when the run is planned, one container and one command per
/// batch (counted through a hostPath file), one report entry per key, the failing key named, artifacts per key.
/// </summary>
public sealed class StaticBatchTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    private static readonly string[] Keys = ["k1", "k2", "k3", "k4", "k5", "k6"];

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Six_keys_over_two_pods_with_max_keys_3_run_as_two_commands_and_a_failing_key_is_named(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var export = Path.Combine(cli.Root, "export");
        var (manifest, commands) = Write(cli, "echo \"$TASK_KEY\" >> /state/commands; mkdir -p /work/out && echo \"$TASK_KEY\" > /work/out/result.txt; for k in $TASK_KEY; do [ $k = k5 ] && exit 1; done; exit 0", export);

        var run = await cli.RunAsync(manifest);

        // Round-robin binds k1 k3 k5 to pod 0 and k2 k4 k6 to pod 1: two batch commands; k1 k3 k5 failed, so its keys ran alone.
        Assert.True(run.ExitCode == 1, run.ToString());
        var lines = File.ReadAllLines(commands);
        Assert.Equal(2, lines.Count(l => l.Contains(' ', StringComparison.Ordinal)));
        Assert.Equal(["k1", "k1 k3 k5", "k2 k4 k6", "k3", "k5"], lines.Order(StringComparer.Ordinal));
        Assert.Equal(Keys.ToDictionary(k => k, k => k == "k5" ? "failure" : "success"), Statuses(run.Report));
        Assert.Equal((6, 2), (run.Report.GetProperty("details").GetArrayLength(), Detail(run.Report, "k5").GetProperty("attempts").GetInt32()));
        Assert.Equal(1, Detail(run.Report, "k2").GetProperty("attempts").GetInt32());
        Assert.Contains("[ERROR] failed keys (1): k5", run.StderrLines);

        // A batch's artifacts go to its first key's directory below its container's; a key run alone has its own.
        Assert.Equal("k2 k4 k6", File.ReadAllText(Path.Combine(export, "test1-0", "1-k2", "out", "result.txt")).Trim());
        Assert.Equal("k5", File.ReadAllText(Path.Combine(export, "test0-0", "4-k5", "out", "result.txt")).Trim());
        Assert.Equal("k1", File.ReadAllText(Path.Combine(export, "test0-0", "0-k1", "out", "result.txt")).Trim());
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_static_batch_that_writes_JUnit_gives_each_key_its_status_without_reruns_and_retest_reruns_the_failed_key_alone(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var (manifest, commands) = Write(cli, string.Join("; ", [
            "echo \"$TASK_KEY\" >> /state/commands",
            "{ echo '<testsuite>'; for k in $TASK_KEY; do if [ $k = k5 ]; then echo \"<testcase classname='$k' name='t' time='1.25'><failure/></testcase>\"; else echo \"<testcase classname='$k' name='t' time='0.5'/>\"; fi; done; echo '</testsuite>'; } > \"${KUBETEST_JUNIT:-/dev/null}\"",
            "case \" $TASK_KEY \" in *\" k5 \"*) exit 1;; esac",
        ]), export: null, extraStrategy: "\nretest: true");

        var run = await cli.RunAsync(manifest);

        // The JUnit file named k5 without a single rerun; the retest ran k5 alone (and it failed again).
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal(["k1 k3 k5", "k2 k4 k6", "k5"], File.ReadAllLines(commands).Order(StringComparer.Ordinal));
        Assert.Equal(Keys.ToDictionary(k => k, k => k == "k5" ? "failure" : "success"), Statuses(run.Report));
        Assert.Equal(2, Detail(run.Report, "k5").GetProperty("attempts").GetInt32());
        Assert.Equal(0.5, Detail(run.Report, "k3").GetProperty("elapsedSeconds").GetDouble());
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    [Fact]
    public async Task The_dry_run_shows_each_pods_batches_and_their_containers()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local, sharesHostFiles: true);
        var (manifest, _) = Write(cli, "true", export: null);

        var run = await cli.RunAsync("--dry-run", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(run.StderrLines, l => l.StartsWith("1. mainStep: 6 keys over 2 pods, 2 at once in all; each pod's keys are cut into batches when the run is planned", StringComparison.Ordinal));
        Assert.Contains(run.StderrLines, l => l.StartsWith("   batches: at most 3 keys, each at most a slot's share of its pod's work left", StringComparison.Ordinal));
        Assert.Contains(run.StderrLines, l => l.StartsWith("   pod 0: 3 keys in 1 batch, at most 1 at once", StringComparison.Ordinal));
        Assert.Contains(run.StderrLines, l => l.StartsWith("     test0-0: [TASK_KEY:k1 k3 k5] ", StringComparison.Ordinal));
        Assert.Contains(run.StderrLines, l => l.StartsWith("     test1-0: [TASK_KEY:k2 k4 k6] ", StringComparison.Ordinal));
        Assert.Contains("value: k1 k3 k5", run.Stdout, StringComparison.Ordinal);
    }

    /// <summary>Two pods, one slot each, six keys in batches of at most 3; every command appends its key variable to <c>commands</c> (a hostPath file).</summary>
    private static (string Manifest, string Commands) Write(CliRunner cli, string script, string? export, string extraStrategy = "")
    {
        var state = Directory.CreateDirectory(Path.Combine(cli.Root, "state")).FullName;
        var artifacts = export is null ? "" : "\nartifacts:\n  - name: result\n    container:\n      name: test\n      path: /work/out";
        var manifest = cli.Write("batch.yaml", Manifests.Strategy(
            Keys,
            script,
            scheduler: "maxPodNum: 2\nmaxConcurrentNumPerPod: 1",
            extraStrategy: "batch:\n  maxKeys: 3" + extraStrategy,
            extraPodSpec: $"volumes:\n  - name: state\n    hostPath:\n      path: {state}{artifacts}",
            extraContainer: "workingDir: /work\nvolumeMounts:\n  - name: state\n    mountPath: /state",
            extraSpec: export is null ? "" : $"exportArtifacts:\n  - name: result\n    path: {export}"));
        return (manifest, Path.Combine(state, "commands"));
    }

    private static JsonElement Detail(JsonElement report, string key) =>
        report.GetProperty("details").EnumerateArray().Single(d => d.GetProperty("name").GetString() == key);

    private static Dictionary<string, string> Statuses(JsonElement report) =>
        report.GetProperty("details").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!, d => d.GetProperty("status").GetString()!);
}
