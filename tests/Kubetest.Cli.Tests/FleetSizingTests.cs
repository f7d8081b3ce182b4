namespace Kubetest.Cli.Tests;

/// <summary>
/// <c>--dry-run --timings</c>'s fleet sizing table and <c>--target-time</c> through the real CLI, on a case worked out by
/// hand: one key of 30 s and three of 10 s, one slot per pod, 2 pods planned (long + c = 40 s with 2 pods, 30 s with 3 or more).
/// </summary>
public sealed class FleetSizingTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    private const string Timings = """
        {"details": [{"elapsedTimeSec": 30, "name": "long", "status": "success"},
                     {"elapsedTimeSec": 10, "name": "a", "status": "success"},
                     {"elapsedTimeSec": 10, "name": "b", "status": "success"},
                     {"elapsedTimeSec": 10, "name": "c", "status": "success"}],
         "elapsedTimeSec": 30, "failureNum": 0, "startedAt": "2026-01-01T00:00:00Z", "status": "success", "successNum": 4, "totalNum": 4}
        """;

    [Fact]
    public async Task With_timings_the_dry_run_prints_the_makespan_for_1_2_and_4_pods_and_marks_the_planned_2()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var (manifest, timings) = Write(cli);

        var run = await cli.RunAsync("--dry-run", "--timings", timings, manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.StderrLines.Select(l => l.Trim()).ToList();
        var table = lines.SkipWhile(l => !l.StartsWith("fleet sizing:", StringComparison.Ordinal)).Take(4).ToList();
        Assert.Equal(
            ["fleet sizing: expected makespan by pod count, 1 slot per pod as planned, start-up costs left out:", "1 pod      60.0 s", "2 pods     40.0 s  <- planned", "4 pods     30.0 s"],
            table);
        Assert.DoesNotContain(lines, l => l.StartsWith("--target-time", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("35s", "--target-time 35s: 3 pods (expected makespan 30.0 s; planned: 2)")]
    [InlineData("1m", "--target-time 1m: 1 pod (expected makespan 60.0 s; planned: 2)")]
    [InlineData("29s", "--target-time 29s: not reached: even 4 pods take 30.0 s (the longest key alone takes 30.0 s)")]
    public async Task Target_time_gives_the_smallest_pod_count_that_reaches_it_or_says_none_does(string target, string expected)
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var (manifest, timings) = Write(cli);

        var run = await cli.RunAsync("--dry-run", "--timings", timings, "--target-time", target, manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(expected, run.StderrLines.Select(l => l.Trim()));
    }

    [Fact]
    public async Task Target_time_without_dry_run_is_a_usage_error_and_runs_nothing()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var (manifest, timings) = Write(cli);

        var run = await cli.RunAsync("--timings", timings, "--target-time", "10m", manifest);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--target-time only sizes the fleet in the dry run's plan: pass --dry-run (a run does not use it)", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task Target_time_without_timings_and_without_a_timing_store_is_a_usage_error_that_asks_for_them()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var (manifest, _) = Write(cli);

        var run = await cli.RunAsync("--dry-run", "--timings-store", "none", "--target-time", "10m", manifest);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--target-time needs past durations to size the fleet: pass --timings FILE", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Target_time_with_an_empty_timing_store_says_the_fleet_cannot_be_sized_yet()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var (manifest, _) = Write(cli);

        var run = await cli.RunAsync("--dry-run", "--target-time", "10m", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("--target-time 10m: no past durations are known (none from --timings or the timing store), so the fleet cannot be sized yet", run.StderrLines.Select(l => l.Trim()));
        Assert.DoesNotContain("fleet sizing:", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("10 minutes")]
    [InlineData("0s")]
    public async Task A_bad_target_time_is_refused_naming_the_option(string value)
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var (manifest, timings) = Write(cli);

        var run = await cli.RunAsync("--dry-run", "--timings", timings, "--target-time", value, manifest);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--target-time", run.Stderr, StringComparison.Ordinal);
    }

    private static (string Manifest, string Timings) Write(CliRunner cli) =>
        (cli.Write("timed.yaml", Manifests.Strategy(["long", "a", "b", "c"], "true", scheduler: "maxPodNum: 2\nmaxConcurrentNumPerPod: 1")), cli.Write("timings.json", Timings));
}
