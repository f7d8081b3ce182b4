using System.Globalization;
using k8s;
using k8s.Models;

namespace Kubetest.Runtime;

/// <summary>
/// The batch/v1 Job that holds one pod of a run, as the kubernetes runtime creates it and the dry
/// run prints it: it never retries, its pod never restarts, each held container runs a wait loop
/// instead of its command (which kubetest then runs by exec), kubetest's files reach its
/// containers through a pre-init container (<see cref="PreInit"/>), and it carries what lets it end
/// without kubetest (<see cref="JobLifecycle"/>): the run's label and owner, a deadline, a TTL.
/// </summary>
public static class KubernetesJob
{
    /// <summary>
    /// Keeps a held container alive, idle, until the pod is deleted or the run's deadline passes:
    /// one sleep (a sleep a second in each of hundreds of containers is real load), and TERM ends
    /// it at once because the shell waits on the sleep, which a trap interrupts. Ending by itself
    /// matters when kubetest was killed and nobody deletes the pod.
    /// </summary>
    public static IReadOnlyList<string> HoldCommand(TimeSpan maxRunTime) =>
        ["sh", "-c", $"trap 'exit 0' TERM INT; sleep {Math.Max(1, (long)Math.Ceiling(maxRunTime.TotalSeconds)).ToString(CultureInfo.InvariantCulture)} & wait $!"];

    /// <summary>What the dry run shows for <see cref="AgentPublicKeyVariable"/>: the key is made when a run starts.</summary>
    public const string DryRunPublicKey = "(the public key of the RSA key pair kubetest makes for each run)";

    /// <summary>The variable that carries the run's public key to each agent (the original's name).</summary>
    public const string AgentPublicKeyVariable = "AGENT_PUBLIC_KEY_PEM";

    /// <param name="agentPublicKeyPem">The run's public key, given to each agent container (never the private key).</param>
    public static V1Job Create(PodRequest request, string @namespace, JobLifecycle lifecycle, string agentPublicKeyPem = DryRunPublicKey)
    {
        var spec = KubernetesJson.Deserialize<V1PodSpec>(KubernetesJson.Serialize(request.Spec));
        var agents = AgentPorts.Allocate(request).ToDictionary(a => a.Container, StringComparer.Ordinal);
        foreach (var container in spec.Containers.Where(c => request.HeldContainers.Contains(c.Name)))
        {
            if (agents.TryGetValue(container.Name, out var agent))
            {
                container.Command = [agent.Spec.InstalledPath];
                container.Args = [.. agent.Arguments];
                container.Env = [.. container.Env ?? [], new V1EnvVar { Name = AgentPublicKeyVariable, Value = agentPublicKeyPem }];
                continue;
            }

            container.Command = [.. HoldCommand(lifecycle.MaxRunTime)];
            container.Args = null;
        }

        // Its image is a held container's that runs no agent where there is one: an agent's image may have no sh or tar.
        PreInit.For(PreInitFiles(request))?.AddTo(spec, [.. request.HeldContainers.Where(h => !agents.ContainsKey(h))]);

        var jobMetadata = new V1ObjectMeta
        {
            GenerateName = request.GenerateName,
            NamespaceProperty = @namespace,
            Labels = request.Metadata.Labels,
            Annotations = request.Metadata.Annotations,
        };
        lifecycle.Stamp(jobMetadata);
        var podMetadata = KubernetesJson.Deserialize<V1ObjectMeta>(KubernetesJson.Serialize(request.Metadata));
        lifecycle.Stamp(podMetadata);
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = jobMetadata,
            Spec = new V1JobSpec
            {
                BackoffLimit = 0,
                ActiveDeadlineSeconds = lifecycle.DeadlineSeconds,
                TtlSecondsAfterFinished = request.TtlSecondsAfterFinished ?? lifecycle.DefaultTtlSeconds,
                Template = new V1PodTemplateSpec { Metadata = podMetadata, Spec = spec },
            },
        };
    }

    /// <summary>The files that reach their containers through the pre-init: all but those of agent containers, which kubetest sends through the agent.</summary>
    public static IReadOnlyList<ContainerFile> PreInitFiles(PodRequest request) =>
        [.. request.Files.Where(f => !request.Agents.ContainsKey(f.Container))];

    /// <summary>The files kubetest sends through the agent of their container once it answers.</summary>
    public static IReadOnlyList<ContainerFile> AgentFiles(PodRequest request) =>
        [.. request.Files.Where(f => request.Agents.ContainsKey(f.Container))];
}
