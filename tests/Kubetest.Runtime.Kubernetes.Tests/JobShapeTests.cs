using k8s.Models;
using Kubetest.Runtime;

namespace Kubetest.Runtime.Kubernetes.Tests;

/// <summary>The Job that holds a pod: held containers wait, sidecars run their own command.</summary>
public class JobShapeTests
{
    private static PodRequest Request() => new(
        "job-",
        new V1ObjectMeta { Labels = new Dictionary<string, string> { ["kubetest.io/testjob"] = "true" } },
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
        30);

    [Fact]
    public void Held_containers_run_the_wait_loop_and_sidecars_keep_their_command()
    {
        var job = KubernetesJob.Create(Request(), "ci");

        var containers = job.Spec.Template.Spec.Containers;
        Assert.Equal(["redis-server"], containers[0].Command);
        Assert.Equal(KubernetesJob.HoldCommand, containers[1].Command);
        Assert.Null(containers[1].Args);
    }

    [Fact]
    public void The_job_never_retries_and_keeps_the_ttl_labels_and_namespace()
    {
        var job = KubernetesJob.Create(Request(), "ci");

        Assert.Equal(0, job.Spec.BackoffLimit);
        Assert.Equal(30, job.Spec.TtlSecondsAfterFinished);
        Assert.Equal("ci", job.Metadata.NamespaceProperty);
        Assert.Equal("job-", job.Metadata.GenerateName);
        Assert.Equal("true", job.Spec.Template.Metadata.Labels["kubetest.io/testjob"]);
    }

    [Fact]
    public void Creating_the_job_leaves_the_request_untouched()
    {
        var request = Request();

        KubernetesJob.Create(request, "ci");

        Assert.Equal(["go", "test"], request.Spec.Containers[1].Command);
    }
}
