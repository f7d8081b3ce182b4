using System.Text.Json.Nodes;
using k8s.Models;

namespace Kubetest.Emulator;

internal sealed record PrinterColumn(string Name, string Type, string Format, string Description, int Priority, string JsonPath);

internal sealed record CrdVersion(string Name, bool Served, Schema? Schema, bool StatusSubresource, IReadOnlyList<PrinterColumn> Columns);

/// <summary>A stored CustomResourceDefinition: its wire form (<see cref="Json"/>, status included) and what serving its resources takes.</summary>
internal sealed record Crd(
    string Name,
    string Group,
    string Plural,
    string Singular,
    string Kind,
    string ListKind,
    IReadOnlyList<string> ShortNames,
    IReadOnlyList<string> Categories,
    bool Namespaced,
    IReadOnlyList<CrdVersion> Versions,
    JsonObject Json)
{
    public const string ApiGroup = "apiextensions.k8s.io";

    public CrdVersion? Served(string version) => Versions.FirstOrDefault(v => v.Served && v.Name == version);

    /// <summary>
    /// Reads a CRD as the API server would accept it (422 <c>Invalid</c> naming each wrong field), and gives it the status
    /// the API server's controllers would: names accepted, established at once.
    /// </summary>
    public static Crd Parse(JsonObject json)
    {
        var errors = new List<V1StatusCause>();
        void Error(string reason, string field, string message) => errors.Add(new V1StatusCause { Reason = reason, Field = field, Message = message });
        string Text(JsonNode? node, string field, bool required = true)
        {
            if (node is JsonValue v && v.TryGetValue<string>(out var text) && text.Length > 0)
            {
                return text;
            }

            if (required)
            {
                Error("FieldValueRequired", field, "Required value");
            }

            return string.Empty;
        }

        List<string> Texts(JsonNode? node) => node is JsonArray list ? list.Select(n => n?.ToString() ?? string.Empty).ToList() : [];

        var name = Text(json["metadata"]?["name"], "metadata.name");
        var spec = json["spec"] as JsonObject ?? [];
        var group = Text(spec["group"], "spec.group");
        var names = spec["names"] as JsonObject ?? [];
        var plural = Text(names["plural"], "spec.names.plural");
        var kind = Text(names["kind"], "spec.names.kind");
        var singular = Text(names["singular"], "spec.names.singular", required: false);
        var listKind = Text(names["listKind"], "spec.names.listKind", required: false);
        var scope = Text(spec["scope"], "spec.scope");
        if (scope.Length > 0 && scope is not ("Namespaced" or "Cluster"))
        {
            Error("FieldValueNotSupported", "spec.scope", $"Unsupported value: \"{scope}\": supported values: \"Cluster\", \"Namespaced\"");
        }

        if (name.Length > 0 && plural.Length > 0 && group.Length > 0 && name != plural + "." + group)
        {
            Error("FieldValueInvalid", "metadata.name", $"Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group");
        }

        var versions = new List<CrdVersion>();
        var list = spec["versions"] as JsonArray ?? [];
        if (list.Count == 0)
        {
            Error("FieldValueInvalid", "spec.versions", "Invalid value: null: must have exactly one version marked as storage version");
        }
        else if (list.Count(v => v?["storage"]?.GetValueKind() == System.Text.Json.JsonValueKind.True) != 1)
        {
            Error("FieldValueInvalid", "spec.versions", "Invalid value: must have exactly one version marked as storage version");
        }

        for (var i = 0; i < list.Count; i++)
        {
            var field = $"spec.versions[{i}]";
            var version = list[i] as JsonObject ?? [];
            var schema = version["schema"]?["openAPIV3Schema"] is { } s ? Schema.Parse(s, field + ".schema.openAPIV3Schema", errors) : null;
            var columns = (version["additionalPrinterColumns"] as JsonArray ?? []).Select((c, j) => new PrinterColumn(
                Text(c?["name"], $"{field}.additionalPrinterColumns[{j}].name"),
                Text(c?["type"], $"{field}.additionalPrinterColumns[{j}].type"),
                Text(c?["format"], string.Empty, required: false),
                Text(c?["description"], string.Empty, required: false),
                c?["priority"] is JsonValue p && p.TryGetValue<int>(out var priority) ? priority : 0,
                Text(c?["jsonPath"], $"{field}.additionalPrinterColumns[{j}].jsonPath"))).ToList();
            versions.Add(new CrdVersion(
                Text(version["name"], field + ".name"),
                version["served"]?.GetValueKind() == System.Text.Json.JsonValueKind.True,
                schema,
                version["subresources"]?["status"] is JsonObject,
                columns));
        }

        if (errors.Count > 0)
        {
            throw CustomResources.Invalid("CustomResourceDefinition", ApiGroup, name, errors);
        }

        singular = singular.Length > 0 ? singular : kind.ToLowerInvariant();
        listKind = listKind.Length > 0 ? listKind : kind + "List";
        var crd = new Crd(name, group, plural, singular, kind, listKind, Texts(names["shortNames"]), Texts(names["categories"]), scope == "Namespaced", versions, json);
        crd.Establish();
        return crd;
    }

    private void Establish()
    {
        var now = Api.Now(DateTime.UtcNow);
        JsonObject Condition(string type, string reason, string message) => new()
        {
            ["type"] = type,
            ["status"] = "True",
            ["lastTransitionTime"] = now,
            ["reason"] = reason,
            ["message"] = message,
        };
        var accepted = new JsonObject { ["plural"] = Plural, ["singular"] = Singular, ["kind"] = Kind, ["listKind"] = ListKind };
        if (ShortNames.Count > 0)
        {
            accepted["shortNames"] = new JsonArray([.. ShortNames.Select(s => (JsonNode)s)]);
        }

        if (Categories.Count > 0)
        {
            accepted["categories"] = new JsonArray([.. Categories.Select(s => (JsonNode)s)]);
        }

        var metadata = (JsonObject)Json["metadata"]!;
        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = now;
        metadata["generation"] = 1;
        Json["apiVersion"] = ApiGroup + "/v1";
        Json["kind"] = "CustomResourceDefinition";
        Json["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found"),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted")),
            ["acceptedNames"] = accepted,
            ["storedVersions"] = new JsonArray([.. Versions.Where((_, i) => Json["spec"]?["versions"]?[i]?["storage"]?.GetValueKind() == System.Text.Json.JsonValueKind.True).Select(v => (JsonNode)v.Name)]),
        };
    }
}
