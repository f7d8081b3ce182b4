using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Kubetest.Model;

/// <summary>
/// The <c>testjobs.kubetest.io</c> CustomResourceDefinition (<c>kubetest crd</c>, <c>deploy/crd.yaml</c>): its spec schema
/// converted from <see cref="ManifestSchema"/>, its status schema from <see cref="TestJobStatus"/>, so no field is
/// spelled twice.
/// </summary>
public static partial class TestJobCrd
{
    public const string Group = "kubetest.io";
    public const string Plural = "testjobs";
    public const string Version = "v1";

    /// <summary>
    /// The YAML of <see cref="Build"/>, its schema written from the JSON as is: the client's schema model holds
    /// <c>items</c> and <c>enum</c> as untyped objects, which its YAML writer cannot print.
    /// </summary>
    public static string Yaml()
    {
        var crd = JsonNode.Parse(KubernetesJson.Serialize(Build()))!;
        crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"] = Schema();
        using var document = JsonDocument.Parse(crd.ToJsonString());
        return KubernetesYaml.Serialize(Plain(document.RootElement));
    }

    public static V1CustomResourceDefinition Build() => new()
    {
        ApiVersion = "apiextensions.k8s.io/v1",
        Kind = "CustomResourceDefinition",
        Metadata = new V1ObjectMeta { Name = $"{Plural}.{Group}" },
        Spec = new V1CustomResourceDefinitionSpec
        {
            Group = Group,
            Names = new V1CustomResourceDefinitionNames
            {
                Kind = TestJob.KindTestJob,
                ListKind = $"{TestJob.KindTestJob}List",
                Plural = Plural,
                Singular = "testjob",
            },
            Scope = "Namespaced",
            Versions =
            [
                new V1CustomResourceDefinitionVersion
                {
                    Name = Version,
                    Served = true,
                    Storage = true,
                    Subresources = new V1CustomResourceSubresources { Status = new object() },
                    AdditionalPrinterColumns =
                    [
                        Column("Phase", "string", ".status.phase", "Where the run is."),
                        Column("Keys", "integer", ".status.totalNum", "The run's keys."),
                        Column("Passed", "integer", ".status.successNum", "The keys that passed."),
                        Column("Failed", "integer", ".status.failureNum", "The keys that failed."),
                        Column("Age", "date", ".metadata.creationTimestamp", null),
                    ],
                    Schema = new V1CustomResourceValidation { OpenAPIV3Schema = KubernetesJson.Deserialize<V1JSONSchemaProps>(Schema().ToJsonString()) },
                },
            ],
        },
    };

    /// <summary>The whole object's structural schema; <c>metadata</c> is the API server's own.</summary>
    public static JsonObject Schema()
    {
        var spec = StructuralSchema.Convert(ManifestSchema.Build()["properties"]!["spec"]);
        spec["description"] = "What the TestJob runs: the spec of a kubetest manifest (docs/manifest.md).";
        return new JsonObject
        {
            ["description"] = "A test suite that kubetest cuts into keys and runs in parallel in pods.",
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["apiVersion"] = new JsonObject { ["type"] = "string" },
                ["kind"] = new JsonObject { ["type"] = "string" },
                ["metadata"] = new JsonObject { ["type"] = "object" },
                ["spec"] = spec,
                ["status"] = StatusSchema(),
            },
            ["required"] = new JsonArray("spec"),
        };
    }

    /// <summary>JSON as plain maps, lists and values, in their order, for the YAML writer.</summary>
    private static object? Plain(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => value.EnumerateObject().ToDictionary(p => p.Name, p => Plain(p.Value)),
        JsonValueKind.Array => value.EnumerateArray().Select(Plain).ToList(),
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True or JsonValueKind.False => value.GetBoolean(),
        JsonValueKind.Number => value.TryGetInt64(out var whole) ? (object)whole : value.GetDouble(),
        _ => null,
    };

    private static V1CustomResourceColumnDefinition Column(string name, string type, string path, string? description) =>
        new() { Name = name, Type = type, JsonPath = path, Description = description };
}
