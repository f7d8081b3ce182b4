using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Kubetest.Model;

/// <summary>The status schema, exported from <see cref="TestJobStatus"/> as the controller will serialize it.</summary>
public static partial class TestJobCrd
{
    /// <summary>How a status is written: camelCase, null fields left out.</summary>
    public static readonly JsonSerializerOptions StatusJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    private static JsonObject StatusSchema()
    {
        var exporter = new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = (context, node) =>
            {
                if (node is not JsonObject o)
                {
                    return node;
                }

                var type = Nullable.GetUnderlyingType(context.TypeInfo.Type) ?? context.TypeInfo.Type;
                if (type == typeof(long))
                {
                    o["format"] = "int64";
                }

                var attributes = context.PropertyInfo?.AttributeProvider?.GetCustomAttributes(true) ?? [];
                foreach (var description in attributes.OfType<DescriptionAttribute>())
                {
                    o["description"] = description.Description;
                }

                foreach (var max in attributes.OfType<MaxItemsAttribute>())
                {
                    o["maxItems"] = max.Count;
                }

                foreach (var map in attributes.OfType<ListMapKeysAttribute>())
                {
                    o["x-kubernetes-list-type"] = "map";
                    o["x-kubernetes-list-map-keys"] = new JsonArray([.. map.Keys.Select(k => (JsonNode)k)]);
                }

                return o;
            },
        };
        var root = (JsonObject)StatusJson.GetJsonSchemaAsNode(typeof(TestJobStatus), exporter);
        var schema = StructuralSchema.Convert(Inlined(root, root));
        schema["description"] = "The run's outcome in brief, written by the controller; the full report is in the ConfigMap it names.";
        RequireMapKeys(schema);
        return schema;
    }

    /// <summary>The exporter points a type's later uses at its first (<c>#/properties/failedKeys</c>); the CRD needs each in place.</summary>
    private static JsonNode? Inlined(JsonNode? node, JsonObject root) => node switch
    {
        JsonObject { Count: 1 } o when o["$ref"]?.GetValue<string>() is { } pointer => Inlined(Resolve(root, pointer), root),
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Inlined(p.Value, root)))),
        JsonArray a => new JsonArray([.. a.Select(i => Inlined(i, root))]),
        _ => node?.DeepClone(),
    };

    private static JsonNode? Resolve(JsonObject root, string pointer) =>
        pointer == "#" ? root : pointer["#/".Length..].Split('/').Aggregate((JsonNode?)root, (node, part) => node?[part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)])
            ?? throw new InvalidOperationException($"the status schema points at {pointer}, which it does not hold");

    /// <summary>The API server requires a list map's keys in every item.</summary>
    private static void RequireMapKeys(JsonNode? node)
    {
        if (node is not JsonObject o)
        {
            return;
        }

        if (o["x-kubernetes-list-map-keys"] is JsonArray keys && o["items"] is JsonObject item)
        {
            item["required"] = new JsonArray([.. keys.Select(k => k!.DeepClone())]);
        }

        foreach (var child in o.Select(p => p.Value).ToList())
        {
            RequireMapKeys(child);
        }
    }
}
