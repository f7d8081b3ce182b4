using Kubetest.Agent.Client;

namespace Kubetest.Agent.Tests;

/// <summary>The agent as its container's PID 1, in a PID namespace of its own (as root, like the sandbox tests).</summary>
public sealed class Pid1Tests
{
    [Fact]
    public async Task As_PID_1_the_agent_reaps_orphaned_processes_and_its_commands_still_wait_for_their_own_children()
    {
        await using var agent = await AgentProcess.StartReadyAsync(
            AgentKey.Create(TimeProvider.System),
            [],
            ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child", .. AgentProcess.DefaultCommandLine]);
        using var client = agent.Client();
        var output = new CollectingOutput();

        // The first inner sh leaves `sleep 0.2` behind and ends, so that sleep's parent becomes PID 1. The second
        // is the control: its `sleep 0.2` ends under a parent that never waits (`exec sleep 4`), so a zombie that
        // is not PID 1's must show while the processes are listed (state Z in /proc/PID/stat, the parent after it).
        var exitCode = await client.ExecAsync(
            ["sh", "-c", "sh -c 'sleep 0.2 &'; sh -c 'sleep 0.2 & exec sleep 4' & sleep 2; tr '\\0' ' ' < /proc/1/cmdline; echo; cat /proc/[0-9]*/stat 2>/dev/null; echo; sh -c 'exit 3'; echo child=$?"],
            null,
            null,
            output);

        Assert.Equal(0, exitCode);
        var lines = output.Stdout.Split('\n');
        Assert.Contains("kubetest-agent", lines[0], StringComparison.Ordinal);
        var zombieParents = lines.Select(line => line.Split(") ", 2)).Where(parts => parts.Length == 2 && parts[1].StartsWith("Z ", StringComparison.Ordinal))
            .Select(parts => parts[1].Split(' ')[1]).ToList();
        Assert.NotEmpty(zombieParents);
        Assert.DoesNotContain("1", zombieParents);
        Assert.Contains("child=3", lines);
    }
}
