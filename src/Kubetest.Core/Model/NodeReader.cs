using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace Kubetest.Model;

/// <summary>
/// Typed reads from the manifest tree that record a problem (path, line, what was expected)
/// instead of throwing, so one pass reports every mistake.
/// </summary>
internal sealed partial class NodeReader(YamlTree tree)
{
    public List<ManifestProblem> Problems { get; } = [];

    public List<ManifestProblem> Warnings { get; } = [];

    public void Problem(string path, string message) => Problems.Add(new ManifestProblem(path, tree.LineOf(path), message));

    public static string Child(string path, string key) => string.IsNullOrEmpty(path) ? key : $"{path}.{key}";

    public JsonObject? Object(JsonNode? node, string path, bool required = false)
    {
        switch (node)
        {
            case JsonObject o:
                return o;
            case null when required:
                Problem(path, "is required");
                return null;
            case null:
                return null;
            default:
                Problem(path, $"expected an object, got {Describe(node)}");
                return null;
        }
    }

    public JsonObject? Object(JsonObject parent, string key, string path, bool required = false) =>
        Object(parent[key], Child(path, key), required);

    public string? String(JsonObject parent, string key, string path, bool required = false)
    {
        var childPath = Child(path, key);
        return String(parent[key], childPath, required);
    }

    public string? String(JsonNode? node, string path, bool required = false)
    {
        switch (node)
        {
            case null when required:
                Problem(path, "is required");
                return null;
            case null:
                return null;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                var s = v.GetValue<string>();
                if (required && s.Length == 0)
                {
                    Problem(path, "must not be empty");
                }

                return s;
            case JsonValue:
                // An unquoted number or boolean where text is expected: take it as written.
                return tree.PlainText(path) ?? node.ToJsonString();
            default:
                Problem(path, $"expected a string, got {Describe(node)}");
                return null;
        }
    }

    public long? Integer(JsonObject parent, string key, string path, long min = long.MinValue, long max = long.MaxValue)
    {
        var node = parent[key];
        var childPath = Child(path, key);
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n))
        {
            if (n < min || n > max)
            {
                Problem(childPath, max == long.MaxValue ? $"must be at least {min}, got {n}" : $"must be between {min} and {max}, got {n}");
                return null;
            }

            return n;
        }

        Problem(childPath, $"expected an integer, got {Describe(node)}");
        return null;
    }

    public bool Boolean(JsonObject parent, string key, string path)
    {
        var node = parent[key];
        if (node is null)
        {
            return false;
        }

        if (node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return v.GetValue<bool>();
        }

        Problem(Child(path, key), $"expected true or false, got {Describe(node)}");
        return false;
    }

    public List<T> List<T>(JsonObject parent, string key, string path, Func<JsonNode?, string, T?> item)
        where T : class
    {
        var node = parent[key];
        var childPath = Child(path, key);
        var result = new List<T>();
        if (node is null)
        {
            return result;
        }

        if (node is not JsonArray array)
        {
            Problem(childPath, $"expected a list, got {Describe(node)}");
            return result;
        }

        for (var i = 0; i < array.Count; i++)
        {
            if (item(array[i], $"{childPath}[{i}]") is T value)
            {
                result.Add(value);
            }
        }

        return result;
    }

    public Dictionary<string, string> StringMap(JsonObject parent, string key, string path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Object(parent, key, path) is not JsonObject map)
        {
            return result;
        }

        foreach (var (k, v) in map)
        {
            if (String(v, Child(Child(path, key), k)) is string s)
            {
                result[k] = s;
            }
        }

        return result;
    }

    /// <summary>
    /// Reads a subtree as an official Kubernetes model type, so every Kubernetes field passes
    /// through; a field the model does not have is a warning with its path and line.
    /// </summary>
    public T? Kubernetes<T>(JsonNode? node, string path)
        where T : class
    {
        if (node is null)
        {
            return null;
        }

        try
        {
            var value = KubernetesJson.Deserialize<T>(node.ToJsonString());

            // The serializer drops what the model has no property for: a typo would vanish unnoticed.
            foreach (var unknown in KubernetesFields.Unknown(node, typeof(T), path))
            {
                Unknown(unknown.Path, unknown.Name, $"a Kubernetes {unknown.Owner.Name[2..]}", unknown.Known, $"unknown field in a Kubernetes {unknown.Owner.Name[2..]}, ignored");
            }

            return value;
        }
        catch (JsonException ex)
        {
            var inner = ex.Path is { Length: > 1 } p ? path + (p[1] == '[' ? p[1..] : "." + p[2..]) : path;
            Problem(inner, $"has the wrong type for a Kubernetes {typeof(T).Name[2..]}: {FirstSentence(ex.Message)}");
            return null;
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or NotSupportedException or ArgumentException or OverflowException)
        {
            // The client's converters throw these for values of the wrong kind (a boolean where
            // IntOrString or a quantity is expected): the user's mistake, not ours. System.Text.Json
            // names the field only inside its message.
            var field = JsonPathInMessage().Match(ex.Message);
            var inner = field.Success ? path + (field.Groups[1].Value.StartsWith('[') ? field.Groups[1].Value : "." + field.Groups[1].Value) : path;
            var type = TypeInMessage().Match(ex.Message);
            Problem(inner, type.Success
                ? $"has the wrong type for a Kubernetes {typeof(T).Name[2..]}: expected a value of type {type.Groups[1].Value.Split('.')[^1]}"
                : $"is not a valid Kubernetes {typeof(T).Name[2..]}: {FirstSentence(ex.Message)}");
            return null;
        }
    }

    /// <summary>Warns about fields kubetest does not know, where a typo would otherwise be silently ignored.</summary>
    public void OnlyKnown(JsonObject obj, string path, params string[] known)
    {
        foreach (var (key, _) in obj)
        {
            if (Array.IndexOf(known, key) < 0)
            {
                Unknown(Child(path, key), key, KubetestObject(path), known.Where(k => !obj.ContainsKey(k)), "unknown field, ignored");
            }
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"Path: \$\.?([^ |]+)")]
    private static partial System.Text.RegularExpressions.Regex JsonPathInMessage();

    [System.Text.RegularExpressions.GeneratedRegex(@"on type '([^']+)'")]
    private static partial System.Text.RegularExpressions.Regex TypeInMessage();

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    public static string Describe(JsonNode? node) => node switch
    {
        null => "nothing",
        JsonObject => "an object",
        JsonArray => "a list",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => $"the string \"{v.GetValue<string>()}\"",
            JsonValueKind.Number => $"the number {v.ToJsonString()}",
            JsonValueKind.True or JsonValueKind.False => $"the boolean {v.ToJsonString()}",
            _ => v.ToJsonString(),
        },
        _ => node.ToJsonString(),
    };
}
