using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using k8s.Models;

namespace Kubetest.Model;

/// <summary>Pod templates: kubetest's additions are taken out, the rest is read as a <see cref="V1PodSpec"/>.</summary>
internal sealed partial class ManifestReader
{
    private TestJobTemplate? Template(JsonObject? o, string path)
    {
        var f = TemplateFields.Template;
        if (o is null || r.KnownWithChild(o, path, f, "spec") is not ({ } spec, { } specPath))
        {
            return null;
        }

        var own = TemplateFields.PodSpecAdditions;
        var rest = (JsonObject)spec.DeepClone();
        foreach (var name in own.Names)
        {
            rest.Remove(name);
        }

        var pod = r.Kubernetes<V1PodSpec>(rest, specPath) ?? new V1PodSpec();
        var containers = r.List(spec, own["containers"], specPath, Container);
        if (spec[own["containers"].Name] is null)
        {
            r.Problem(NodeReader.Child(specPath, own["containers"].Name), "is required: a step needs at least one container");
        }

        var finalizerNode = spec[own["finalizerContainer"].Name];
        var finalizer = finalizerNode is null ? null : Container(finalizerNode, NodeReader.Child(specPath, own["finalizerContainer"].Name));
        return new TestJobTemplate
        {
            Path = path,
            Metadata = r.Kubernetes<V1ObjectMeta>(o[f["metadata"].Name], NodeReader.Child(path, f["metadata"].Name)) ?? new V1ObjectMeta(),
            Main = r.String(o, f["main"], path),
            Spec = new TestJobPodSpec
            {
                Pod = pod,
                Containers = containers,
                InitContainers = r.List(spec, own["initContainers"], specPath, Container),
                FinalizerContainer = finalizer,
                Volumes = r.List(spec, own["volumes"], specPath, Volume),
                Artifacts = r.List(spec, own["artifacts"], specPath, Artifact),
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
        var field = TemplateFields.ContainerAdditions["agent"];
        if (rest.Remove(field.Name) && r.Object(o, field, path) is JsonObject a)
        {
            var f = TemplateFields.Agent;
            var agentPath = NodeReader.Child(path, field.Name);
            r.OnlyKnown(a, agentPath, f);
            agent = new AgentSpec(
                r.String(a, f["installedPath"], agentPath) ?? "",
                AgentTimeout(a, agentPath),
                (int?)r.Integer(a, f["allocationStartPort"], agentPath, 1, ushort.MaxValue),
                r.List(a, f["excludePorts"], agentPath, (n, p) => Port(n, p)).Select(b => b.Value).ToList());
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
        var field = TemplateFields.Agent["timeout"];
        var text = r.String(agent, field, agentPath);
        var path = NodeReader.Child(agentPath, field.Name);
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

        // The volume's name is Kubernetes' own field; kubetest's kinds stand in for its source.
        var name = r.String(o, "name", path, required: true) ?? "";
        var own = TemplateFields.VolumeAdditions.Names;
        var kinds = own.Where(k => o[k] is not null).ToList();
        if (kinds.Count == 0)
        {
            var volume = r.Kubernetes<V1Volume>(o, path);
            return volume is null ? null : new TestJobVolume(volume, null);
        }

        var others = o.Select(kv => kv.Key).Where(k => k != "name" && !own.Contains(k)).ToList();
        if (kinds.Count > 1 || others.Count > 0)
        {
            r.Problem(path, $"must have exactly one volume source, found {string.Join(", ", kinds.Concat(others))}");
            return null;
        }

        var kind = kinds[0];
        var sourcePath = NodeReader.Child(path, kind);
        var source = r.Object(o, kind, path);
        // Unknown keys inside these sources were never warned about; kept so.
        string SourceName(FieldSet set) => r.String(source!, set["name"], sourcePath) ?? "";
        KubetestVolumeSource? parsed = kind switch
        {
            "repo" => source is null ? null : new RepoVolumeSource(SourceName(TemplateFields.RepoVolume)),
            "artifact" => source is null ? null : new ArtifactVolumeSource(SourceName(TemplateFields.ArtifactVolume)),
            "token" => source is null ? null : new TokenVolumeSource(SourceName(TemplateFields.TokenVolume)),
            "log" => new LogVolumeSource(),
            _ => ReportSource(source, sourcePath),
        };
        return parsed is null
            ? null
            : new TestJobVolume(new V1Volume { Name = name, EmptyDir = new V1EmptyDirVolumeSource() }, parsed);
    }

    private ReportVolumeSource ReportSource(JsonObject? source, string path)
    {
        var field = TemplateFields.ReportVolume["format"];
        var format = source is null ? null : r.String(source, field, path);
        if (format is not null and not "json")
        {
            r.Problem(NodeReader.Child(path, field.Name), $"must be json, got \"{format}\"");
        }

        return new ReportVolumeSource(format ?? "json");
    }

    private ArtifactSpec? Artifact(JsonNode? node, string path)
    {
        if (r.Object(node, path) is not JsonObject o)
        {
            return null;
        }

        var f = TemplateFields.Artifact;
        r.OnlyKnown(o, path, f);
        var name = r.String(o, f["name"], path) ?? "";
        var containerPath = NodeReader.Child(path, f["container"].Name);
        if (r.Object(o, f["container"], path) is not JsonObject c)
        {
            return null;
        }

        var cf = TemplateFields.ArtifactContainer;
        r.OnlyKnown(c, containerPath, cf);
        return new ArtifactSpec(name, r.String(c, cf["name"], containerPath) ?? "", r.String(c, cf["path"], containerPath) ?? "");
    }
}
