using System.Text.Json.Nodes;
using k8s.Models;
using static Kubetest.Model.FieldSchemas;

namespace Kubetest.Model;

/// <summary>Steps and their pod template (see <see cref="ManifestFields"/>).</summary>
internal static class TemplateFields
{
    public static readonly FieldSet Agent = new("agent", typeof(AgentSpec),
        Field("installedPath", String(), "Where the kubetest agent binary is in the container's image.", required: true),
        Field("timeout", Duration(), "How long the agent waits for kubetest before it gives up."),
        Field("allocationStartPort", Port(), "The first port the agent may listen on."),
        Field("excludePorts", new ListShape(Port()), "Ports the agent must not listen on."));

    public static readonly FieldSet ContainerAdditions = new("container", typeof(TestJobContainer),
        Field("agent", new ObjectShape(Agent), "Runs the container's commands through the kubetest agent."));

    public static readonly FieldSet RepoVolume = new("repo", typeof(RepoVolumeSource), SourceName(nameof(RepoVolumeSource.RepoName)));

    public static readonly FieldSet ArtifactVolume = new("artifact", typeof(ArtifactVolumeSource), SourceName(nameof(ArtifactVolumeSource.ArtifactName)));

    public static readonly FieldSet TokenVolume = new("token", typeof(TokenVolumeSource), SourceName(nameof(TokenVolumeSource.TokenName)));

    public static readonly FieldSet LogVolume = new("log", typeof(LogVolumeSource));

    public static readonly FieldSet ReportVolume = new("report", typeof(ReportVolumeSource),
        Field("format", new ValueShape(new JsonObject { ["enum"] = new JsonArray("json") }), "The report's format.", @default: "json"));

    /// <summary>kubetest's own volume kinds; a volume has one of these or one of Kubernetes'.</summary>
    public static readonly FieldSet VolumeAdditions = new("volume", typeof(TestJobVolume),
        Field("repo", new ObjectShape(RepoVolume), "Holds a repository of `repos`.", property: nameof(TestJobVolume.Source)),
        Field("artifact", new ObjectShape(ArtifactVolume), "Holds an artifact of an earlier step.", property: nameof(TestJobVolume.Source)),
        Field("token", new ObjectShape(TokenVolume), "Holds a token of `tokens`.", property: nameof(TestJobVolume.Source)),
        Field("log", new ObjectShape(LogVolume), "Holds the run's log.", property: nameof(TestJobVolume.Source)),
        Field("report", new ObjectShape(ReportVolume), "Holds the run's report.", property: nameof(TestJobVolume.Source)));

    public static readonly FieldSet ArtifactContainer = new("container", null,
        Field("name", String(), "The container the artifact is taken from.", required: true, property: nameof(ArtifactSpec.ContainerName)),
        Field("path", String(), "The artifact's path in that container.", required: true));

    public static readonly FieldSet Artifact = new("artifacts item", typeof(ArtifactSpec),
        Field("name", String(), "The name volumes and exportArtifacts refer to the artifact by.", required: true),
        Field("container", new ObjectShape(ArtifactContainer), "Where the artifact is.", required: true));

    private static readonly KubernetesShape Container = new(typeof(V1Container), ContainerAdditions, "TestJobContainer");

    /// <summary>kubetest's own fields of a pod spec; the rest of it is Kubernetes'.</summary>
    public static readonly FieldSet PodSpecAdditions = new("pod spec", typeof(TestJobPodSpec),
        Field("containers", new ListShape(Container), "The step's containers.", required: true),
        Field("initContainers", new ListShape(Container), "Containers that run before them."),
        Field("finalizerContainer", Container, "A container that runs after the step, whatever its result."),
        Field("volumes", new ListShape(new KubernetesShape(typeof(V1Volume), VolumeAdditions, "TestJobVolume")), "The pod's volumes, Kubernetes' or kubetest's own."),
        Field("artifacts", new ListShape(new ObjectShape(Artifact)), "Files or folders the step leaves for later steps."));

    public static readonly FieldSet Template = new("template", typeof(TestJobTemplate),
        Field("metadata", new KubernetesShape(typeof(V1ObjectMeta)), "The pod's metadata."),
        Field("main", String(), "The container that runs the step's command, when there are several.", @default: "the only container"),
        Field("spec", new KubernetesShape(typeof(V1PodSpec), PodSpecAdditions), "The pod spec, with kubetest's additions.", required: true));

    public static readonly FieldSet Step = new("step", typeof(Model.Step),
        Field("name", String(), "The step's name.", required: true),
        Field("ttlSecondsAfterFinished", Integer(0), "How long the step's pod is kept after it finished."),
        Field("template", new ObjectShape(Template), "The step's pod.", required: true));

    private static ManifestField SourceName(string property) =>
        Field("name", String(), "The name of the repository, artifact or token the volume holds.", required: true, property: property);
}
