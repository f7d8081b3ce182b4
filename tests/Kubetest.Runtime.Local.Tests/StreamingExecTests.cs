using k8s.Models;
using Kubetest.Runtime.Local;

namespace Kubetest.Runtime.Local.Tests;

public class StreamingExecTests : RuntimeTestBase
{
    public StreamingExecTests()
        : base(SandboxMode.Bwrap)
    {
    }

    [Fact]
    public async Task Streaming_exec_passes_binary_stdin_through_to_stdout_byte_for_byte()
    {
        await using var pod = (IStreamingPod)await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [Container("main")] }), new RecordingSink(), default);
        var input = new byte[300_000];
        Random.Shared.NextBytes(input);
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var exitCode = await pod.ExecStreamAsync("main", ["cat"], Env(), new MemoryStream(input), stdout, stderr, timeout.Token);

        Assert.Equal(0, exitCode);
        Assert.Equal(input, stdout.ToArray());
        Assert.Empty(stderr.ToArray());
    }

    [Fact]
    public async Task Streaming_exec_without_stdin_separates_stdout_from_stderr_and_returns_the_exit_code()
    {
        await using var pod = (IStreamingPod)await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [Container("main")] }), new RecordingSink(), default);
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();

        var exitCode = await pod.ExecStreamAsync("main", ["sh", "-c", "cat; printf 'out:%s' \"$X\"; printf err >&2; exit 3"], Env(("X", "x1")), null, stdout, stderr, default);

        Assert.Equal(3, exitCode);
        Assert.Equal("out:x1", System.Text.Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal("err", System.Text.Encoding.UTF8.GetString(stderr.ToArray()));
    }

    [Fact]
    public async Task Streaming_exec_of_a_missing_command_exits_127_with_a_message_on_stderr()
    {
        await using var pod = (IStreamingPod)await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [Container("main")] }, held: ["main"]), new RecordingSink(), default);
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();

        var exitCode = await pod.ExecStreamAsync("main", ["kubetest-no-such-command"], Env(), null, stdout, stderr, default);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("kubetest-no-such-command", System.Text.Encoding.UTF8.GetString(stderr.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_container_command_is_expanded_from_its_declared_env()
    {
        var main = Container("main", "echo", "$(GREETING)");
        main.Env = [new V1EnvVar { Name = "GREETING", Value = "hello" }];
        await using var pod = (IStreamingPod)await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [main] }), new RecordingSink(), default);

        Assert.Equal(["echo", "hello"], pod.ContainerCommand("main"));
    }
}
