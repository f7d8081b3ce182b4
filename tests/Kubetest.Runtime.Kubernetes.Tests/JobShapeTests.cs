using k8s.Models;
using Kubetest.Runtime;

namespace Kubetest.Runtime.Kubernetes.Tests;

/// <summary>The Job that holds a pod: held containers wait, sidecars run their own command, and the Job ends and goes away without kubetest.</summary>
public class JobShapeTests
{
    private static readonly RunOwner Owner = new("abc123def456", "ci-runner-7", 4242, 987654, new DateTimeOffset(2026, 11, 25, 13, 55, 8, TimeSpan.Zero));

    private static readonly JobLifecycle Lifecycle = JobLifecycle.For(Owner, TimeSpan.FromMinutes(90));

    private static PodRequest Request(int? ttl = 30) => new(
        "job-",
        new V1ObjectMeta
        {
            Labels = new Dictionary<string, string> { ["kubetest.io/testjob"] = "true", ["team"] = "db" },
            Annotations = new Dictionary<string, string> { ["kubetest.io/strategyKeys"] = "[\"a\"]" },
        },
        new V1PodSpec
        {
            RestartPolicy = "Never",
            Containers =
            [
                new V1Container { Name = "sidecar", Command = ["redis-server"] },
                new V1Container { Name = "test0-0", Command = ["go", "test"], Args = ["./..."] },
            ],
        },
        ["test0-0"],
        [],
        ttl);

    [Fact]
    public void Held_containers_wait_until_the_deadline_and_sidecars_keep_their_command()
    {
        var job = KubernetesJob.Create(Request(), "ci", Lifecycle);

        var containers = job.Spec.Template.Spec.Containers;
        Assert.Equal(["redis-server"], containers[0].Command);
        Assert.Equal(["sh", "-c", "trap 'exit 0' TERM INT; sleep 5400 & wait $!"], containers[1].Command);
        Assert.Null(containers[1].Args);
    }

    [Fact]
    public void The_job_never_retries_and_keeps_the_manifests_ttl_labels_and_namespace()
    {
        var job = KubernetesJob.Create(Request(), "ci", Lifecycle);

        Assert.Equal(0, job.Spec.BackoffLimit);
        Assert.Equal(30, job.Spec.TtlSecondsAfterFinished);
        Assert.Equal("ci", job.Metadata.NamespaceProperty);
        Assert.Equal("job-", job.Metadata.GenerateName);
        Assert.Equal("true", job.Spec.Template.Metadata.Labels["kubetest.io/testjob"]);
        Assert.Equal("db", job.Metadata.Labels["team"]);
        Assert.Equal("[\"a\"]", job.Metadata.Annotations["kubetest.io/strategyKeys"]);
    }

    [Fact]
    public void The_job_has_the_max_run_time_as_its_deadline_and_a_default_ttl_when_the_manifest_gives_none()
    {
        var job = KubernetesJob.Create(Request(ttl: null), "ci", Lifecycle);

        Assert.Equal(5400, job.Spec.ActiveDeadlineSeconds);
        Assert.Equal(JobLifecycle.DefaultTtl, job.Spec.TtlSecondsAfterFinished);
    }

    [Fact]
    public void The_job_and_its_pod_carry_the_run_label_and_who_owns_them()
    {
        var job = KubernetesJob.Create(Request(), "ci", Lifecycle);

        foreach (var metadata in new[] { job.Metadata, job.Spec.Template.Metadata })
        {
            Assert.Equal("abc123def456", metadata.Labels["kubetest.io/run"]);
            Assert.Equal("true", metadata.Labels["kubetest.io/testjob"]);
            Assert.Equal("ci-runner-7", metadata.Annotations["kubetest.io/owner-host"]);
            Assert.Equal("4242", metadata.Annotations["kubetest.io/owner-pid"]);
            Assert.Equal("2026-11-25T13:55:08Z", metadata.Annotations["kubetest.io/owner-started-at"]);
            Assert.Equal(Owner, JobLifecycle.OwnerOf(metadata));
        }
    }

