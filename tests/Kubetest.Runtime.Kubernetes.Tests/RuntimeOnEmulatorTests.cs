using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Kubetest.Emulator;
using Kubetest.Runtime;
using Kubetest.Runtime.Kubernetes;

namespace Kubetest.Runtime.Kubernetes.Tests;

/// <summary>The kubernetes runtime against the API emulator, through the official client, as the kubetest service account.</summary>
public sealed class RuntimeOnEmulatorTests() : EmulatorRuntimeTestBase("kubetest-k8s-runtime-")
{
    [Fact]
    public async Task Exec_in_a_held_container_streams_its_lines_and_returns_its_exit_code()
    {
        await using var pod = await StartAsync();
        var output = new Lines();

        var exitCode = await pod.ExecAsync("test0-0", ["sh", "-c", "echo out; echo err >&2; echo $TASK_KEY; exit 3"], output, CancellationToken.None);

        Assert.Equal(3, exitCode);
        Assert.Equal(["out", "k1"], output.Of(OutputStream.Stdout));
        Assert.Equal(["err"], output.Of(OutputStream.Stderr));
    }

    [Fact]
    public async Task A_file_copied_in_can_be_read_and_aRoot_copied_out_arrives_whole()
    {
        var local = Path.Combine(Root, "awesome-stuff");
        await File.WriteAllTextAsync(local, "AWESOME!!!\n");
        await using var pod = await StartAsync();

        await pod.CopyToAsync("test0-0", local, "/work/awesome-stuff", CancellationToken.None);
        var output = new Lines();
        await pod.ExecAsync("test0-0", ["sh", "-c", "cat /work/awesome-stuff; mkdir -p /work/out/sub; echo a > /work/out/a.txt; echo b > /work/out/sub/b.txt"], output, CancellationToken.None);
        var copy = Path.Combine(Root, "copy");
        await pod.CopyFromAsync("test0-0", "/work/out", copy, CancellationToken.None);

        Assert.Equal(["AWESOME!!!"], output.Of(OutputStream.Stdout));
        Assert.Equal("a\n", await File.ReadAllTextAsync(Path.Combine(copy, "a.txt")));
        Assert.Equal("b\n", await File.ReadAllTextAsync(Path.Combine(copy, "sub", "b.txt")));
    }

    [Fact]
    public async Task Copying_out_a_missing_path_is_file_not_found()
    {
        await using var pod = await StartAsync();

        await Assert.ThrowsAsync<FileNotFoundException>(() => pod.CopyFromAsync("test0-0", "/work/none", Path.Combine(Root, "none"), CancellationToken.None));
    }

    [Fact]
    public async Task A_copy_in_that_the_container_refuses_before_reading_it_all_reports_its_exit_code_and_stderr()
    {
        var local = Directory.CreateDirectory(Path.Combine(Root, "big")).FullName;
        for (var i = 0; i < 8; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(local, $"part{i}"), new byte[1024 * 1024]);
        }

        await using var pod = await StartAsync();

        // The host's /sys is bound read-only (the rest of its files a container writes copy-on-write): mkdir fails at once
        // while 8 MB are still to send.
        var error = await Assert.ThrowsAsync<IOException>(() => pod.CopyToAsync("test0-0", local, "/sys/kubetest-readonly/big", CancellationToken.None));

