namespace Kubetest.Cli.Tests;

/// <summary>A manifest written for kubetest-agent (the spec's example 8) runs, and says once how its agent containers are run.</summary>
public sealed class AgentNoticeTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    private const string Agent = "agent:\n  installedPath: /bin/kubetest-agent\n  allocationStartPort: 8000";

    [SkippableFact]
    public async Task On_the_kubernetes_runtime_one_warning_says_the_agent_is_not_used_yet_and_the_run_succeeds()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var manifest = cli.Write("agent.yaml", Manifests.Strategy(["a", "b"], "echo ran $TASK_KEY", extraContainer: Agent));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var warning = Assert.Single(run.StderrLines, l => l.Contains("agent is set on", StringComparison.Ordinal));
        Assert.StartsWith("[WARN] ", warning, StringComparison.Ordinal);
        Assert.Contains("test", warning, StringComparison.Ordinal);
        Assert.Contains("ran a", run.StderrLines);
    }

    [Theory]
    [InlineData("debug", 1)]
    [InlineData("info", 0)]
    public async Task On_the_local_runtime_it_is_said_at_debug_level_only(string level, int lines)
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("agent.yaml", Manifests.Strategy(["a"], "echo ran $TASK_KEY", extraContainer: Agent));

        var run = await cli.RunAsync("--log-level", level, manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(lines, run.StderrLines.Count(l => l.StartsWith("[DEBUG] ", StringComparison.Ordinal) && l.Contains("agent is set on test: the local runtime runs their commands directly", StringComparison.Ordinal)));
    }
}
