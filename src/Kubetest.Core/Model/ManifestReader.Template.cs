using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using k8s.Models;

namespace Kubetest.Model;

/// <summary>Pod templates: kubetest's additions are taken out, the rest is read as a <see cref="V1PodSpec"/>.</summary>
internal sealed partial class ManifestReader
{
    private static readonly string[] KubetestVolumeKinds = ["repo", "artifact", "token", "log", "report"];

    private TestJobTemplate? Template(JsonObject? o, string path)
    {
        if (o is null)
        {
            return null;
        }

        r.OnlyKnown(o, path, "metadata", "main", "spec");
        var specPath = NodeReader.Child(path, "spec");
        if (r.Object(o, "spec", path, required: true) is not JsonObject spec)
        {
            return null;
        }

        var rest = (JsonObject)spec.DeepClone();
        foreach (var own in new[] { "containers", "initContainers", "finalizerContainer", "volumes", "artifacts" })
        {
            rest.Remove(own);
        }

        var pod = r.Kubernetes<V1PodSpec>(rest, specPath) ?? new V1PodSpec();
        var containers = r.List(spec, "containers", specPath, Container);
        if (spec["containers"] is null)
        {
            r.Problem(NodeReader.Child(specPath, "containers"), "is required: a step needs at least one container");
        }

        var finalizerPath = NodeReader.Child(specPath, "finalizerContainer");
        var finalizer = spec["finalizerContainer"] is null ? null : Container(spec["finalizerContainer"], finalizerPath);
        return new TestJobTemplate
        {
            Path = path,
            Metadata = r.Kubernetes<V1ObjectMeta>(o["metadata"], NodeReader.Child(path, "metadata")) ?? new V1ObjectMeta(),
            Main = r.String(o, "main", path),
            Spec = new TestJobPodSpec
            {
                Pod = pod,
                Containers = containers,
                InitContainers = r.List(spec, "initContainers", specPath, Container),
                FinalizerContainer = finalizer,
                Volumes = r.List(spec, "volumes", specPath, Volume),
                Artifacts = r.List(spec, "artifacts", specPath, Artifact),
            },
        };
    }

    private TestJobContainer? Container(JsonNode? node, string path)
    {
        if (r.Object(node, path) is not JsonObject o)
        {
            return null;
        }

        AgentSpec? agent = null;
        var rest = (JsonObject)o.DeepClone();
        if (rest.Remove("agent") && r.Object(o, "agent", path) is JsonObject a)
        {
            var agentPath = NodeReader.Child(path, "agent");
            r.OnlyKnown(a, agentPath, "installedPath", "timeout", "allocationStartPort", "excludePorts");
            agent = new AgentSpec(
                r.String(a, "installedPath", agentPath, required: true) ?? "",
                AgentTimeout(a, agentPath),
                (int?)r.Integer(a, "allocationStartPort", agentPath, 1, ushort.MaxValue),
                r.List(a, "excludePorts", agentPath, (n, p) => Port(n, p)).Select(b => b.Value).ToList());
        }

        var container = r.Kubernetes<V1Container>(rest, path);
        if (container is not null && string.IsNullOrEmpty(container.Name))
        {
            r.Problem(NodeReader.Child(path, "name"), "is required");
        }

        return container is null ? null : new TestJobContainer(container, agent);
    }

    /// <summary><c>agent.timeout</c>, checked here in the agent's grammar (the agent gets the text as written), so a mistake fails before any pod starts.</summary>
    private string? AgentTimeout(JsonObject agent, string agentPath)
    {
        var text = r.String(agent, "timeout", agentPath);
        var path = NodeReader.Child(agentPath, "timeout");
        if (text is null)
        {
            return null;
        }

        if (!GoDuration.TryParse(text, out var timeout))
        {
            r.Problem(path, GoDuration.Expected(text));
        }
        else if (timeout > GoDuration.MaxTimerDelay)
        {
            r.Problem(path, GoDuration.AtMost(GoDuration.MaxTimerDelay, text));
        }

        return text;
    }

    private StrongBox<int>? Port(JsonNode? node, string path)
    {
        if (node is JsonValue v && v.TryGetValue<long>(out var n) && n is > 0 and <= ushort.MaxValue)
        {
            return new StrongBox<int>((int)n);
        }

        r.Problem(path, $"expected a port number (1-65535), got {NodeReader.Describe(node)}");
        return null;
    }

    private TestJobVolume? Volume(JsonNode? node, string path)
    {
        if (r.Object(node, path) is not JsonObject o)
        {
            return null;
        }

        var name = r.String(o, "name", path, required: true) ?? "";
        var kinds = KubetestVolumeKinds.Where(k => o[k] is not null).ToList();
        if (kinds.Count == 0)
        {
            var volume = r.Kubernetes<V1Volume>(o, path);
            return volume is null ? null : new TestJobVolume(volume, null);
        }

        var others = o.Select(kv => kv.Key).Where(k => k != "name" && !KubetestVolumeKinds.Contains(k)).ToList();
        if (kinds.Count > 1 || others.Count > 0)
        {
            r.Problem(path, $"must have exactly one volume source, found {string.Join(", ", kinds.Concat(others))}");
            return null;
        }

        var kind = kinds[0];
        var sourcePath = NodeReader.Child(path, kind);
        var source = r.Object(o, kind, path);
        KubetestVolumeSource? parsed = kind switch
        {
            "repo" => source is null ? null : new RepoVolumeSource(r.String(source, "name", sourcePath, required: true) ?? ""),
            "artifact" => source is null ? null : new ArtifactVolumeSource(r.String(source, "name", sourcePath, required: true) ?? ""),
            "token" => source is null ? null : new TokenVolumeSource(r.String(source, "name", sourcePath, required: true) ?? ""),
            "log" => new LogVolumeSource(),
            _ => ReportSource(source, sourcePath),
        };
        return parsed is null
            ? null
            : new TestJobVolume(new V1Volume { Name = name, EmptyDir = new V1EmptyDirVolumeSource() }, parsed);
    }

    private ReportVolumeSource ReportSource(JsonObject? source, string path)
    {
        var format = source is null ? null : r.String(source, "format", path);
        if (format is not null and not "json")
        {
            r.Problem(NodeReader.Child(path, "format"), $"must be json, got \"{format}\"");
        }

        return new ReportVolumeSource(format ?? "json");
    }

    private ArtifactSpec? Artifact(JsonNode? node, string path)
    {
        if (r.Object(node, path) is not JsonObject o)
        {
            return null;
        }

        r.OnlyKnown(o, path, "name", "container");
        var name = r.String(o, "name", path, required: true) ?? "";
        var containerPath = NodeReader.Child(path, "container");
        if (r.Object(o, "container", path, required: true) is not JsonObject c)
        {
            return null;
        }

        r.OnlyKnown(c, containerPath, "name", "path");
        return new ArtifactSpec(name, r.String(c, "name", containerPath, required: true) ?? "", r.String(c, "path", containerPath, required: true) ?? "");
    }
}