        Assert.Contains("(exit code 1)", error.Message, StringComparison.Ordinal);
        Assert.Contains("kubetest-readonly", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("WebSocket", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disposing_the_pod_deletes_its_job_and_pod()
    {
        var pod = await StartAsync();
        Assert.Single(Emulator.StoredJobs());

        await pod.DisposeAsync();

        await WaitUntilAsync(() => Emulator.StoredJobs().Count == 0 && Emulator.StoredPods().Count == 0);
    }

    [Fact]
    public async Task When_deletes_fail_disposing_the_pod_and_the_runtime_throws_nothing_and_one_warning_names_the_job_and_pod()
    {
        var pod = await StartAsync();
        var job = Assert.Single(Emulator.StoredJobs()).Metadata.Name;
        Emulator.Options.Faults.FailDeletesOf.UnionWith(["jobs", "pods"]);

        await pod.DisposeAsync();
        await Runtime.DisposeAsync();

        Emulator.Options.Faults.FailDeletesOf.Clear();
        var warning = Assert.Single(Warnings);
        Assert.Contains($"job/{job}, pod/{pod.Name}", warning, StringComparison.Ordinal);
        Assert.Contains("kubetest gc -n default", warning, StringComparison.Ordinal);
        Assert.Equal([$"job/{job}, pod/{pod.Name} in namespace default"], Runtime.LeftBehind);
        Assert.Single(Emulator.StoredJobs());
    }

    [Fact]
    public async Task A_job_whose_pod_delete_failed_once_is_deleted_when_the_runtime_is_disposed()
    {
        var pod = await StartAsync();
        Emulator.Options.Faults.FailDeletesOf.Add("jobs");
        await pod.DisposeAsync();
        Emulator.Options.Faults.FailDeletesOf.Clear();

        await Runtime.DisposeAsync();

        Assert.Empty(Warnings);
        Assert.Empty(Runtime.LeftBehind);
        await WaitUntilAsync(() => Emulator.StoredJobs().Count == 0 && Emulator.StoredPods().Count == 0);
    }

    [Fact]
    public async Task The_job_carries_the_runs_label_owner_deadline_and_ttl()
    {
        await using var pod = await StartAsync();

        var job = Assert.Single(Emulator.StoredJobs());
        var owner = JobLifecycle.OwnerOf(job.Metadata);
        Assert.NotNull(owner);
        Assert.Equal((Environment.MachineName, Environment.ProcessId), (owner.Host, owner.Pid));
        Assert.True(owner.IsAlive(), "this test process is the owner and runs");
        Assert.Equal((long)JobLifecycle.DefaultMaxRunTime.TotalSeconds, job.Spec.ActiveDeadlineSeconds);
        Assert.Equal(JobLifecycle.DefaultTtl, job.Spec.TtlSecondsAfterFinished);
        Assert.Equal(job.Metadata.Labels[JobLifecycle.RunLabel], Emulator.StoredPods().Single().Metadata.Labels[JobLifecycle.RunLabel]);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Files_reach_init_containers_and_sidecars_in_one_stream_and_each_writer_has_its_own_copy()
    {
        var repo = Directory.CreateDirectory(Path.Combine(Root, "repo")).FullName;
        await File.WriteAllTextAsync(Path.Combine(repo, "README"), "checked out\n");
        var token = Path.Combine(Root, "token");
        await File.WriteAllTextAsync(token, "s3cr3t");
        File.SetUnixFileMode(token, UnixFileMode.UserRead);
        var shared = new V1VolumeMount { Name = "shared", MountPath = "/shared" };
        var request = new PodRequest(
            "files-",
            new V1ObjectMeta { Labels = new Dictionary<string, string> { ["kubetest.io/testjob"] = "true" } },
            new V1PodSpec
            {
                RestartPolicy = "Never",
                Volumes = [new V1Volume { Name = "shared", EmptyDir = new V1EmptyDirVolumeSource() }],
                InitContainers = [new V1Container { Name = "setup", Image = "alpine", Command = ["sh", "-c", "cat /in/token > /shared/init-saw; stat -c %a /in/token >> /shared/init-saw"], VolumeMounts = [shared] }],
                Containers =
                [
                    new V1Container { Name = "watcher", Image = "alpine", Command = ["sh", "-c", "cat /src/README > /shared/sidecar-saw.tmp && mv /shared/sidecar-saw.tmp /shared/sidecar-saw; exec sleep 600"], VolumeMounts = [shared] },
                    new V1Container { Name = "test0-0", Image = "alpine", WorkingDir = "/work", Command = ["true"], VolumeMounts = [shared] },
                    new V1Container { Name = "test0-1", Image = "alpine", WorkingDir = "/work", Command = ["true"], VolumeMounts = [shared] },
                ],
            },
            ["test0-0", "test0-1"],
            [
                new ContainerFile("setup", "/in/token", token, ReadOnly: true),
                new ContainerFile("watcher", "/src", repo, ReadOnly: false),
                new ContainerFile("test0-0", "/src", repo, ReadOnly: false),
                new ContainerFile("test0-1", "/src", repo, ReadOnly: false),
            ],
            null);

        await using var pod = await Runtime.StartPodAsync(request, NullOutputSink.Instance, CancellationToken.None);
        var first = new Lines();
        await pod.ExecAsync("test0-0", ["sh", "-c", "until [ -e /shared/sidecar-saw ]; do sleep 0.1; done; cat /shared/init-saw /shared/sidecar-saw /src/README; echo mine > /src/NEW"], first, CancellationToken.None);
        var second = new Lines();
        var exitCode = await pod.ExecAsync("test0-1", ["sh", "-c", "ls /src"], second, CancellationToken.None);

        Assert.Equal(["s3cr3t400", "checked out", "checked out"], first.Of(OutputStream.Stdout));
        Assert.Equal(0, exitCode);
        Assert.Equal(["README"], second.Of(OutputStream.Stdout));

        // One stream for the whole pod, into the pre-init; nothing copied into a container by exec.
        var execs = Emulator.Execs.Where(e => e.Pod == pod.Name).ToList();
        Assert.Equal([(PreInit.ContainerName, true)], execs.Where(e => e.Stdin).Select(e => (e.Container, e.Stdin)));
        Assert.Equal(PreInit.ContainerName, execs[0].Container);
    }

    [Fact]
    public async Task A_link_goes_into_a_key_container_as_a_link_and_into_a_sidecar_not_at_all_with_nothing_created()
    {
        var link = Path.Combine(Root, "f");
        File.CreateSymbolicLink(link, "/proc/self/environ");
        PodRequest Request(string container) => new(
            "links-",
            new V1ObjectMeta { Labels = new Dictionary<string, string> { ["kubetest.io/testjob"] = "true" } },
            new V1PodSpec
            {
                RestartPolicy = "Never",
                Containers =
                [
                    new V1Container { Name = "watcher", Image = "alpine", Command = ["sleep", "600"] },
                    new V1Container { Name = "test0-0", Image = "alpine", WorkingDir = "/work", Command = ["true"] },
                ],
            },
            ["test0-0"],
            [new ContainerFile(container, "/kubetest-reader/f", link, ReadOnly: true)],
            null);

        var refused = await Assert.ThrowsAsync<PodFailedException>(() => Runtime.StartPodAsync(Request("watcher"), NullOutputSink.Instance, CancellationToken.None));
        Assert.Contains("/kubetest-reader/f in container watcher", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Emulator.StoredJobs());

        await using var pod = await Runtime.StartPodAsync(Request("test0-0"), NullOutputSink.Instance, CancellationToken.None);
        var output = new Lines();
        await pod.ExecAsync("test0-0", ["readlink", "/kubetest-reader/f"], output, CancellationToken.None);
        Assert.Equal(["/proc/self/environ"], output.Of(OutputStream.Stdout));
        Assert.DoesNotContain(Emulator.Execs, e => e.Container == PreInit.ContainerName);
    }

    private async Task<IPod> StartAsync()
    {
        var request = new PodRequest(
            "e2e-",
            new V1ObjectMeta { Labels = new Dictionary<string, string> { ["kubetest.io/testjob"] = "true" } },
            new V1PodSpec
            {
                RestartPolicy = "Never",
                Containers = [new V1Container { Name = "test0-0", Image = "alpine", WorkingDir = "/work", Command = ["true"], Env = [new V1EnvVar { Name = "TASK_KEY", Value = "k1" }] }],
            },
            ["test0-0"],
            [],
            null);
        return await Runtime.StartPodAsync(request, NullOutputSink.Instance, CancellationToken.None);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in 20 s");
            await Task.Delay(50);
        }
    }

    private sealed class Lines : IOutputSink
    {
        private readonly ConcurrentQueue<(OutputStream Stream, string Line)> _lines = new();

        public void WriteLine(OutputStream stream, string line) => _lines.Enqueue((stream, line));

        public IReadOnlyList<string> Of(OutputStream stream) => _lines.Where(l => l.Stream == stream).Select(l => l.Line).ToList();
    }
}
