using System.Text;
using k8s.Models;

namespace Kubetest.Runtime.Local;

/// <summary>
/// A container's environment as Kubernetes would build it, computed once per container so that an
/// exec only merges its extra variables.
/// </summary>
internal sealed class ContainerEnvironment
{
    private readonly Dictionary<string, string> _variables;

    private ContainerEnvironment(Dictionary<string, string> declared, Dictionary<string, string> variables, List<string> unavailable)
    {
        Declared = declared;
        _variables = variables;
        Unavailable = unavailable;
    }

    /// <summary>The variables the container's spec declares, for $(VAR) references in command, args and subPathExpr.</summary>
    public IReadOnlyDictionary<string, string> Declared { get; }

    /// <summary>Messages about variables that cannot be set locally; each exec reports them on its stderr.</summary>
    public IReadOnlyList<string> Unavailable { get; }

    public static ContainerEnvironment Create(V1Container container, PodIdentity pod, IReadOnlyDictionary<string, string> baseVariables)
    {
        var declared = new Dictionary<string, string>(StringComparer.Ordinal);
        var unavailable = new List<string>();
        if (container.EnvFrom is { Count: > 0 })
        {
            unavailable.Add($"kubetest: container {container.Name}: envFrom is not available in the local runtime; those variables are not set");
        }

        foreach (var variable in container.Env ?? [])
        {
            if (variable.ValueFrom is null)
            {
                declared[variable.Name] = Expand(variable.Value ?? string.Empty, declared);
            }
            else if (FieldValue(variable.ValueFrom.FieldRef?.FieldPath, pod) is { } value)
            {
                declared[variable.Name] = value;
            }
            else
            {
                unavailable.Add(
                    $"kubetest: container {container.Name}: env {variable.Name} ({Describe(variable.ValueFrom)}) is not available in the local runtime; the variable is not set");
            }
        }

        var variables = new Dictionary<string, string>(baseVariables, StringComparer.Ordinal);
        foreach (var (name, value) in declared)
        {
            variables[name] = value;
        }

        return new ContainerEnvironment(declared, variables, unavailable);
    }

    /// <summary>The environment for one process: the container's plus <paramref name="extra"/>, which wins.</summary>
    public Dictionary<string, string> With(IReadOnlyDictionary<string, string>? extra)
    {
        var result = new Dictionary<string, string>(_variables, StringComparer.Ordinal);
        foreach (var (name, value) in extra ?? new Dictionary<string, string>())
        {
            result[name] = value;
        }

        return result;
    }

    /// <summary>
    /// Kubernetes' $(VAR) expansion: references to defined variables are replaced, "$$" escapes a
    /// "$", and references to undefined variables stay as written.
    /// </summary>
    public static string Expand(string text, IReadOnlyDictionary<string, string> variables)
    {
        if (!text.Contains('$', StringComparison.Ordinal))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '$' || i + 1 >= text.Length)
            {
                result.Append(text[i]);
                continue;
            }

            if (text[i + 1] == '$')
            {
                result.Append('$');
                i++;
                continue;
            }

            var close = text[i + 1] == '(' ? text.IndexOf(')', i + 2) : -1;
            if (close < 0)
            {
                result.Append('$');
                continue;
            }

            var name = text[(i + 2)..close];
            result.Append(variables.TryGetValue(name, out var value) ? value : text[i..(close + 1)]);
            i = close;
        }

        return result.ToString();
    }

    private static string? FieldValue(string? fieldPath, PodIdentity pod)
    {
        switch (fieldPath)
        {
            case null:
                return null;
            case "metadata.name":
                return pod.Name;
            case "metadata.namespace":
                return "default";
            case "metadata.uid":
                return pod.Uid;
            case "status.podIP" or "status.hostIP":
                return "127.0.0.1";
            case "spec.nodeName":
                return Environment.MachineName;
            case "spec.serviceAccountName":
                return pod.ServiceAccountName ?? "default";
        }

        if (LabelOrAnnotation(fieldPath, "metadata.labels", pod.Metadata?.Labels) is { } label)
        {
            return label;
        }

        return LabelOrAnnotation(fieldPath, "metadata.annotations", pod.Metadata?.Annotations);
    }

    private static string? LabelOrAnnotation(string fieldPath, string prefix, IDictionary<string, string>? values)
    {
        if (!fieldPath.StartsWith(prefix + "['", StringComparison.Ordinal) || !fieldPath.EndsWith("']", StringComparison.Ordinal))
        {
            return null;
        }

        var key = fieldPath[(prefix.Length + 2)..^2];
        return values is not null && values.TryGetValue(key, out var value) ? value : string.Empty;
    }

    private static string Describe(V1EnvVarSource source) =>
        source.FieldRef is { } fieldRef ? $"fieldRef {fieldRef.FieldPath}"
        : source.SecretKeyRef is not null ? "secretKeyRef"
        : source.ConfigMapKeyRef is not null ? "configMapKeyRef"
        : source.ResourceFieldRef is not null ? "resourceFieldRef"
        : "valueFrom";
}

/// <summary>The pod facts that downward-API variables can refer to.</summary>
internal sealed record PodIdentity(string Name, string Uid, V1ObjectMeta? Metadata, string? ServiceAccountName);
