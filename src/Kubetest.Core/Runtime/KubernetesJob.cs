using k8s;
using k8s.Models;

namespace Kubetest.Runtime;

/// <summary>
/// The batch/v1 Job that holds one pod of a run, as the kubernetes runtime creates it and the dry
/// run prints it: it never retries, its pod never restarts, and each held container runs a wait
/// loop instead of its command, which kubetest then runs by exec.
/// </summary>
public static class KubernetesJob
{
    /// <summary>
    /// Keeps a held container alive until the pod is deleted, idle: one sleep an hour (a sleep a
    /// second in each of hundreds of containers is real load), and TERM ends it at once because
    /// the shell waits on the sleep, which a trap interrupts.
    /// </summary>
    public static readonly IReadOnlyList<string> HoldCommand = ["sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"];

    public static V1Job Create(PodRequest request, string @namespace)
    {
        var spec = KubernetesJson.Deserialize<V1PodSpec>(KubernetesJson.Serialize(request.Spec));
        foreach (var container in spec.Containers.Where(c => request.HeldContainers.Contains(c.Name)))
        {
            container.Command = [.. HoldCommand];
            container.Args = null;
        }

        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta
            {
                GenerateName = request.GenerateName,
                NamespaceProperty = @namespace,
                Labels = request.Metadata.Labels,
                Annotations = request.Metadata.Annotations,
            },
            Spec = new V1JobSpec
            {
                BackoffLimit = 0,
                TtlSecondsAfterFinished = request.TtlSecondsAfterFinished,
                Template = new V1PodTemplateSpec { Metadata = request.Metadata, Spec = spec },
            },
        };
    }
}
