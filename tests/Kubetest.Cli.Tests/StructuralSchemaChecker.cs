using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kubetest.Cli.Tests;

/// <summary>
/// The rules of a Kubernetes structural schema, as the API server checks a CRD (written from
/// https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema,
/// not from kubetest's writer): every node typed, or int-or-string, or any value; only OpenAPI v3.0 keywords; no
/// <c>$ref</c>; no <c>additionalProperties</c> beside <c>properties</c> or as <c>false</c>; in <c>allOf</c>, <c>anyOf</c>,
/// <c>oneOf</c> and <c>not</c> only value validations, naming no property the node itself does not declare.
/// </summary>
public static class StructuralSchemaChecker
{
    private static readonly HashSet<string> Types = ["object", "array", "string", "integer", "number", "boolean"];

    private static readonly HashSet<string> Keywords =
    [
        "type", "format", "description", "properties", "items", "additionalProperties", "required", "enum", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "minItems", "maxItems",
        "minProperties", "maxProperties", "allOf", "anyOf", "oneOf", "not", "nullable", "default", "title", "example",
        "x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string", "x-kubernetes-embedded-resource",
        "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type", "x-kubernetes-validations",
    ];

    private static readonly string[] Junctors = ["allOf", "anyOf", "oneOf", "not"];

    private static readonly string[] Bounds = ["exclusiveMinimum", "exclusiveMaximum"];

    private static readonly string[] Children = ["items", "additionalProperties"];

    /// <summary>What a value validation inside a junctor must not say.</summary>
    private static readonly string[] NotInJunctors = ["type", "description", "default", "additionalProperties", "nullable", "$ref"];

    /// <summary>Every rule a node breaks, as <c>path: problem</c>; none for a structural schema.</summary>
    public static List<string> Problems(JsonNode? schema)
    {
        var problems = new List<string>();
        Check(schema, "openAPIV3Schema", problems);
        return problems;
    }

    private static void Check(JsonNode? node, string path, List<string> problems)
    {
        if (node is not JsonObject o)
        {
            problems.Add($"{path}: a schema must be an object");
            return;
        }

        foreach (var key in o.Select(p => p.Key).Where(k => !Keywords.Contains(k)))
        {
            problems.Add($"{path}: `{key}` is not a keyword of a structural schema");
        }

        var intOrString = IsTrue(o["x-kubernetes-int-or-string"]);
        var anyValue = IsTrue(o["x-kubernetes-preserve-unknown-fields"]);
        switch (o["type"])
        {
            case null when !intOrString && !anyValue:
                problems.Add($"{path}: has no type");
                break;
            case JsonValue type when type.GetValueKind() == JsonValueKind.String && Types.Contains(type.GetValue<string>()):
                if (intOrString)
                {
                    problems.Add($"{path}: x-kubernetes-int-or-string with a type");
                }

                break;
            case { } type:
                problems.Add($"{path}: type must be one of {string.Join(", ", Types)}, got {type.ToJsonString()}");
                break;
        }

        if (o.ContainsKey("properties") && o.ContainsKey("additionalProperties"))
        {
            problems.Add($"{path}: properties and additionalProperties together");
        }

        if (o["additionalProperties"] is JsonValue)
        {
            problems.Add($"{path}: additionalProperties must be a schema, not {o["additionalProperties"]!.ToJsonString()}");
        }

        foreach (var bound in Bounds.Where(b => o[b] is { } v && v.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False)))
        {
            problems.Add($"{path}: {bound} must be a boolean in OpenAPI v3.0");
        }

        if (o["x-kubernetes-list-type"]?.GetValue<string>() == "map")
        {
            var required = (o["items"]?["required"] as JsonArray)?.Select(r => r!.GetValue<string>()).ToHashSet() ?? [];
            foreach (var key in (o["x-kubernetes-list-map-keys"] as JsonArray ?? []).Select(k => k!.GetValue<string>()).Where(k => !required.Contains(k)))
            {
                problems.Add($"{path}: list map key `{key}` is not required in the items");
            }
        }

        foreach (var (name, child) in o["properties"] as JsonObject ?? [])
        {
            Check(child, $"{path}.properties.{name}", problems);
        }

        foreach (var key in Children.Where(k => o[k] is JsonObject))
        {
            Check(o[key], $"{path}.{key}", problems);
        }

        var declared = (o["properties"] as JsonObject)?.Select(p => p.Key).ToHashSet() ?? [];
        foreach (var junctor in Junctors.Where(o.ContainsKey))
        {
            foreach (var (branch, i) in (o[junctor] is JsonArray list ? list : new JsonArray(o[junctor]!.DeepClone())).Select((b, i) => (b, i)))
            {
                ValueValidation(branch, $"{path}.{junctor}[{i}]", declared, problems);
            }
        }
    }

    /// <summary>Inside a junctor: no type, description, default, additionalProperties or nullable; only declared properties.</summary>
    private static void ValueValidation(JsonNode? node, string path, HashSet<string> declared, List<string> problems)
    {
        if (node is not JsonObject o)
        {
            problems.Add($"{path}: a schema must be an object");
            return;
        }

        foreach (var key in NotInJunctors.Where(o.ContainsKey))
        {
            problems.Add($"{path}: `{key}` inside a junctor");
        }

        foreach (var name in (o["required"] as JsonArray ?? []).Select(r => r!.GetValue<string>()).Concat((o["properties"] as JsonObject)?.Select(p => p.Key) ?? []).Where(n => !declared.Contains(n)))
        {
            problems.Add($"{path}: names `{name}`, which the node does not declare");
        }
    }

    private static bool IsTrue(JsonNode? node) => node?.GetValueKind() == JsonValueKind.True;
}