    [Fact]
    public void Creating_the_job_leaves_the_request_untouched()
    {
        var request = Request();

        KubernetesJob.Create(request, "ci", Lifecycle);

        Assert.Equal(["go", "test"], request.Spec.Containers[1].Command);
        Assert.False(request.Metadata.Labels.ContainsKey("kubetest.io/run"));
        Assert.False(request.Metadata.Annotations.ContainsKey("kubetest.io/owner-pid"));
    }

    [Fact]
    public void Without_files_to_place_the_pod_has_no_pre_init_container()
    {
        var job = KubernetesJob.Create(Request(), "ci", Lifecycle);

        Assert.Null(job.Spec.Template.Spec.InitContainers);
        Assert.Null(job.Spec.Template.Spec.Volumes);
    }

    [Fact]
    public void Files_reach_init_containers_sidecars_and_key_containers_through_a_pre_init_container_that_runs_first()
    {
        var request = Request() with
        {
            Files =
            [
                new ContainerFile("setup", "/src", "/run/repo", ReadOnly: true),
                new ContainerFile("sidecar", "/src", "/run/repo", ReadOnly: false),
                new ContainerFile("test0-0", "/src", "/run/repo", ReadOnly: false),
                new ContainerFile("test0-0", "/var/log/kubetest.log", "/run/log", ReadOnly: true),
            ],
        };
        request.Spec.InitContainers = [new V1Container { Name = "setup", Image = "busybox", Command = ["cp", "-r", "/src", "/shared"] }];
        request.Spec.Containers[1].Image = "golang:1.23";
        request.Spec.Containers[1].SecurityContext = new V1SecurityContext { RunAsUser = 1000 };

        var spec = KubernetesJob.Create(request, "ci", Lifecycle).Spec.Template.Spec;

        // First of the init containers, in the image and as the user of the first key container.
        Assert.Equal([PreInit.ContainerName, "setup"], spec.InitContainers.Select(c => c.Name));
        var preInit = spec.InitContainers[0];
        Assert.Equal("golang:1.23", preInit.Image);
        Assert.Equal(1000, preInit.SecurityContext.RunAsUser);
        Assert.Equal(PreInit.WaitCommand, preInit.Command);
        var own = Assert.Single(preInit.VolumeMounts);
        Assert.Equal((PreInit.VolumeName, PreInit.MountPath, null), (own.Name, own.MountPath, own.SubPath));
        Assert.NotNull(spec.Volumes.Single(v => v.Name == PreInit.VolumeName).EmptyDir);

        // Sent once each (the repository is entry 0, the log entry 1); a reader shares the sent
        // copy, each writer has its own, and the last writer takes the sent one if nobody reads it.
        var mounts = spec.InitContainers.Concat(spec.Containers)
            .SelectMany(c => (c.VolumeMounts ?? []).Where(m => m.Name == PreInit.VolumeName && c.Name != PreInit.ContainerName).Select(m => (c.Name, m.MountPath, m.SubPath, m.ReadOnlyProperty)))
            .ToList();
        Assert.Equal(
            [("setup", "/src", "src/0", true), ("sidecar", "/src", "own/1", null), ("test0-0", "/src", "own/2", null), ("test0-0", "/var/log/kubetest.log", "src/1", true)],
            mounts);
        Assert.Equal(["/run/repo", "/run/log"], PreInit.For(request.Files)!.Sources);
        Assert.Equal(
            ["sh", "-c", "set -e; mkdir -p /kubetest-files/src /kubetest-files/own; tar xf - -C /kubetest-files/src; cd /kubetest-files; cp -a src/0 own/1; cp -a src/0 own/2; : > /kubetest-files/.ready"],
            PreInit.For(request.Files)!.FillCommand());
    }

    [Fact]
    public void A_source_nobody_reads_is_moved_to_its_last_writer_instead_of_copied()
    {
        var files = new List<ContainerFile>
        {
            new("test0-0", "/src", "/run/repo", ReadOnly: false),
            new("test0-1", "/src", "/run/repo", ReadOnly: false),
        };

        Assert.Equal(
            ["sh", "-c", "set -e; mkdir -p /kubetest-files/src /kubetest-files/own; tar xf - -C /kubetest-files/src; cd /kubetest-files; cp -a src/0 own/0; mv src/0 own/1; : > /kubetest-files/.ready"],
            PreInit.For(files)!.FillCommand());
    }
}
