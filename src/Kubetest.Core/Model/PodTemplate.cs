using k8s.Models;

namespace Kubetest.Model;

/// <summary>The pod template of a step: metadata, the main container's name, and the pod spec.</summary>
public sealed class TestJobTemplate
{
    public required V1ObjectMeta Metadata { get; init; }

    public string? Main { get; init; }

    public required TestJobPodSpec Spec { get; init; }

    /// <summary>Field path of this template in the manifest, for messages.</summary>
    public required string Path { get; init; }

    /// <summary>The container that runs the step's command (the only one, or the one named by <see cref="Main"/>).</summary>
    public TestJobContainer MainContainer =>
        Spec.Containers.Count == 1
            ? Spec.Containers[0]
            : Spec.Containers.First(c => c.Container.Name == Main);

    public IEnumerable<TestJobContainer> Sidecars =>
        Spec.Containers.Where(c => !ReferenceEquals(c, MainContainer));
}

/// <summary>
/// A pod spec plus kubetest's additions. <see cref="Pod"/> carries every other PodSpec field
/// untouched; containers and volumes live in the lists here, with their kubetest extras.
/// </summary>
public sealed class TestJobPodSpec
{
    public required V1PodSpec Pod { get; init; }

    public IReadOnlyList<TestJobContainer> InitContainers { get; init; } = [];

    public required IReadOnlyList<TestJobContainer> Containers { get; init; }

    public TestJobContainer? FinalizerContainer { get; init; }

    public IReadOnlyList<TestJobVolume> Volumes { get; init; } = [];

    public IReadOnlyList<ArtifactSpec> Artifacts { get; init; } = [];
}

public sealed record TestJobContainer(V1Container Container, AgentSpec? Agent);

public sealed record AgentSpec(string InstalledPath, string? Timeout, int? AllocationStartPort, IReadOnlyList<int> ExcludePorts);

public sealed record ArtifactSpec(string Name, string ContainerName, string Path);

/// <summary>
/// A volume of the pod. <see cref="Volume"/> is what Kubernetes sees (an emptyDir for kubetest's
/// own kinds); <see cref="Source"/> says what kubetest puts into it, or null for a normal volume.
/// </summary>
public sealed record TestJobVolume(V1Volume Volume, KubetestVolumeSource? Source)
{
    public string Name => Volume.Name;
}

public abstract record KubetestVolumeSource;

public sealed record RepoVolumeSource(string RepoName) : KubetestVolumeSource;

public sealed record ArtifactVolumeSource(string ArtifactName) : KubetestVolumeSource;

public sealed record TokenVolumeSource(string TokenName) : KubetestVolumeSource;

public sealed record LogVolumeSource : KubetestVolumeSource;

public sealed record ReportVolumeSource(string Format) : KubetestVolumeSource;
