using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kubetest.Emulator;

/// <summary>The server-side Table of custom resources: Name, then the version's additionalPrinterColumns (Age alone when it has none), as the API server prints them.</summary>
internal static class CrdTable
{
    private static readonly PrinterColumn DefaultAge = new("Age", "date", string.Empty, "CreationTimestamp is a timestamp representing the server time when this object was created.", 0, ".metadata.creationTimestamp");

    public static object Render(CrdVersion served, IReadOnlyList<JsonObject> items, string resourceVersion)
    {
        var columns = served.Columns.Count > 0 ? served.Columns : [DefaultAge];
        var definitions = new JsonArray { Column("Name", "string", "name", "Name must be unique within a namespace.", 0) };
        foreach (var c in columns)
        {
            definitions.Add(Column(c.Name, c.Type, c.Format, c.Description, c.Priority));
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
            ["columnDefinitions"] = definitions,
            ["rows"] = new JsonArray([.. items.Select(i => Row(columns, i))]),
        };
    }

    private static JsonObject Row(IReadOnlyList<PrinterColumn> columns, JsonObject item)
    {
        var cells = new JsonArray { Store.CustomObjects.Meta(item, "name") };
        foreach (var column in columns)
        {
            cells.Add(Cell(column, Find(item, column.JsonPath)));
        }

        return new JsonObject
        {
            ["cells"] = cells,
            ["object"] = new JsonObject
            {
                ["kind"] = "PartialObjectMetadata",
                ["apiVersion"] = "meta.k8s.io/v1",
                ["metadata"] = item["metadata"]?.DeepClone(),
            },
        };
    }

    private static JsonNode? Cell(PrinterColumn column, JsonNode? value)
    {
        if (value is null)
        {
            return null;
        }

        var text = value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
        return column.Type switch
        {
            "date" => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time) ? Age(time) : text,
            "integer" or "number" or "boolean" when value is JsonValue => value.DeepClone(),
            _ => text,
        };
    }

    /// <summary>The simple JSONPaths printer columns use: <c>.a.b</c>, <c>.a[0].b</c>.</summary>
    private static JsonNode? Find(JsonNode? node, string path)
    {
        foreach (var part in path.TrimStart('{').TrimEnd('}').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = part;
            var index = -1;
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            if (bracket >= 0 && part.EndsWith(']') && int.TryParse(part[(bracket + 1)..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var i))
            {
                name = part[..bracket];
                index = i;
            }

            node = node is JsonObject o ? o[name] : null;
            if (index >= 0)
            {
                node = node is JsonArray a && index < a.Count ? a[index] : null;
            }
        }

        return node;
    }

    private static JsonObject Column(string name, string type, string format, string description, int priority) => new()
    {
        ["name"] = name,
        ["type"] = type,
        ["format"] = format,
        ["description"] = description,
        ["priority"] = priority,
    };

    private static string Age(DateTimeOffset created)
    {
        var age = DateTimeOffset.UtcNow - created;
        return age.TotalSeconds < 120 ? $"{Math.Max(0, (int)age.TotalSeconds)}s"
            : age.TotalMinutes < 120 ? $"{(int)age.TotalMinutes}m"
            : age.TotalHours < 48 ? $"{(int)age.TotalHours}h"
            : $"{(int)age.TotalDays}d";
    }
}
