using Kubetest.Agent.Client;
using Kubetest.Agent.Protocol;

namespace Kubetest.Agent.Tests;

public sealed class LifecycleTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Finish_replies_and_the_agent_exits_0()
    {
        await using var agent = await AgentProcess.StartReadyAsync();
        using var client = agent.Client();

        await client.FinishAsync();

        Assert.Equal(0, await agent.WaitForExitAsync(Patience));
    }

    [Fact]
    public async Task The_agent_ends_with_exit_1_and_says_so_when_its_timeout_passes_without_a_finish()
    {
        // Not waited for: on a busy machine the start alone may take longer than a short timeout.
        await using var agent = AgentProcess.Start(AgentKey.Create(TimeProvider.System), ["--timeout", "2s"]);

        Assert.Equal(1, await agent.WaitForExitAsync(Patience));
        Assert.Contains("kubetest-agent: --timeout 2s passed without a finish call; exiting", agent.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_public_key_the_agent_exits_3_with_one_line_naming_the_variable()
    {
        await using var agent = AgentProcess.Start(AgentKey.Create(TimeProvider.System), [], setKey: false);

        Assert.Equal(3, await agent.WaitForExitAsync(Patience));
        Assert.Equal($"kubetest-agent: {AgentAuth.PublicKeyVariable} is not set: it must hold the run's RSA public key (PEM)", agent.Stderr.Trim());
    }

    [Fact]
    public async Task With_a_public_key_that_is_not_a_pem_the_agent_exits_3_without_printing_it()
    {
        await using var agent = AgentProcess.Start(AgentKey.Create(TimeProvider.System), [], publicKeyPem: "not-a-key-0123456789");

        Assert.Equal(3, await agent.WaitForExitAsync(Patience));
        Assert.Equal($"kubetest-agent: {AgentAuth.PublicKeyVariable} is not an RSA public key in PEM (\"PUBLIC KEY\" or \"RSA PUBLIC KEY\")", agent.Stderr.Trim());
    }

    [Fact]
    public async Task On_a_port_in_use_the_agent_exits_3_with_one_line_and_no_stack_trace()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.IPv6Any, 0);
        taken.Server.DualMode = true;
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        await using var agent = AgentProcess.Start(AgentKey.Create(TimeProvider.System), [], port: port);

        Assert.Equal(3, await agent.WaitForExitAsync(Patience));
        Assert.Equal($"kubetest-agent: cannot listen on port {port}: Failed to bind to address http://[::]:{port}: address already in use.", agent.Stderr.Trim());
        Assert.Equal("", await agent.Stdout);
    }

    [Theory]
    [InlineData("--timeout", "10 minutes", "kubetest-agent: --timeout expects a duration such as 90s, 10m, 1h30m, 1.5h or 300ms (or whole seconds), got \"10 minutes\"")]
    [InlineData("--timeout", "-5s", "kubetest-agent: --timeout expects a duration such as 90s, 10m, 1h30m, 1.5h or 300ms (or whole seconds), got \"-5s\"")]
    [InlineData("--verbose", "yes", "kubetest-agent: unknown argument --verbose; usage: kubetest-agent --port N [--timeout DURATION]   (DURATION as in Go: 90s, 30m, 1h30m, 1.5h, or whole seconds)")]
    public async Task A_bad_argument_exits_3_with_one_line_naming_it(string name, string value, string expected)
    {
        await using var agent = AgentProcess.Start(AgentKey.Create(TimeProvider.System), [name, value]);

        Assert.Equal(3, await agent.WaitForExitAsync(Patience));
        Assert.Equal(expected, agent.Stderr.Trim());
    }

    [Fact]
    public async Task A_client_with_another_runs_key_fails_at_once_as_unauthenticated_instead_of_waiting()
    {
        await using var agent = await AgentProcess.StartReadyAsync();
        using var otherKey = AgentKey.Create(TimeProvider.System);
        using var client = new AgentClient(agent.Address, otherKey.Token);

        var error = await Assert.ThrowsAsync<AgentCallException>(() => client.WaitReadyAsync(Patience));

        Assert.Equal(Grpc.Core.StatusCode.Unauthenticated, error.Status);
        Assert.Contains("Unauthenticated: the token is", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Waiting_for_an_agent_that_is_not_there_times_out_with_its_address()
    {
        using var key = AgentKey.Create(TimeProvider.System);
        using var client = new AgentClient(new Uri("http://127.0.0.1:9"), key.Token);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.WaitReadyAsync(TimeSpan.FromSeconds(1)));

        Assert.Contains("kubetest-agent at http://127.0.0.1:9/ did not answer within 1 s", error.Message, StringComparison.Ordinal);
    }
}
