using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kubetest.Model;

/// <summary>
/// The JSON Schema (draft 2020-12) of a TestJob manifest, for editors (yaml-language-server, VS
/// Code) and CI linters: kubetest's own fields written from their declarations in <see cref="ManifestFields"/>,
/// and the Kubernetes parts (metadata, pod spec, containers, volumes) exported from the official client's
/// model types, each type once under <c>$defs</c>. Unknown fields are marked as not allowed, as
/// kubetest warns about them; shape mistakes (a string where a number goes, a list where an object
/// goes) fail validation as they fail loading.
/// </summary>
public static partial class ManifestSchema
{
    public static string Json() => Build().ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    public static JsonObject Build()
    {
        var defs = new JsonObject();
        var schema = new Writer(new KubernetesSchemas(defs)).Object(ManifestFields.TestJob);
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        schema["title"] = "kubetest TestJob";
        schema["$defs"] = defs;
        return schema;
    }

    /// <summary>Walks the field declarations; an object used in several places (the pod template) is written once and copied.</summary>
    private sealed class Writer(KubernetesSchemas kubernetes)
    {
        private readonly Dictionary<FieldSet, JsonObject> _written = [];

        public JsonObject Object(FieldSet set)
        {
            if (!_written.TryGetValue(set, out var schema))
            {
                schema = set.ExactlyOne
                    ? new JsonObject { ["oneOf"] = new JsonArray([.. set.Fields.Select(f => (JsonNode)Object([f], [f.Name]))]) }
                    : Object(set.Fields, [.. set.Fields.Where(f => f.Required).Select(f => f.Name)]);
                _written[set] = schema;
            }

            return (JsonObject)schema.DeepClone();
        }

        private JsonNode Shape(FieldShape shape) => shape switch
        {
            ValueShape v => v.Schema.DeepClone(),
            ObjectShape o => Object(o.Fields),
            ListShape l => new JsonObject { ["type"] = "array", ["items"] = Shape(l.Item) },
            KubernetesShape { Additions: null } k => kubernetes.Ref(k.Type),
            KubernetesShape { Additions: { } additions, ExtendedAs: { } name } k => kubernetes.Extended(k.Type, name, s => Extend(s, additions)),
            KubernetesShape { Additions: { } additions } k => Extend(kubernetes.Inline(k.Type), additions),
            _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "a field shape the schema writer does not know"),
        };

        /// <summary>A Kubernetes type's schema with kubetest's own fields added (or put in place of Kubernetes' own of the same name).</summary>
        private JsonObject Extend(JsonObject schema, FieldSet additions)
        {
            var properties = (JsonObject)schema["properties"]!;
            foreach (var field in additions.Fields)
            {
                properties[field.Name] = Shape(field.Shape);
            }

            if (additions.Fields.Any(f => f.Required))
            {
                schema["required"] = new JsonArray([.. additions.Fields.Where(f => f.Required).Select(f => (JsonNode)f.Name)]);
            }

            return schema;
        }

        private JsonObject Object(IEnumerable<ManifestField> fields, string[] required)
        {
            var schema = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject(fields.Select(f => KeyValuePair.Create(f.Name, (JsonNode?)Shape(f.Shape)))),
                ["additionalProperties"] = false,
            };
            if (required.Length > 0)
            {
                schema["required"] = new JsonArray([.. required.Select(r => (JsonNode)r)]);
            }

            return schema;
        }
    }
}
