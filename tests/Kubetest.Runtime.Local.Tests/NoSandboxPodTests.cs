using k8s.Models;
using Kubetest.Runtime.Local;

namespace Kubetest.Runtime.Local.Tests;

public class NoSandboxPodTests : RuntimeTestBase
{
    public NoSandboxPodTests()
        : base(SandboxMode.None)
    {
    }

    [Fact]
    public async Task Without_a_sandbox_the_command_runs_in_the_translated_working_directory()
    {
        var main = Container("main");
        main.WorkingDir = "/work";
        main.Env = [new V1EnvVar { Name = "TASK_KEY", Value = "k1" }];
        await using var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [main] }), new RecordingSink(), default);

        var (exitCode, output) = await Exec(pod, "main", "echo $TASK_KEY > result.txt; pwd");
        var copy = Path.Combine(Root, "result.txt");
        await pod.CopyFromAsync("main", "/work/result.txt", copy, default);

        Assert.Equal(0, exitCode);
        Assert.StartsWith(Path.Combine(Root, "pods", pod.Name), Assert.Single(output.Stdout), StringComparison.Ordinal);
        Assert.Equal("k1\n", await File.ReadAllTextAsync(copy));
        Assert.Equal([LocalSandbox.NoSandboxWarning], Warnings);
    }

    [Fact]
    public async Task Without_a_sandbox_a_working_directory_in_a_volume_is_the_volume_directory_with_placed_files()
    {
        var main = Container("main");
        main.WorkingDir = "/work";
        main.VolumeMounts = [VolumeMount("/work", "work")];
        var request = Request(
            new V1PodSpec { Containers = [main], Volumes = [EmptyDir("work")] },
            files: [new ContainerFile("main", "/work/awesome-stuff", WriteLocalFile("a.txt", "placed\n"), ReadOnly: false)]);
        await using var pod = await Runtime.StartPodAsync(request, new RecordingSink(), default);

        var (exitCode, output) = await Exec(pod, "main", "cat awesome-stuff");

        Assert.Equal(0, exitCode);
        Assert.Equal(["placed"], output.Stdout);
    }

    [Fact]
    public async Task Without_a_sandbox_a_missing_command_exits_127_with_a_message()
    {
        await using var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [Container("main")] }), new RecordingSink(), default);
        var sink = new RecordingSink();

        var exitCode = await pod.ExecAsync("main", ["kubetest-no-such-command"], sink, default);

        Assert.Equal(127, exitCode);
        Assert.Contains(sink.Stderr, line => line.Contains("kubetest-no-such-command", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_sandbox_an_artifact_that_is_a_whole_volume_is_copied_out_under_its_container_name()
    {
        var main = Container("main");
        main.VolumeMounts = [VolumeMount("/results", "data")];
        await using var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [main], Volumes = [EmptyDir("data")] }), new RecordingSink(), default);
        var copy = Path.Combine(Root, "results");

        await pod.CopyFromAsync("main", "/results", copy, default);

        // The volume's host directory is called after the volume ("data"), the copy after the container path.
        Assert.True(Directory.Exists(copy));
    }
}

public class LocalRuntimeDisposalTests : RuntimeTestBase
{
    public LocalRuntimeDisposalTests()
        : base(SandboxMode.None)
    {
    }

    [Fact]
    public async Task Disposing_the_runtime_kills_a_pod_that_was_never_disposed_and_removes_its_directory()
    {
        var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [Container("main")] }), new RecordingSink(), default);
        var directory = Path.Combine(Root, "pods", pod.Name);
        var marker = Path.Combine(Root, "still-running");
        var exec = pod.ExecAsync("main", ["sh", "-c", $"sleep 600; touch {marker}"], new RecordingSink(), default);

        await Runtime.DisposeAsync();

        Assert.NotEqual(0, await exec);
        Assert.False(Directory.Exists(directory), $"{directory} is still there");
        Assert.Empty(Runtime.LeftBehind);
        Assert.False(File.Exists(marker));
    }
}
