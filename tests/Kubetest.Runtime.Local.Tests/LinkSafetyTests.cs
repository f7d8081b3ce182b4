using k8s.Models;
using Kubetest.Runtime.Local;

namespace Kubetest.Runtime.Local.Tests;

/// <summary>Links a container plants never make the local runtime read or write host files.</summary>
public class LinkSafetyTests : RuntimeTestBase
{
    private const string VictimContent = "victim-original-content";

    public LinkSafetyTests()
        : base(SandboxMode.Bwrap)
    {
    }

    [Fact]
    public async Task An_artifact_that_is_a_link_is_copied_out_as_that_link_not_as_the_host_file()
    {
        var main = Container("main");
        main.WorkingDir = "/work";
        await using var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [main] }), new RecordingSink(), default);
        await Exec(pod, "main", $"ln -s {Victim()} f; mkdir out; ln -s /proc/self/environ out/env; echo ok > out/ok");

        var warnings = await pod.CopyFromAsync("main", "/work/f", Path.Combine(Root, "f"), default);
        await pod.CopyFromAsync("main", "/work/out", Path.Combine(Root, "out"), default);

        Assert.Empty(warnings);
        Assert.Equal(Victim(), new FileInfo(Path.Combine(Root, "f")).LinkTarget);
        Assert.Equal("/proc/self/environ", new FileInfo(Path.Combine(Root, "out", "env")).LinkTarget);
        Assert.Equal("ok\n", File.ReadAllText(Path.Combine(Root, "out", "ok")));
    }

    [Fact]
    public async Task Copying_into_a_volume_where_the_container_planted_links_writes_nothing_on_the_host()
    {
        var outside = Directory.CreateDirectory(Path.Combine(Root, "outside")).FullName;
        var main = Container("main");
        main.VolumeMounts = [VolumeMount("/data", "data")];
        await using var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [main], Volumes = [EmptyDir("data")] }), new RecordingSink(), default);
        await Exec(pod, "main", $"ln -s {Victim()} /data/f; ln -s {outside} /data/sub");

        await pod.CopyToAsync("main", WriteLocalFile("in.txt", "copied in\n"), "/data/f", default);
        await Assert.ThrowsAnyAsync<Exception>(() => pod.CopyToAsync("main", WriteLocalFile("in2.txt", "copied in\n"), "/data/sub/in.txt", default));
        var (_, output) = await Exec(pod, "main", "cat /data/f");

        Assert.Equal(["copied in"], output.Stdout);
        Assert.Equal(VictimContent, File.ReadAllText(Victim()));
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    [Fact]
    public async Task A_placed_link_is_a_link_in_the_sandbox_and_never_binds_the_host_file_it_names()
    {
        var link = Path.Combine(Root, "artifact-link");
        File.CreateSymbolicLink(link, Victim());
        var main = Container("main");
        main.VolumeMounts = [VolumeMount("/data", "data")];
        var request = Request(
            new V1PodSpec { Containers = [main], Volumes = [EmptyDir("data")] },
            files: [new ContainerFile("main", "/check/f", link, ReadOnly: true), new ContainerFile("main", "/data/f", link, ReadOnly: true)]);
        await using var pod = await Runtime.StartPodAsync(request, new RecordingSink(), default);

        var (_, output) = await Exec(pod, "main", "readlink /check/f /data/f; cat /check/f /data/f; true");
        var (_, again) = await Exec(pod, "main", "readlink /check/f");

        Assert.Equal([Victim(), Victim()], output.Stdout);
        Assert.Equal([Victim()], again.Stdout);
    }

    [Fact]
    public async Task A_sub_path_through_a_link_in_a_host_path_volume_is_refused()
    {
        var volume = Directory.CreateDirectory(Path.Combine(Root, "volume")).FullName;
        var outside = Directory.CreateDirectory(Path.Combine(Root, "outside")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(volume, "sub"), outside);
        var main = Container("main");
        main.VolumeMounts = [new V1VolumeMount { MountPath = "/data", Name = "host", SubPath = "sub" }];
        var spec = new V1PodSpec { Containers = [main], Volumes = [new V1Volume { Name = "host", HostPath = new V1HostPathVolumeSource { Path = volume } }] };

        var error = await Assert.ThrowsAsync<PodFailedException>(() => Runtime.StartPodAsync(Request(spec), new RecordingSink(), default));

        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mount_point_below_a_link_in_a_host_path_volume_is_not_created_on_the_host()
    {
        var volume = Directory.CreateDirectory(Path.Combine(Root, "volume")).FullName;
        var outside = Directory.CreateDirectory(Path.Combine(Root, "outside")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(volume, "sub"), outside);
        var main = Container("main");
        main.VolumeMounts = [VolumeMount("/data", "host"), VolumeMount("/data/sub/inner", "scratch")];
        var spec = new V1PodSpec { Containers = [main], Volumes = [new V1Volume { Name = "host", HostPath = new V1HostPathVolumeSource { Path = volume } }, EmptyDir("scratch")] };

        await Assert.ThrowsAsync<PodFailedException>(() => Runtime.StartPodAsync(Request(spec), new RecordingSink(), default));

        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    private string Victim()
    {
        var path = Path.Combine(Root, "victim.txt");
        if (!File.Exists(path))
        {
            File.WriteAllText(path, VictimContent);
        }

        return path;
    }
}
