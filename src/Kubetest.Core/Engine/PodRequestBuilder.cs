using System.Text.Json;
using k8s;
using k8s.Models;

namespace Kubetest.Engine;

/// <summary>
/// Turns a step's template into the pod to run: key containers expanded as in the original
/// (sidecars first, then <c>&lt;main&gt;&lt;pod&gt;-&lt;i&gt;</c> with the key in its env), the
/// <c>kubetest.io/testjob</c> label and <c>kubetest.io/strategyKeys</c> annotation, and kubetest's
/// own volumes turned into files placed into the containers that mount them.
/// </summary>
public sealed class PodRequestBuilder(string testJobName, Func<KubetestVolumeSource, string> localPathOf)
{
    public const string TestJobLabel = "kubetest.io/testjob";
    public const string StrategyKeysAnnotation = "kubetest.io/strategyKeys";

    /// <summary>A pod that runs the template's main container once.</summary>
    public PodRequest ForStep(TestJobTemplate template, int? ttlSecondsAfterFinished)
    {
        var containers = template.Spec.Containers.Select(c => Clone(c.Container)).ToList();
        return Build(template, containers, [template.MainContainer.Container.Name], null, ttlSecondsAfterFinished);
    }

    /// <summary>
    /// A pod of the key step's plan: one held container per key (per batch with <c>strategy.batch</c>, the key
    /// variable holding its keys joined), plus the template's sidecars.
    /// </summary>
    public PodRequest ForKeys(KeysStep step, PlannedPod pod)
    {
        ArgumentNullException.ThrowIfNull(step);
        var template = step.Template;
        var main = template.MainContainer.Container;
        var containers = template.Sidecars.Select(c => Clone(c.Container)).ToList();
        var held = new List<string>(pod.Keys.Count);
        foreach (var keys in StaticBatches.Containers(pod))
        {
            var container = Clone(main);
            container.Name = step.ContainerOf(keys[0]);
            container.Env = [.. container.Env ?? [], new V1EnvVar { Name = step.KeyEnv, Value = EnvValue(step.KeyText(keys)) }];
            containers.Add(container);
            held.Add(container.Name);
        }

        return Build(template, containers, held, pod.Keys.Select(k => k.Key).ToList(), step.TtlSecondsAfterFinished);
    }

    /// <summary>
    /// A worker pod of a <c>queue</c> mode key step: <paramref name="workers"/> held copies of the main container,
    /// <c>&lt;main&gt;&lt;pod&gt;-&lt;i&gt;</c>, without a key in their env (each exec brings its own), plus the
    /// template's sidecars. Its keys are not known when it starts, so it has no <c>kubetest.io/strategyKeys</c>.
    /// </summary>
    public PodRequest ForWorkers(KeysStep step, int podIndex, int workers)
    {
        ArgumentNullException.ThrowIfNull(step);
        var template = step.Template;
        var containers = template.Sidecars.Select(c => Clone(c.Container)).ToList();
        var held = new List<string>(workers);
        for (var i = 0; i < workers; i++)
        {
            var container = Clone(template.MainContainer.Container);
            container.Name = step.WorkerName(podIndex, i);
            containers.Add(container);
            held.Add(container.Name);
        }

        return Build(template, containers, held, null, step.TtlSecondsAfterFinished);
    }

    /// <summary>
    /// A literal env value: Kubernetes expands <c>$(VAR)</c> in env values and reads <c>$$</c> as
    /// <c>$</c>, so every <c>$</c> is doubled for the key to reach the container unchanged.
    /// </summary>
    public static string EnvValue(string literal) => literal.Replace("$", "$$", StringComparison.Ordinal);

    private PodRequest Build(TestJobTemplate template, List<V1Container> containers, List<string> held, IReadOnlyList<string>? keys, int? ttl)
    {
        var spec = Clone(template.Spec.Pod);
        spec.InitContainers = template.Spec.InitContainers.Count == 0 ? null : template.Spec.InitContainers.Select(c => Clone(c.Container)).ToList();
        if (template.Spec.FinalizerContainer is { } finalizer)
        {
            containers.Add(Clone(finalizer.Container));
            held.Add(finalizer.Container.Name);
        }

        spec.Containers = containers;
        spec.RestartPolicy ??= "Never";
        var ownVolumes = template.Spec.Volumes.Where(v => v.Source is not null).ToDictionary(v => v.Name, StringComparer.Ordinal);
        spec.Volumes = template.Spec.Volumes.Where(v => v.Source is null).Select(v => Clone(v.Volume)).ToList();
        if (spec.Volumes.Count == 0)
        {
            spec.Volumes = null;
        }

        var files = new List<ContainerFile>();
        foreach (var container in (spec.InitContainers ?? []).Concat(spec.Containers))
        {
            var mounts = container.VolumeMounts ?? [];
            foreach (var mount in mounts.Where(m => ownVolumes.ContainsKey(m.Name)).ToList())
            {
                var local = localPathOf(ownVolumes[mount.Name].Source!);
                if (!string.IsNullOrEmpty(mount.SubPath))
                {
                    local = Path.Combine(local, mount.SubPath);
                }

                files.Add(new ContainerFile(container.Name, mount.MountPath, local, mount.ReadOnlyProperty == true));
                mounts.Remove(mount);
            }

            if (mounts.Count == 0)
            {
                container.VolumeMounts = null;
            }
        }

        // Every key container is a copy of the main container, so it runs the main container's agent.
        var agents = new Dictionary<string, AgentSpec>(StringComparer.Ordinal);
        foreach (var name in held)
        {
            var agent = template.Spec.FinalizerContainer is { } f && f.Container.Name == name ? f.Agent : template.MainContainer.Agent;
            if (agent is not null)
            {
                agents[name] = agent;
            }
        }

        return new PodRequest(GenerateName(template), Metadata(template, keys), spec, held, files, ttl) { Agents = agents };
    }

    private string GenerateName(TestJobTemplate template) =>
        template.Metadata.GenerateName ?? (template.Metadata.Name is string name ? $"{name}-" : $"{testJobName}-");

    private static V1ObjectMeta Metadata(TestJobTemplate template, IReadOnlyList<string>? keys)
    {
        var labels = new Dictionary<string, string>(template.Metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [TestJobLabel] = "true",
        };
        var annotations = new Dictionary<string, string>(template.Metadata.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        if (keys is not null)
        {
            annotations[StrategyKeysAnnotation] = JsonSerializer.Serialize(keys);
        }

        return new V1ObjectMeta
        {
            Labels = labels,
            Annotations = annotations.Count == 0 ? null : annotations,
        };
    }

    private static T Clone<T>(T value) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(value));
}
