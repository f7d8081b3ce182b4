namespace Kubetest.Agent.Tests;

public sealed class ExecTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    private readonly AgentProcess _agent = fixture.Agent;
    private readonly string _directory = fixture.NewDirectory();

    [Fact]
    public async Task Exec_returns_stdout_stderr_and_the_exit_code_of_the_command()
    {
        using var client = _agent.Client();
        var output = new CollectingOutput();

        var exitCode = await client.ExecAsync(["sh", "-c", "echo out; echo err >&2; exit 7"], null, null, output);

        Assert.Equal(7, exitCode);
        Assert.Equal("out\n", output.Stdout);
        Assert.Equal("err\n", output.Stderr);
    }

    [Fact]
    public async Task Exec_runs_the_argv_without_a_shell_so_arguments_are_not_split_or_expanded()
    {
        using var client = _agent.Client();
        var output = new CollectingOutput();

        var exitCode = await client.ExecAsync(["printf", "%s|", "a b", "$HOME", "*"], null, null, output);

        Assert.Equal(0, exitCode);
        Assert.Equal("a b|$HOME|*|", output.Stdout);
    }

    [Fact]
    public async Task Exec_adds_the_environment_and_runs_in_the_working_directory()
    {
        using var client = _agent.Client();
        var output = new CollectingOutput();

        var exitCode = await client.ExecAsync(["sh", "-c", "echo \"$KEY_NAME\"; pwd"], new Dictionary<string, string> { ["KEY_NAME"] = "TestA" }, _directory, output);

        Assert.Equal(0, exitCode);
        Assert.Equal($"TestA\n{_directory}\n", output.Stdout);
    }

    [Fact]
    public async Task A_missing_program_exits_127_with_a_message_naming_it()
    {
        using var client = _agent.Client();
        var output = new CollectingOutput();

        var exitCode = await client.ExecAsync(["no-such-program-here"], null, null, output);

        Assert.Equal(127, exitCode);
        Assert.Contains("cannot run no-such-program-here", output.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_line_arrives_while_the_command_is_still_running()
    {
        using var client = _agent.Client();
        var output = new CollectingOutput();
        var go = Path.Combine(_directory, "go");

        var exec = client.ExecAsync(["sh", "-c", $"echo first; while [ ! -e '{go}' ]; do sleep 0.05; done; echo second"], null, null, output);
        await output.StdoutContains("first").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(exec.IsCompleted);
        Assert.Equal("first\n", output.Stdout);
        await File.WriteAllTextAsync(go, "");
        Assert.Equal(0, await exec);
        Assert.Equal("first\nsecond\n", output.Stdout);
    }

    [Fact]
    public async Task Cancelling_an_exec_kills_the_whole_process_tree_also_a_child_that_left_its_parent()
    {
        using var client = _agent.Client();
        var output = new CollectingOutput();
        var marker = $"KUBETEST_AGENT_TEST_{Guid.NewGuid():N}";
        using var cancellation = new CancellationTokenSource();

        // The subshell starts a sleep and exits at once, so that sleep is an orphan: only its process group ties it to the command.
        var exec = client.ExecAsync(["sh", "-c", "(sleep 1000 &); sleep 1000 & echo started; wait"], new Dictionary<string, string> { [marker] = "1" }, null, output, cancellation.Token);
        await output.StdoutContains("started").WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.WithEnvironment(marker).Count >= 3, TimeSpan.FromSeconds(10)), "the command and both sleeps are running");

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => exec);
        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.WithEnvironment(marker).Count == 0, TimeSpan.FromSeconds(10)), $"still running: {string.Join(", ", ProcessTable.WithEnvironment(marker))}");
    }

    [Fact]
    public async Task A_working_directory_that_does_not_exist_is_refused_with_its_name()
    {
        using var client = _agent.Client();

        var error = await Assert.ThrowsAsync<Client.AgentCallException>(() => client.ExecAsync(["true"], null, "/no/such/dir", new CollectingOutput()));

        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, error.Status);
        Assert.Contains("/no/such/dir", error.Message, StringComparison.Ordinal);
    }
}
