using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;
using k8s.Models;

namespace Kubetest.Model;

/// <summary>
/// The JSON Schema (draft 2020-12) of a TestJob manifest, for editors (yaml-language-server, VS
/// Code) and CI linters: kubetest's own fields as <see cref="ManifestReader"/> reads them, and the
/// Kubernetes parts (metadata, pod spec, containers, volumes) exported from the official client's
/// model types, each type once under <c>$defs</c>. Unknown fields are marked as not allowed, as
/// kubetest warns about them; shape mistakes (a string where a number goes, a list where an object
/// goes) fail validation as they fail loading.
/// </summary>
public static class ManifestSchema
{
    public static string Json() => Build().ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    public static JsonObject Build()
    {
        var defs = new JsonObject();
        var kubernetes = new KubernetesSchemas(defs);
        var schema = Object(
            new()
            {
                ["apiVersion"] = new JsonObject { ["const"] = "kubetest.io/v1" },
                ["kind"] = new JsonObject { ["const"] = "TestJob" },
                ["metadata"] = kubernetes.Ref<V1ObjectMeta>(),
                ["spec"] = Spec(kubernetes),
                ["status"] = new JsonObject(),
            },
            "apiVersion",
            "kind",
            "spec");
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        schema["title"] = "kubetest TestJob";
        schema["$defs"] = defs;
        return schema;
    }

    private static JsonObject Spec(KubernetesSchemas kubernetes)
    {
        var template = Template(kubernetes);
        var ttl = Integer(0);
        var step = Object(new() { ["name"] = String(), ["ttlSecondsAfterFinished"] = ttl.DeepClone(), ["template"] = template.DeepClone() }, "name", "template");
        var secret = Object(new() { ["name"] = String(), ["key"] = String(), ["optional"] = Boolean() }, "name", "key");
        return Object(
            new()
            {
                ["repos"] = Array(Object(
                    new()
                    {
                        ["name"] = String(),
                        ["value"] = Object(
                            new()
                            {
                                ["url"] = String(),
                                ["branch"] = Scalar(),
                                ["rev"] = Scalar(),
                                ["token"] = String(),
                                ["merge"] = Object(new() { ["base"] = Scalar() }, "base"),
                                ["clonedPath"] = String(),
                            },
                            "url"),
                    },
                    "name",
                    "value")),
                ["tokens"] = Array(Object(
                    new()
                    {
                        ["name"] = String(),
                        ["value"] = OneOf(
                            Object(
                                new()
                                {
                                    ["githubApp"] = Object(
                                        new()
                                        {
                                            ["organization"] = String(),
                                            ["appId"] = Integer(1),
                                            ["installationId"] = Integer(1),
                                            ["keyFile"] = secret.DeepClone(),
                                        },
                                        "appId",
                                        "keyFile"),
                                },
                                "githubApp"),
                            Object(new() { ["githubToken"] = secret.DeepClone() }, "githubToken"),
                            Object(new() { ["filePath"] = String() }, "filePath")),
                    },
                    "name",
                    "value")),
                ["preSteps"] = Array(step.DeepClone()),
                ["mainStep"] = Object(
                    new()
                    {
                        ["strategy"] = Strategy(template),
                        ["ttlSecondsAfterFinished"] = ttl.DeepClone(),
                        ["template"] = template.DeepClone(),
                    },
                    "template"),
                ["postSteps"] = Array(step.DeepClone()),
                ["exportArtifacts"] = Array(Object(new() { ["name"] = String(), ["path"] = String() }, "name", "path")),
                ["log"] = Object(new()
                {
                    ["level"] = new JsonObject
                    {
                        ["anyOf"] = new JsonArray(
                            new JsonObject { ["type"] = "string", ["pattern"] = "^([Dd][Ee][Bb][Uu][Gg]|[Ii][Nn][Ff][Oo]|[Ww][Aa][Rr][Nn]|[Ee][Rr][Rr][Oo][Rr])$" },
                            new JsonObject { ["enum"] = new JsonArray(1, 2, 3, 4) }),
                    },
                    ["extParam"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = Scalar() },
                }),
            },
            "mainStep");
    }

