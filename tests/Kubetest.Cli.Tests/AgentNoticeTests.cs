namespace Kubetest.Cli.Tests;

/// <summary>A manifest written for kubetest-agent (the spec's example 8) runs, and says once how its agent containers are run.</summary>
public sealed class AgentNoticeTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    private const string Agent = "agent:\n  installedPath: /bin/kubetest-agent\n  allocationStartPort: 8000";

    [SkippableFact]
    public async Task On_the_kubernetes_runtime_the_agent_runs_the_keys_without_a_warning()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var manifest = cli.Write("agent.yaml", Manifests.Strategy(["a", "b"], "echo ran $TASK_KEY", extraContainer: Agent));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain(run.StderrLines, l => l.Contains("agent is set on", StringComparison.Ordinal));
        Assert.Contains("ran a", run.StderrLines);
        Assert.DoesNotContain(runtimes.Emulator.Execs, e => e.Container.StartsWith("test", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task On_the_kubernetes_runtime_an_agent_on_a_sidecar_is_one_warning_and_the_sidecar_runs_its_own_command()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var manifest = cli.Write("agent-sidecar.yaml", """
            apiVersion: kubetest.io/v1
            kind: TestJob
            metadata:
              name: e2e
            spec:
              mainStep:
                template:
                  metadata:
                    generateName: e2e-
                  main: test
                  spec:
                    containers:
                      - name: test
                        image: alpine
                        command: ["sh", "-c", "echo ran"]
                      - name: helper
                        image: alpine
                        command: ["sh", "-c", "echo helper ran its own command; sleep 600"]
                        agent:
                          installedPath: /bin/kubetest-agent
            """);

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var warning = Assert.Single(run.StderrLines, l => l.Contains("agent is set on", StringComparison.Ordinal));
        Assert.StartsWith("[WARN] ", warning, StringComparison.Ordinal);
        Assert.Contains("helper: init containers and sidecars run their own command", warning, StringComparison.Ordinal);
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
