using k8s;
using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>labelSelector and fieldSelector as the API server understands them (the common forms).</summary>
internal sealed class Selector
{
    private readonly List<Func<IDictionary<string, string>?, bool>> _labels = [];
    private readonly List<Func<V1Pod, bool>> _fields = [];

    public static Selector Parse(string? labelSelector, string? fieldSelector)
    {
        var selector = new Selector();
        foreach (var requirement in Split(labelSelector))
        {
            selector._labels.Add(ParseLabel(requirement));
        }

        foreach (var requirement in Split(fieldSelector))
        {
            selector._fields.Add(ParseField(requirement));
        }

        return selector;
    }

    public bool Matches(V1ObjectMeta metadata) => _labels.All(l => l(metadata.Labels));

    public bool Matches(V1Pod pod) => Matches(pod.Metadata) && _fields.All(f => f(pod));

    private static IEnumerable<string> Split(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            yield break;
        }

        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i].Trim();
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..].Trim();
    }

    private static Func<IDictionary<string, string>?, bool> ParseLabel(string requirement)
    {
        string? Value(IDictionary<string, string>? labels, string key) =>
            labels is not null && labels.TryGetValue(key, out var v) ? v : null;

        var words = requirement.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 3 && words[1] is "in" or "notin")
        {
            var set = words[2].Trim('(', ')').Split(',', StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            var key = words[0];
            return words[1] == "in"
                ? labels => Value(labels, key) is { } v && set.Contains(v)
                : labels => Value(labels, key) is not { } v || !set.Contains(v);
        }

        if (TrySplit(requirement, "!=", out var k1, out var v1))
        {
            return labels => Value(labels, k1) != v1;
        }

        if (TrySplit(requirement, "==", out var k2, out var v2) || TrySplit(requirement, "=", out k2, out v2))
        {
            return labels => Value(labels, k2) == v2;
        }

        if (requirement.StartsWith('!'))
        {
            var key = requirement[1..].Trim();
            return labels => Value(labels, key) is null;
        }

        if (requirement.Length > 0 && !requirement.Contains(' ', StringComparison.Ordinal))
        {
            return labels => Value(labels, requirement) is not null;
        }

        throw Statuses.BadRequest($"unable to parse requirement: {requirement}");
    }

    /// <summary>A fieldSelector over objects of a kind; <paramref name="field"/> gives the getter of a supported field, null for the others.</summary>
    public static Func<T, bool> Fields<T>(string? fieldSelector, Func<string, Func<T, string?>?> field)
    {
        var requirements = Split(fieldSelector).Select(r => ParseField(r, field)).ToList();
        return item => requirements.All(r => r(item));
    }

    /// <summary>The fields every kind supports.</summary>
    public static Func<T, string?>? MetadataField<T>(string field)
        where T : IMetadata<V1ObjectMeta> => field switch
        {
            "metadata.name" => o => o.Metadata.Name,
            "metadata.namespace" => o => o.Metadata.NamespaceProperty,
            _ => null,
        };

    private static Func<V1Pod, bool> ParseField(string requirement) => ParseField<V1Pod>(requirement, field => field switch
    {
        "status.phase" => p => p.Status?.Phase,
        "spec.nodeName" => p => p.Spec?.NodeName,
        _ => MetadataField<V1Pod>(field),
    });

    private static Func<T, bool> ParseField<T>(string requirement, Func<string, Func<T, string?>?> fields)
    {
        var negate = TrySplit(requirement, "!=", out var field, out var value);
        if (!negate && !TrySplit(requirement, "==", out field, out value) && !TrySplit(requirement, "=", out field, out value))
        {
            throw Statuses.BadRequest($"invalid field selector: {requirement}");
        }

        var get = fields(field) ?? throw Statuses.BadRequest($"field label not supported: {field}");
        // A field the object does not have reads as empty, as on the API server.
        return negate ? o => (get(o) ?? string.Empty) != value : o => (get(o) ?? string.Empty) == value;
    }

    private static bool TrySplit(string text, string op, out string key, out string value)
    {
        var at = text.IndexOf(op, StringComparison.Ordinal);
        if (at <= 0)
        {
            key = value = string.Empty;
            return false;
        }

        key = text[..at].Trim();
        value = text[(at + op.Length)..].Trim();
        return true;
    }
}