    private static JsonObject Strategy(JsonObject template)
    {
        var limit = Integer(0);
        limit["maximum"] = 1_000_000;
        return Object(
            new()
            {
                ["key"] = Object(
                    new()
                    {
                        ["env"] = String(),
                        ["source"] = Object(
                            new()
                            {
                                ["static"] = Array(Scalar()),
                                ["dynamic"] = Object(
                                    new()
                                    {
                                        ["template"] = template.DeepClone(),
                                        ["delimiter"] = new JsonObject { ["type"] = "string", ["minLength"] = 1 },
                                        ["filter"] = String(),
                                        ["ttlSecondsAfterFinished"] = Integer(0),
                                    },
                                    "template"),
                            }),
                        ["timeout"] = Duration(),
                    },
                    "env",
                    "source"),
                ["scheduler"] = Object(new()
                {
                    ["maxPodNum"] = limit.DeepClone(),
                    ["maxContainersPerPod"] = limit.DeepClone(),
                    ["maxConcurrentNumPerPod"] = limit.DeepClone(),
                    ["mode"] = new JsonObject { ["enum"] = new JsonArray("static", "queue") },
                }),
                ["retest"] = new JsonObject
                {
                    ["oneOf"] = new JsonArray(Boolean(), new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["maximum"] = Model.Strategy.MaxReruns }),
                },
                ["failFast"] = Boolean(),
                ["batch"] = Object(new()
                {
                    ["maxKeys"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = Model.Batch.MaxMaxKeys },
                    ["targetSeconds"] = new JsonObject { ["type"] = "number", ["exclusiveMinimum"] = 0 },
                    ["delimiter"] = new JsonObject { ["type"] = "string", ["minLength"] = 1 },
                }),
            },
            "key");
    }

    /// <summary>A step's pod template: a pod spec whose containers may carry <c>agent</c>, whose volumes may be kubetest's own, plus <c>artifacts</c> and <c>finalizerContainer</c>.</summary>
    private static JsonObject Template(KubernetesSchemas kubernetes)
    {
        var spec = kubernetes.Inline<V1PodSpec>();
        var properties = (JsonObject)spec["properties"]!;
        var container = kubernetes.Extended<V1Container>("TestJobContainer", new()
        {
            ["agent"] = Object(
                new()
                {
                    ["installedPath"] = String(),
                    ["timeout"] = Duration(),
                    ["allocationStartPort"] = Port(),
                    ["excludePorts"] = Array(Port()),
                },
                "installedPath"),
        });
        var named = Object(new() { ["name"] = String() }, "name");
        var volume = kubernetes.Extended<V1Volume>("TestJobVolume", new()
        {
            ["repo"] = named.DeepClone(),
            ["artifact"] = named.DeepClone(),
            ["token"] = named.DeepClone(),
            ["log"] = Object(new()),
            ["report"] = Object(new() { ["format"] = new JsonObject { ["enum"] = new JsonArray("json") } }),
        });
        properties["containers"] = Array(container.DeepClone());
        properties["initContainers"] = Array(container.DeepClone());
        properties["finalizerContainer"] = container.DeepClone();
        properties["volumes"] = Array(volume);
        properties["artifacts"] = Array(Object(
            new()
            {
                ["name"] = String(),
                ["container"] = Object(new() { ["name"] = String(), ["path"] = String() }, "name", "path"),
            },
            "name",
            "container"));
        spec["required"] = new JsonArray("containers");
        return Object(new() { ["metadata"] = kubernetes.Ref<V1ObjectMeta>(), ["main"] = String(), ["spec"] = spec }, "spec");
    }

    private static JsonObject Object(Dictionary<string, JsonNode> properties, params string[] required)
    {
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject(properties.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
            ["additionalProperties"] = false,
        };
        if (required.Length > 0)
        {
            schema["required"] = new JsonArray([.. required.Select(r => (JsonNode)r)]);
        }

        return schema;
    }

    private static JsonObject OneOf(params JsonNode[] schemas) => new() { ["oneOf"] = new JsonArray(schemas) };

    private static JsonObject Array(JsonNode items) => new() { ["type"] = "array", ["items"] = items };

    private static JsonObject String() => new() { ["type"] = "string" };

    /// <summary><see cref="GoDuration"/>'s grammar as far as a pattern can say it (not that it is positive).</summary>
    private static JsonObject Duration() => new()
    {
        ["type"] = "string",
        ["pattern"] = "^([0-9]+|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$",
    };

    private static JsonObject Boolean() => new() { ["type"] = "boolean" };

    /// <summary>A string, or a number or boolean that YAML reads as one but kubetest takes as written (a branch called 1.10, a key 007).</summary>
    private static JsonObject Scalar() => new() { ["type"] = new JsonArray("string", "number", "boolean") };

    private static JsonObject Integer(long minimum) => new() { ["type"] = "integer", ["minimum"] = minimum };

    private static JsonObject Port() => new() { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 65535 };

    /// <summary>Schemas of the official client's model types, exported from their JSON contracts, each kept once in <c>$defs</c>.</summary>
    private sealed class KubernetesSchemas(JsonObject defs)
    {
        private static readonly JsonSerializerOptions Options = new() { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

        public JsonObject Ref<T>() => Reference(Name(typeof(T)), () => Inline<T>());

        /// <summary>The type's own schema, its nested model types referenced from <c>$defs</c>.</summary>
        public JsonObject Inline<T>()
        {
            var root = typeof(T);
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
        public JsonObject Extended<T>(string name, Dictionary<string, JsonNode> additions) => Reference(name, () =>
        {
            var schema = Inline<T>();
            var properties = (JsonObject)schema["properties"]!;
            foreach (var (key, value) in additions)
            {
                properties[key] = value;
            }

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
