using k8s.Models;
using Kubetest.Runtime.Local;

namespace Kubetest.Runtime.Local.Tests;

/// <summary>
/// A container writes the host's files copy-on-write, as a cluster's container writes over its
/// image: it reads back what it wrote, the host never sees it, other containers do not either, and
/// nothing of it is left once the pod is gone. Both forms of the helper: with CAP_SYS_ADMIN (the
/// tests run as root) and in a user namespace, as an unprivileged user's run would.
/// </summary>
public sealed class CopyOnWriteRootTests : RuntimeTestBase, IDisposable
{
    private readonly string _id = Guid.NewGuid().ToString("N")[..12];
    private readonly string _victims;

    public CopyOnWriteRootTests()
        : base(SandboxMode.Bwrap)
    {
        // Host files a container will try to change: under /usr, which every sandbox shows.
        _victims = Path.Combine("/usr/local/share", "kubetest-cow-tests-" + _id);
        Directory.CreateDirectory(_victims);
        File.WriteAllText(Path.Combine(_victims, "victim.txt"), "original\n");
        File.WriteAllText(Path.Combine(_victims, "doomed.txt"), "still here\n");
    }

    private string Planted => $"/usr/lib/kubetest-cow-{_id}";

    private string PlantedConf => $"/etc/kubetest-cow-{_id}.conf";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_container_writes_the_hosts_files_copy_on_write_and_nothing_reaches_the_host_or_another_container(bool privileged)
    {
        await using var runtime = new LocalPodRuntime(Path.Combine(Root, "cow-pods"), SandboxMode.Bwrap, Warnings.Add, persistentRoots: false, null, null, null, allowPrivilegedCopyOnWrite: privileged);
        var readOnly = Container("readonly");
        readOnly.SecurityContext = new V1SecurityContext { ReadOnlyRootFilesystem = true };
        var pod = await runtime.StartPodAsync(Request(new V1PodSpec { Containers = [Container("writer"), Container("other"), readOnly] }), new RecordingSink(), default);
        string stdlibFile;
        await using (pod)
        {
            var (exitCode, output) = await Exec(pod, "writer", $"""
                set -e
                echo changed > {_victims}/victim.txt
                rm {_victims}/doomed.txt
                echo planted > {Planted}
                echo conf > {PlantedConf}
                stdlib=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
                echo "$stdlib/kubetest-cow-{_id}.pyc"
                echo pyc > "$stdlib/kubetest-cow-{_id}.pyc"
                cat {_victims}/victim.txt {Planted} {PlantedConf} "$stdlib/kubetest-cow-{_id}.pyc"
                test ! -e {_victims}/doomed.txt && echo gone
                """);

            Assert.True(exitCode == 0, string.Join('\n', output.Stderr));
            Assert.Empty(Warnings);
            stdlibFile = output.Stdout[0];
            Assert.Equal(["changed", "planted", "conf", "pyc", "gone"], output.Stdout.Skip(1));

            // Its layer stays for the container's life, also when two of its execs overlap.
            var first = Exec(pod, "writer", $"sleep 0.3; echo a > {Planted}-a");
            var second = Exec(pod, "writer", $"sleep 0.3; echo b > {Planted}-b");
            Assert.Equal([0, 0], (await Task.WhenAll(first, second)).Select(r => r.ExitCode));
            var (_, later) = await Exec(pod, "writer", $"cat {_victims}/victim.txt {Planted} {Planted}-a {Planted}-b; test ! -e {_victims}/doomed.txt && echo gone");
            Assert.Equal(["changed", "planted", "a", "b", "gone"], later.Stdout);

            // Another container of the same pod sees the host as it is.
            var (otherExit, other) = await Exec(pod, "other", $"cat {_victims}/victim.txt {_victims}/doomed.txt; test ! -e {Planted} && test ! -e {PlantedConf} && test ! -e {stdlibFile} && echo unseen");
            Assert.Equal(0, otherExit);
            Assert.Equal(["original", "still here", "unseen"], other.Stdout);

            // readOnlyRootFilesystem keeps the read-only view.
            var (readOnlyExit, refused) = await Exec(pod, "readonly", $"echo x > {Planted}-ro");
            Assert.NotEqual(0, readOnlyExit);
            Assert.Contains(refused.Stderr, line => line.Contains("Read-only file system", StringComparison.Ordinal));

            AssertHostUnchanged(stdlibFile);
        }

        AssertHostUnchanged(stdlibFile);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Root, "cow-pods")));
        Assert.DoesNotContain(File.ReadLines("/proc/self/mountinfo"), line => line.Contains(Root, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Copying_into_the_root_lands_in_the_containers_layer_not_on_the_host()
    {
        await using var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [Container("main")] }), new RecordingSink(), default);

        await pod.CopyToAsync("main", WriteLocalFile("in.txt", "copied in\n"), $"{_victims}/victim.txt", default);
        var (_, output) = await Exec(pod, "main", $"cat {_victims}/victim.txt");

        Assert.Equal(["copied in"], output.Stdout);
        Assert.Equal("original\n", File.ReadAllText(Path.Combine(_victims, "victim.txt")));
    }

    [Fact]
    public async Task Without_the_helper_containers_keep_the_read_only_view_and_the_first_pod_says_so_once()
    {
        await using var runtime = new LocalPodRuntime(Path.Combine(Root, "no-cow"), SandboxMode.Bwrap, Warnings.Add, copyOnWriteHelper: Path.Combine(Root, "missing", "kubetest-cow"));
        for (var i = 0; i < 2; i++)
        {
            await using var pod = await runtime.StartPodAsync(Request(new V1PodSpec { Containers = [Container("main")] }), new RecordingSink(), default);
            var (exitCode, output) = await Exec(pod, "main", $"echo x > {Planted}");

            Assert.NotEqual(0, exitCode);
            Assert.Contains(output.Stderr, line => line.Contains("Read-only file system", StringComparison.Ordinal));
        }

        var warning = Assert.Single(Warnings);
        Assert.Contains("read-only", warning, StringComparison.Ordinal);
        Assert.Contains("kubetest-cow is missing", warning, StringComparison.Ordinal);
        Assert.False(File.Exists(Planted));
    }

    private void AssertHostUnchanged(string stdlibFile)
    {
        Assert.Equal("original\n", File.ReadAllText(Path.Combine(_victims, "victim.txt")));
        Assert.Equal("still here\n", File.ReadAllText(Path.Combine(_victims, "doomed.txt")));
        Assert.False(File.Exists(Planted));
        Assert.False(File.Exists(PlantedConf));
        Assert.False(File.Exists(stdlibFile));
    }

    void IDisposable.Dispose()
    {
        Directory.Delete(_victims, recursive: true);
        Dispose();
    }
}
