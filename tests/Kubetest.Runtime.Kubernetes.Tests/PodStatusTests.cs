using k8s.Models;
using Kubetest.Runtime.Kubernetes;

namespace Kubetest.Runtime.Kubernetes.Tests;

/// <summary>What a stuck or failed pod is reported with.</summary>
public class PodStatusTests
{
    [Fact]
    public void A_container_waiting_on_its_image_names_the_reason_and_message()
    {
        var status = new V1PodStatus
        {
            Phase = "Pending",
            ContainerStatuses =
            [
                new V1ContainerStatus { Name = "test0-0", State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ImagePullBackOff", Message = "Back-off pulling image \"nope\"" } } },
            ],
        };

        Assert.Equal("container test0-0: ImagePullBackOff: Back-off pulling image \"nope\"", PodWaiter.Describe(status));
    }

    [Fact]
    public void An_unschedulable_pod_names_its_condition()
    {
        var status = new V1PodStatus
        {
            Phase = "Pending",
            Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "False", Reason = "Unschedulable", Message = "0/3 nodes are available" }],
        };

        Assert.Equal("PodScheduled: Unschedulable: 0/3 nodes are available", PodWaiter.Describe(status));
    }

    [Fact]
    public void A_failed_init_container_names_its_exit_code()
    {
        var status = new V1PodStatus
        {
            Phase = "Failed",
            InitContainerStatuses = [new V1ContainerStatus { Name = "setup", State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 2, Reason = "Error" } } }],
        };

        Assert.Equal("container setup exited with code 2 (Error)", PodWaiter.Describe(status));
    }
}
