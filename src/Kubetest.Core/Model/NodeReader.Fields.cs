using System.Text.Json.Nodes;

namespace Kubetest.Model;

/// <summary>Reads of declared fields (<see cref="ManifestFields"/>): the name and whether it is required come from the declaration.</summary>
internal sealed partial class NodeReader
{
    /// <summary>Warns about every key of <paramref name="obj"/> that <paramref name="fields"/> does not declare.</summary>
    public void OnlyKnown(JsonObject obj, string path, FieldSet fields) => OnlyKnown(obj, path, fields.Names);

    public JsonObject? Object(JsonObject parent, ManifestField field, string path) => Object(parent, field.Name, path, field.Required);

    /// <summary>
    /// Checks <paramref name="obj"/>'s keys against <paramref name="fields"/> and reads its object field <paramref name="child"/>:
    /// that object and its path, or null (with the problem said) when it is missing and required, or not an object.
    /// </summary>
    public (JsonObject Child, string Path)? KnownWithChild(JsonObject obj, string path, FieldSet fields, string child)
    {
        OnlyKnown(obj, path, fields);
        return Object(obj, fields[child], path) is JsonObject found ? (found, Child(path, fields[child].Name)) : null;
    }

    public string? String(JsonObject parent, ManifestField field, string path) => String(parent, field.Name, path, field.Required);

    public long? Integer(JsonObject parent, ManifestField field, string path, long min = long.MinValue, long max = long.MaxValue) =>
        Integer(parent, field.Name, path, min, max);

    public bool Boolean(JsonObject parent, ManifestField field, string path) => Boolean(parent, field.Name, path);

    public List<T> List<T>(JsonObject parent, ManifestField field, string path, Func<JsonNode?, string, T?> item)
        where T : class => List(parent, field.Name, path, item);

    public Dictionary<string, string> StringMap(JsonObject parent, ManifestField field, string path) => StringMap(parent, field.Name, path);
}
