using k8s.Models;
using Kubetest.Runtime;
using Kubetest.Runtime.Local;

namespace Kubetest.Runtime.Local.Tests;

/// <summary>
/// A container whose image the runtime was given as a <see cref="ContainerImage"/> sees that image's
/// root, not the host's: no shell, only the tools put there, plus the binds, /proc, /dev, /tmp and volumes.
/// </summary>
public sealed class ContainerImageTests : RuntimeTestBase
{
    private const string ImageName = "kubetest.test/tools-only";

    public ContainerImageTests()
        : base(SandboxMode.Bwrap)
    {
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_container_of_the_image_has_no_shell_but_its_tools_volumes_and_tmp_while_others_keep_the_hosts(bool persistentRoots)
    {
        await using var runtime = ImageRuntime(persistentRoots);
        var tools = new V1Container { Name = "tools", Image = ImageName, VolumeMounts = [VolumeMount("/data", "shared")] };
        var host = Container("host");
        host.VolumeMounts = [VolumeMount("/data", "shared")];
        await using var pod = await runtime.StartPodAsync(Request(new V1PodSpec { Containers = [tools, host], Volumes = [EmptyDir("shared")] }), new RecordingSink(), default);

        var shell = await RunAsync(pod, "tools", "/bin/sh", "-c", "echo shell");
        var listing = await RunAsync(pod, "tools", "/opt/tools/ls", "/");
        var copied = await RunAsync(pod, "tools", "/opt/tools/install", "-D", "/proc/self/cmdline", "/data/from-tools/cmdline");
        var scratch = await RunAsync(pod, "tools", "/opt/tools/install", "-D", "/proc/self/cmdline", "/tmp/scratch");
        var seen = await Exec(pod, "host", "ls /data/from-tools && test -x /bin/sh && echo host-shell");

        Assert.NotEqual(0, shell.ExitCode);
        Assert.DoesNotContain("shell", shell.Output.Stdout);
        Assert.Contains(shell.Output.Stderr, l => l.Contains("/bin/sh", StringComparison.Ordinal));
        Assert.Equal(0, listing.ExitCode);
        Assert.DoesNotContain("bin", listing.Output.Stdout);
        Assert.DoesNotContain("etc", listing.Output.Stdout);
        Assert.Contains("opt", listing.Output.Stdout);
        Assert.Contains("lib64", listing.Output.Stdout);
        Assert.Equal((0, 0), (copied.ExitCode, scratch.ExitCode));
        Assert.Equal(["cmdline", "host-shell"], seen.Output.Stdout);
    }

    [Fact]
    public async Task Without_a_sandbox_a_container_of_the_image_cannot_start_and_says_why()
    {
        await using var runtime = new LocalPodRuntime(Path.Combine(Root, "plain"), SandboxMode.None, _ => { }, images: new Dictionary<string, ContainerImage> { [ImageName] = Image() });

        var failure = await Assert.ThrowsAsync<PodFailedException>(() => runtime.StartPodAsync(
            Request(new V1PodSpec { Containers = [new V1Container { Name = "tools", Image = ImageName }] }), new RecordingSink(), default));

        Assert.Contains($"image {ImageName} has a filesystem of its own", failure.Message, StringComparison.Ordinal);
    }

    private LocalPodRuntime ImageRuntime(bool persistentRoots) =>
        new(Path.Combine(Root, persistentRoots ? "persistent" : "fresh"), SandboxMode.Bwrap, Warnings.Add, persistentRoots, images: new Dictionary<string, ContainerImage> { [ImageName] = Image() });

    /// <summary>ls and install from the host in /opt/tools, the host's libraries bound; no /bin, /usr/bin, /etc.</summary>
    private ContainerImage Image()
    {
        var root = Path.Combine(Root, "image");
        if (!Directory.Exists(root))
        {
            Directory.CreateDirectory(Path.Combine(root, "opt", "tools"));
            foreach (var tool in new[] { "ls", "install" })
            {
                File.Copy(Path.Combine("/usr/bin", tool), Path.Combine(root, "opt", "tools", tool));
            }

            File.CreateSymbolicLink(Path.Combine(root, "lib"), "usr/lib");
            File.CreateSymbolicLink(Path.Combine(root, "lib64"), "usr/lib64");
        }

        return new ContainerImage(root, new Dictionary<string, string> { ["/usr/lib"] = "/usr/lib", ["/usr/lib64"] = "/usr/lib64" });
    }

    private static async Task<(int ExitCode, RecordingSink Output)> RunAsync(IPod pod, string container, params string[] argv)
    {
        var sink = new RecordingSink();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return (await pod.ExecAsync(container, argv, sink, timeout.Token), sink);
    }
}
