using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kubetest.Model;

/// <summary>
/// Turns a JSON Schema written for editors (<see cref="ManifestSchema"/>) into a Kubernetes structural schema
/// for a CRD's <c>openAPIV3Schema</c>: every node typed (or int-or-string, or any value), no <c>$ref</c>, no
/// <c>additionalProperties: false</c> (the API server prunes unknown fields instead), <c>oneOf</c> only as a
/// value validation. What a structural schema cannot say is left to kubetest's own validation, which a run does
/// anyway; a keyword this does not know is a bug here, not something to pass on unchecked.
/// </summary>
public static class StructuralSchema
{
    public const string PreserveUnknownFields = "x-kubernetes-preserve-unknown-fields";

    public const string IntOrString = "x-kubernetes-int-or-string";

    private const string IntOrStringType = "int-or-string";

    private static readonly HashSet<string> Copied =
        ["format", "required", "minimum", "maximum", "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "description"];

    public static JsonObject Convert(JsonNode? schema)
    {
        if (schema is not JsonObject node)
        {
            throw new ArgumentException($"a schema node must be an object, got {schema?.ToJsonString() ?? "null"}", nameof(schema));
        }

        // A Kubernetes model type (metadata, a container): kept whole by the API server, checked when kubetest loads it.
        if (node.ContainsKey("$ref"))
        {
            return OpenObject();
        }

        if ((node["oneOf"] ?? node["anyOf"]) is JsonArray choices)
        {
            return Choice(node, node.ContainsKey("oneOf") ? "oneOf" : "anyOf", choices);
        }

        var type = Type(node);
        if (type is null)
        {
            return AnyValue(node); // several types no structural schema allows side by side
        }

        var result = type == IntOrStringType ? new JsonObject { [IntOrString] = true } : new JsonObject { ["type"] = type };
        foreach (var (key, value) in node)
        {
            Keyword(result, key, value);
        }

        if (type == "object" && !result.ContainsKey("properties") && !result.ContainsKey("additionalProperties"))
        {
            result[PreserveUnknownFields] = true; // an object left open: without this, pruning would empty it
        }

        return result;
    }

    private static void Keyword(JsonObject result, string key, JsonNode? value)
    {
        switch (key)
        {
            case "type" or "$schema" or "$defs" or "title":
                break;
            case "const":
                result["enum"] = new JsonArray(value!.DeepClone());
                break;
            case "enum":
                result["enum"] = new JsonArray([.. value!.AsArray().Where(v => v is not null).Select(v => v!.DeepClone())]); // null is pruned
                break;
            case "properties":
                result["properties"] = new JsonObject(value!.AsObject().Select(p => KeyValuePair.Create(p.Key, (JsonNode?)Convert(p.Value))));
                break;
            case "items":
                result["items"] = Convert(value);
                break;
            case "additionalProperties" when value is JsonObject map:
                result["additionalProperties"] = Convert(map);
                break;
            case "additionalProperties" when value!.GetValueKind() == JsonValueKind.False:
                break; // the API server prunes unknown fields; kubetest warns about them
            case "exclusiveMinimum" or "exclusiveMaximum":
                result[key == "exclusiveMinimum" ? "minimum" : "maximum"] = value!.DeepClone();
                result[key] = true; // OpenAPI v3.0 (draft 4) spells an exclusive bound as the bound and a flag
                break;
            case var copied when Copied.Contains(copied) || copied.StartsWith("x-kubernetes-", StringComparison.Ordinal):
                result[key] = value!.DeepClone();
                break;
            default:
                throw new InvalidOperationException($"the structural schema writer does not know the keyword `{key}` (in {result.ToJsonString()})");
        }
    }

    /// <summary>
    /// The single type a node keeps: <c>null</c> is dropped (the API server prunes null fields), integer or string is
    /// int-or-string, and a string that YAML may read as a number or boolean (a branch 1.10) is a string: a resource
    /// keeps JSON values, not the text as written, so there it must be quoted.
    /// </summary>
    private static string? Type(JsonObject node)
    {
        var types = node["type"] switch
        {
            JsonArray list => [.. list.Select(t => t!.GetValue<string>()).Where(t => t != "null")],
            JsonValue one => [one.GetValue<string>()],
            _ => Inferred(node),
        };
        return types switch
        {
            [var only] => only,
            _ when types.Contains("string") && types.Except(["string", "integer", "number"]).Any() => "string",
            _ when types.Contains("string") && types.Count == 2 => IntOrStringType,
            _ => null,
        };
    }

    private static List<string> Inferred(JsonObject node) =>
        (node["enum"] as JsonArray ?? (node["const"] is { } c ? new JsonArray(c.DeepClone()) : null)) is { } values
            ? [.. values.OfType<JsonNode>().Select(v => v.GetValueKind() switch
            {
                JsonValueKind.String => "string",
                JsonValueKind.Number => "integer",
                JsonValueKind.True or JsonValueKind.False => "boolean",
                _ => "any",
            }).Distinct()]
            : [];

    /// <summary>
    /// Exactly one (or any) of several objects, as a token's sources: one object with every property, each choice
    /// kept as a value validation of its required fields. Choices of different types become any value.
    /// </summary>
    private static JsonObject Choice(JsonObject node, string keyword, JsonArray choices)
    {
        var objects = choices.OfType<JsonObject>().Where(c => c["properties"] is JsonObject).ToList();
        if (objects.Count != choices.Count)
        {
            return AnyValue(node);
        }

        var properties = new JsonObject();
        foreach (var (name, value) in objects.SelectMany(c => c["properties"]!.AsObject()))
        {
            properties[name] = Convert(value);
        }

        var result = new JsonObject { ["type"] = "object", ["properties"] = properties };
        result[keyword] = new JsonArray([.. objects.Select(c => (JsonNode)new JsonObject { ["required"] = c["required"]?.DeepClone() ?? new JsonArray() })]);
        return result;
    }

    private static JsonObject OpenObject() => new() { ["type"] = "object", [PreserveUnknownFields] = true };

    /// <summary>A value of any type: the one structural node without a type.</summary>
    private static JsonObject AnyValue(JsonObject node)
    {
        var result = new JsonObject { [PreserveUnknownFields] = true };
        if (node["description"] is { } description)
        {
            result["description"] = description.DeepClone();
        }

        return result;
    }
}
