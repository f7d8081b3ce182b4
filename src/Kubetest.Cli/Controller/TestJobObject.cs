using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kubetest.Cli.Controller;

/// <summary>
/// A TestJob resource as the controller reads it: the few fields it decides by, and the object itself, from which
/// the manifest is rebuilt (<see cref="ManifestText"/>).
/// </summary>
internal sealed record TestJobObject(
    string Namespace,
    string Name,
    string Uid,
    long Generation,
    string? ResourceVersion,
    DateTimeOffset? CreatedAt,
    bool Deleting,
    IReadOnlyList<string> Finalizers,
    string? Phase,
    IReadOnlyDictionary<string, string> Annotations,
    JsonObject Raw)
{
    public const string Group = "kubetest.io";
    public const string Version = "v1";
    public const string Plural = "testjobs";
    public const string ApiVersion = Group + "/" + Version;
    public const string Kind = "TestJob";

    /// <summary>Held while the controller may still have something to clean up for the TestJob (a run in progress).</summary>
    public const string Finalizer = "kubetest.io/run-cleanup";

    public string Key => Namespace + "/" + Name;

    public bool HasFinalizer => Finalizers.Contains(Finalizer, StringComparer.Ordinal);

    public bool Finished => Phase is "Succeeded" or "Failed" or "Error";

    public static TestJobObject Read(JsonElement element) => Read(JsonNode.Parse(element.GetRawText())?.AsObject() ?? throw new FormatException("a TestJob that is not an object"));

    public static TestJobObject Read(JsonObject raw)
    {
        var metadata = raw["metadata"] as JsonObject ?? throw new FormatException("a TestJob without metadata");
        var status = raw["status"] as JsonObject;
        return new TestJobObject(
            Text(metadata["namespace"]) ?? "default",
            Text(metadata["name"]) ?? throw new FormatException("a TestJob without metadata.name"),
            Text(metadata["uid"]) ?? string.Empty,
            metadata["generation"] is JsonValue g && g.TryGetValue<long>(out var generation) ? generation : 1,
            Text(metadata["resourceVersion"]),
            DateTimeOffset.TryParse(Text(metadata["creationTimestamp"]), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created) ? created : null,
            metadata["deletionTimestamp"] is not null,
            metadata["finalizers"] is JsonArray finalizers ? [.. finalizers.Select(Text).OfType<string>()] : [],
            Text(status?["phase"]),
            metadata["annotations"] is JsonObject annotations
                ? annotations.Where(a => Text(a.Value) is not null).ToDictionary(a => a.Key, a => Text(a.Value)!, StringComparer.Ordinal)
                : new Dictionary<string, string>(StringComparer.Ordinal),
            raw);
    }

    /// <summary>
    /// The resource as a manifest, for the same loader as a file: apiVersion, kind, the name, namespace, labels and
    /// the spec. Annotations are the controller's settings (<see cref="RunSettings"/>), not the manifest's, and kubectl's
    /// copy of the whole object in one of them must not be rendered as a template; what the server keeps (uid,
    /// managedFields, status) is not the manifest's either.
    /// </summary>
    public string ManifestText()
    {
        var metadata = new JsonObject { ["name"] = Name, ["namespace"] = Namespace };
        var source = (JsonObject)Raw["metadata"]!;
        if (source["labels"] is { } labels)
        {
            metadata["labels"] = labels.DeepClone();
        }

        var manifest = new JsonObject
        {
            ["apiVersion"] = ApiVersion,
            ["kind"] = Kind,
            ["metadata"] = metadata,
            ["spec"] = Raw["spec"]?.DeepClone(),
        };
        return manifest.ToJsonString();
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
