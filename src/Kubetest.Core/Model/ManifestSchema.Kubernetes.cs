using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;
using k8s.Models;

namespace Kubetest.Model;

/// <summary>Schemas of the official client's model types, exported from their JSON contracts, each kept once in <c>$defs</c>.</summary>
public static partial class ManifestSchema
{
    private sealed class KubernetesSchemas(JsonObject defs)
    {
        private static readonly JsonSerializerOptions Options = new() { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

        public JsonObject Ref(Type type) => Reference(Name(type), () => Inline(type));

        /// <summary>The type's own schema, its nested model types referenced from <c>$defs</c>.</summary>
        public JsonObject Inline(Type root)
        {
            var exporter = new JsonSchemaExporterOptions
            {
                TreatNullObliviousAsNonNullable = true,
                TransformSchemaNode = (context, node) =>
                {
                    var type = context.TypeInfo.Type;
                    if (type == typeof(IntOrString))
                    {
                        return new JsonObject { ["type"] = new JsonArray("integer", "string") };
                    }

                    if (type == typeof(ResourceQuantity))
                    {
                        return Quantity();
                    }

                    // The exporter leaves the values of a quantity map open (the type has its own converter).
                    if (type.IsAssignableTo(typeof(IDictionary<string, ResourceQuantity>)) && node is JsonObject map)
                    {
                        map["additionalProperties"] = Quantity();
                        return map;
                    }

                    if (node is not JsonObject o || type.Namespace != typeof(V1Pod).Namespace)
                    {
                        return node;
                    }

                    if (o.ContainsKey("properties"))
                    {
                        o["additionalProperties"] = false;

                        // Each nested model type goes to $defs once; the root stays inline for the caller to extend.
                        return type == root ? o : Reference(Name(type), () => (JsonObject)o.DeepClone());
                    }

                    // The exporter points a type's later uses at its first, which now lives in $defs.
                    if (o.ContainsKey("$ref") && defs.ContainsKey(Name(type)))
                    {
                        return new JsonObject { ["$ref"] = $"#/$defs/{Name(type)}" };
                    }

                    return node;
                },
            };
            return (JsonObject)Options.GetJsonSchemaAsNode(root, exporter);
        }

        /// <summary>A model type with kubetest's own additions, kept in <c>$defs</c> under <paramref name="name"/>.</summary>
        public JsonObject Extended(Type type, string name, Action<JsonObject> extend) => Reference(name, () =>
        {
            var schema = Inline(type);
            extend(schema);
            return schema;
        });

        private JsonObject Reference(string name, Func<JsonObject> create)
        {
            if (!defs.ContainsKey(name))
            {
                defs[name] = new JsonObject();
                defs[name] = create();
            }

            return new JsonObject { ["$ref"] = $"#/$defs/{name}" };
        }

        private static string Name(Type type) => type.Name;

        private static JsonObject Quantity() => new() { ["type"] = new JsonArray("string", "number") };
    }
}
