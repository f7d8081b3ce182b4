using System.Text.RegularExpressions;
using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>The checks the API server makes on create that a kubetest manifest could trip over.</summary>
internal static partial class Validation
{
    private const string Dns1123LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    private const string Dns1123SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    public static void Job(V1Job job)
    {
        var causes = new List<V1StatusCause>();
        ObjectName(job.Metadata, causes);
        var spec = job.Spec?.Template?.Spec;
        if (spec is null)
        {
            causes.Add(Required("spec.template.spec"));
        }
        else
        {
            if (spec.RestartPolicy is not ("Never" or "OnFailure"))
            {
                causes.Add(new V1StatusCause
                {
                    Field = "spec.template.spec.restartPolicy",
                    Reason = spec.RestartPolicy is null ? "FieldValueRequired" : "FieldValueNotSupported",
                    Message = spec.RestartPolicy is null ? "Required value: valid values: \"OnFailure\", \"Never\"" : $"Unsupported value: \"{spec.RestartPolicy}\": supported values: \"OnFailure\", \"Never\"",
                });
            }

            PodSpec(spec, "spec.template.spec", causes);
        }

        if (causes.Count > 0)
        {
            throw Statuses.Invalid("Job", job.Metadata?.Name ?? job.Metadata?.GenerateName ?? string.Empty, causes, "batch");
        }
    }

    public static void Secret(V1Secret secret)
    {
        var causes = new List<V1StatusCause>();
        ObjectName(secret.Metadata, causes);
        if (causes.Count > 0)
        {
            throw Statuses.Invalid("Secret", secret.Metadata?.Name ?? string.Empty, causes);
        }
    }

    /// <summary>The API server's checks of metadata.name, for objects without a typed model (custom resources).</summary>
    public static List<V1StatusCause> ObjectName(string? name, string? generateName)
    {
        var causes = new List<V1StatusCause>();
        ObjectName(new V1ObjectMeta { Name = name, GenerateName = generateName }, causes);
        return causes;
    }

    private static void ObjectName(V1ObjectMeta? metadata, List<V1StatusCause> causes)
    {
        var name = metadata?.Name;
        if (string.IsNullOrEmpty(name))
        {
            if (string.IsNullOrEmpty(metadata?.GenerateName))
            {
                causes.Add(Required("metadata.name", "name or generateName is required"));
            }

            return;
        }

        Subdomain(name, "metadata.name", causes);
    }

    private static void PodSpec(V1PodSpec spec, string path, List<V1StatusCause> causes)
    {
        var volumes = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (spec.Volumes?.Count ?? 0); i++)
        {
            var volume = spec.Volumes![i];
            var field = $"{path}.volumes[{i}].name";
            if (Label(volume.Name, field, causes) && !volumes.Add(volume.Name))
            {
                causes.Add(Duplicate(field, volume.Name));
            }
        }

        if (spec.Containers is not { Count: > 0 })
        {
            causes.Add(Required($"{path}.containers"));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        Containers(spec.InitContainers, $"{path}.initContainers", volumes, names, causes);
        Containers(spec.Containers, $"{path}.containers", volumes, names, causes);
    }

    private static void Containers(IList<V1Container>? containers, string path, HashSet<string> volumes, HashSet<string> names, List<V1StatusCause> causes)
    {
        for (var i = 0; i < (containers?.Count ?? 0); i++)
        {
            var container = containers![i];
            var field = $"{path}[{i}]";
            if (Label(container.Name, field + ".name", causes) && !names.Add(container.Name))
            {
                causes.Add(Duplicate(field + ".name", container.Name));
            }

            if (string.IsNullOrEmpty(container.Image))
            {
                causes.Add(Required(field + ".image"));
            }

            for (var m = 0; m < (container.VolumeMounts?.Count ?? 0); m++)
            {
                var mount = container.VolumeMounts![m];
                if (!volumes.Contains(mount.Name ?? string.Empty))
                {
                    causes.Add(new V1StatusCause { Field = $"{field}.volumeMounts[{m}].name", Reason = "FieldValueNotFound", Message = $"Not found: \"{mount.Name}\"" });
                }

                if (string.IsNullOrEmpty(mount.MountPath))
                {
                    causes.Add(Required($"{field}.volumeMounts[{m}].mountPath"));
                }
            }
        }
    }

    private static bool Label(string? value, string field, List<V1StatusCause> causes)
    {
        if (string.IsNullOrEmpty(value))
        {
            causes.Add(Required(field));
            return false;
        }

        var ok = true;
        if (value.Length > 63)
        {
            causes.Add(Invalid(field, value, "must be no more than 63 characters"));
            ok = false;
        }

        if (!Dns1123Label().IsMatch(value))
        {
            causes.Add(Invalid(field, value, Dns1123LabelMessage));
            ok = false;
        }

        return ok;
    }

    private static void Subdomain(string value, string field, List<V1StatusCause> causes)
    {
        if (value.Length > 253)
        {
            causes.Add(Invalid(field, value, "must be no more than 253 characters"));
        }

        if (!Dns1123Subdomain().IsMatch(value))
        {
            causes.Add(Invalid(field, value, Dns1123SubdomainMessage));
        }
    }

    private static V1StatusCause Required(string field, string? detail = null) =>
        new() { Field = field, Reason = "FieldValueRequired", Message = "Required value" + (detail is null ? string.Empty : ": " + detail) };

    private static V1StatusCause Duplicate(string field, string value) =>
        new() { Field = field, Reason = "FieldValueDuplicate", Message = $"Duplicate value: \"{value}\"" };

    private static V1StatusCause Invalid(string field, string value, string detail) =>
        new() { Field = field, Reason = "FieldValueInvalid", Message = $"Invalid value: \"{value}\": {detail}" };
}
