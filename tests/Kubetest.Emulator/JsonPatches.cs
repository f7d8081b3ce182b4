using System.Text.Json.Nodes;

namespace Kubetest.Emulator;

/// <summary>JSON merge patch (RFC 7386) and JSON patch (RFC 6902), the patch types the API server takes for custom resources.</summary>
internal static class JsonPatches
{
    public const string Merge = "application/merge-patch+json";
    public const string Json = "application/json-patch+json";

    public static JsonNode? ApplyMerge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject changes)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? [];
        foreach (var (name, value) in changes)
        {
            if (value is null)
            {
                result.Remove(name);
                continue;
            }

            var merged = ApplyMerge(result[name], value);
            result.Remove(name);
            result[name] = merged;
        }

        return result;
    }

    /// <summary>Applies the operations in order to <paramref name="target"/> (changed in place); a failed operation is the API server's 422.</summary>
    public static JsonNode? ApplyJson(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonArray operations)
        {
            throw Statuses.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        }

        foreach (var operation in operations)
        {
            var op = Text(operation, "op");
            var path = Text(operation, "path");
            switch (op)
            {
                case "add":
                    target = Add(target, path, Value(operation));
                    break;
                case "remove":
                    target = Remove(target, path, out _);
                    break;
                case "replace":
                    target = Remove(target, path, out _);
                    target = Add(target, path, Value(operation));
                    break;
                case "move":
                    target = Remove(target, Text(operation, "from"), out var moved);
                    target = Add(target, path, moved);
                    break;
                case "copy":
                    target = Add(target, path, Find(target, Text(operation, "from"))?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Find(target, path), Value(operation)))
                    {
                        throw Failed($"testing value {path} failed: test failed");
                    }

                    break;
                default:
                    throw Statuses.BadRequest($"Unexpected kind: {op}");
            }
        }

        return target;
    }

    private static string Text(JsonNode? operation, string name) =>
        operation?[name] is JsonValue v && v.TryGetValue<string>(out var text) ? text : throw Statuses.BadRequest($"the patch operation has no \"{name}\"");

    private static JsonNode? Value(JsonNode? operation) =>
        operation is JsonObject o && o.TryGetPropertyValue("value", out var value) ? value?.DeepClone() : throw Statuses.BadRequest("the patch operation has no \"value\"");

    private static StatusException Failed(string message) => new(Statuses.Failure(422, "Invalid", message));

    private static List<string> Pointer(string path)
    {
        if (path.Length == 0)
        {
            return [];
        }

        if (path[0] != '/')
        {
            throw Statuses.BadRequest($"invalid JSON pointer \"{path}\"");
        }

        return path[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
    }

    private static JsonNode? Find(JsonNode? node, string path) => Find(node, Pointer(path), path);

    private static JsonNode? Find(JsonNode? node, IEnumerable<string> tokens, string path)
    {
        foreach (var token in tokens)
        {
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(token, out var child) => child,
                JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw Failed($"jsonpatch: path {path} does not exist: missing value"),
            };
        }

        return node;
    }

    private static JsonNode? Add(JsonNode? target, string path, JsonNode? value)
    {
        var tokens = Pointer(path);
        if (tokens.Count == 0)
        {
            return value;
        }

        var parent = Find(target, tokens[..^1], path);
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o:
                o.Remove(last);
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw Failed($"jsonpatch add operation does not apply: doc is missing path: \"{path}\": missing value");
        }

        return target;
    }

    private static JsonNode? Remove(JsonNode? target, string path, out JsonNode? removed)
    {
        var tokens = Pointer(path);
        if (tokens.Count == 0)
        {
            removed = target;
            return null;
        }

        var parent = Find(target, tokens[..^1], path);
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o when o.TryGetPropertyValue(last, out var child):
                o.Remove(last);
                removed = child;
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count:
                removed = a[i];
                a.RemoveAt(i);
                break;
            default:
                throw Failed($"jsonpatch remove operation does not apply: doc is missing path: \"{path}\": missing value");
        }

        return target;
    }
}
