using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>The pod status a kubelet would report at each step.</summary>
internal static class PodPhases
{
    /// <summary>The status of a pod the job controller just created: Pending, not yet scheduled.</summary>
    public static V1PodStatus Created() => new() { Phase = "Pending", QosClass = "BestEffort", Conditions = [] };

    /// <summary>Scheduled on the node with <paramref name="podIp"/>, which a kubelet gives a pod before its init containers run.</summary>
    public static void Scheduled(V1Pod pod, string podIp)
    {
        pod.Spec.NodeName = Kubelet.NodeName;
        var hasInit = pod.Spec.InitContainers is { Count: > 0 };
        pod.Status.Phase = "Pending";
        pod.Status.HostIP = "127.0.0.1";
        pod.Status.PodIP = podIp;
        pod.Status.PodIPs = [new V1PodIP { Ip = podIp }];
        pod.Status.StartTime = DateTime.UtcNow;
        pod.Status.Conditions =
        [
            Condition("PodScheduled", "True"),
            Condition("Initialized", hasInit ? "False" : "True", hasInit ? "ContainersNotInitialized" : null),
            Condition("ContainersReady", "False", "ContainersNotReady"),
            Condition("Ready", "False", "ContainersNotReady"),
        ];
        pod.Status.InitContainerStatuses = hasInit
            ? pod.Spec.InitContainers!.Select((c, i) => Waiting(c, i == 0 ? "PodInitializing" : "PodInitializing")).ToList()
            : null;
        pod.Status.ContainerStatuses = pod.Spec.Containers.Select(c => Waiting(c, hasInit ? "PodInitializing" : "ContainerCreating")).ToList();
    }

    public static void HoldPending(V1Pod pod, string reason)
    {
        pod.Status.Phase = "Pending";
        if (reason == "Unschedulable")
        {
            pod.Status.Conditions = [Condition("PodScheduled", "False", "Unschedulable", "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector (held by the emulator's fault knob).")];
            return;
        }

        Scheduled(pod, "127.0.0.1");
        pod.Status.PodIP = null;
        pod.Status.PodIPs = null;
        foreach (var status in pod.Status.ContainerStatuses)
        {
            status.State = new V1ContainerState
            {
                Waiting = new V1ContainerStateWaiting { Reason = reason, Message = $"{reason} (held by the emulator's fault knob) for image \"{status.Image}\"" },
            };
        }
    }

    public static void Started(V1Pod pod)
    {
        var now = DateTime.UtcNow;
        pod.Status.Phase = "Running";
        pod.Status.Conditions = [Condition("PodScheduled", "True"), Condition("Initialized", "True"), Condition("ContainersReady", "True"), Condition("Ready", "True")];
        foreach (var status in pod.Status.InitContainerStatuses ?? [])
        {
            status.State = Terminated(0, "Completed", now, now, null);
            status.Ready = true;
        }

        foreach (var status in pod.Status.ContainerStatuses)
        {
            status.State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = now } };
            status.Ready = true;
            status.Started = true;
        }
    }

    public static void ContainerTerminated(V1Pod pod, string container, int exitCode, DateTime startedAt, string? message)
    {
        var status = pod.Status.ContainerStatuses.First(s => s.Name == container);
        status.State = Terminated(exitCode, message is not null ? "StartError" : exitCode == 0 ? "Completed" : "Error", startedAt, DateTime.UtcNow, message);
        status.Ready = false;
        status.Started = false;
        if (pod.Status.ContainerStatuses.Any(s => !s.Ready))
        {
            pod.Status.Conditions = [Condition("PodScheduled", "True"), Condition("Initialized", "True"), Condition("ContainersReady", "False", "ContainersNotReady"), Condition("Ready", "False", "ContainersNotReady")];
        }
    }

    public static void NoCommand(V1Pod pod, string container)
    {
        var now = DateTime.UtcNow;
        var message = $"container {container} has no command: the emulator has no images, so every container must say what to run";
        pod.Status.Phase = "Failed";
        pod.Status.Message = message;
        foreach (var status in pod.Status.ContainerStatuses)
        {
            status.State = status.Name == container ? Terminated(128, "StartError", now, now, message) : new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } };
        }
    }

    public static void InitRunning(V1Pod pod, string container, DateTime startedAt)
    {
        var status = pod.Status.InitContainerStatuses.First(s => s.Name == container);
        status.State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = startedAt } };
        status.Started = true;
    }

    public static void InitCompleted(V1Pod pod, string container, DateTime startedAt)
    {
        var status = pod.Status.InitContainerStatuses.First(s => s.Name == container);
        status.State = Terminated(0, "Completed", startedAt, DateTime.UtcNow, null);
        status.Started = false;
        status.Ready = true;
    }

    public static void InitFailed(V1Pod pod, string container, int exitCode, DateTime startedAt, string? message)
    {
        var status = pod.Status.InitContainerStatuses.First(s => s.Name == container);
        status.State = Terminated(exitCode, message is null ? "Error" : "StartError", startedAt, DateTime.UtcNow, message);
        status.Started = false;
        pod.Status.Phase = "Failed";
        pod.Status.Message = message ?? $"init container {container} failed with exit code {exitCode}";
    }

    /// <summary>The sandbox could not be set up (a volume or file it could not place, …).</summary>
    public static void Unstartable(V1Pod pod, string message)
    {
        pod.Status.Phase = "Failed";
        pod.Status.Reason = "StartError";
        pod.Status.Message = message;
    }

    private static V1ContainerStatus Waiting(V1Container container, string reason) => new()
    {
        Name = container.Name,
        Image = container.Image,
        ImageID = string.Empty,
        Ready = false,
        Started = false,
        RestartCount = 0,
        State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason } },
    };

    private static V1ContainerState Terminated(int exitCode, string reason, DateTime started, DateTime finished, string? message) => new()
    {
        Terminated = new V1ContainerStateTerminated { ExitCode = exitCode, Reason = reason, StartedAt = started, FinishedAt = finished, Message = message },
    };

    private static V1PodCondition Condition(string type, string status, string? reason = null, string? message = null) =>
        new() { Type = type, Status = status, Reason = reason, Message = message, LastTransitionTime = DateTime.UtcNow };
}
