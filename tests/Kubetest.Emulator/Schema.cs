using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>
/// A CRD's structural openAPIV3Schema, read once when the CRD is stored: the keywords the API server validates
/// custom resources with (and prunes by). Nesting is bounded so that a hostile CRD cannot exhaust the stack later.
/// </summary>
internal sealed partial class Schema
{
    /// <summary>Schemas nested deeper than this are refused at CRD create (the TestJob CRD nests about 20).</summary>
    public const int MaxDepth = 64;

    public string? Type { get; private init; }

    public bool Nullable { get; private init; }

    public bool PreserveUnknownFields { get; private init; }

    public bool IntOrString { get; private init; }

    public string? Format { get; private init; }

    public IReadOnlyList<string> Required { get; private init; } = [];

    public JsonArray? Enum { get; private init; }

    public double? Minimum { get; private init; }

    public bool ExclusiveMinimum { get; private init; }

    public double? Maximum { get; private init; }

    public bool ExclusiveMaximum { get; private init; }

    public long? MinLength { get; private init; }

    public long? MaxLength { get; private init; }

    public long? MinItems { get; private init; }

    public long? MaxItems { get; private init; }

    public Regex? Pattern { get; private init; }

    public string? PatternText { get; private init; }

    public Schema? Items { get; private init; }

    public IReadOnlyDictionary<string, Schema>? Properties { get; private init; }

    public Schema? AdditionalProperties { get; private init; }

    /// <summary><c>additionalProperties: true</c> (keep unknown fields, unvalidated).</summary>
    public bool AdditionalPropertiesAllowed { get; private init; }

    public IReadOnlyList<Schema> OneOf { get; private init; } = [];

    public IReadOnlyList<Schema> AnyOf { get; private init; } = [];

    public IReadOnlyList<Schema> AllOf { get; private init; } = [];

    public Schema? Not { get; private init; }

    /// <summary>Reads <paramref name="node"/> at <paramref name="path"/>; what is wrong with it goes to <paramref name="errors"/> as the API server's causes.</summary>
    public static Schema Parse(JsonNode? node, string path, List<V1StatusCause> errors) => Parse(node, path, errors, 1);

    private static Schema Parse(JsonNode? node, string path, List<V1StatusCause> errors, int depth)
    {
        if (depth > MaxDepth)
        {
            errors.Add(new V1StatusCause { Reason = "FieldValueForbidden", Field = path, Message = $"Forbidden: the schema nests deeper than {MaxDepth} levels" });
            return new Schema();
        }

        if (node is not JsonObject o)
        {
            errors.Add(new V1StatusCause { Reason = "FieldValueInvalid", Field = path, Message = "Invalid value: must be an object" });
            return new Schema();
        }

        Schema Child(string name, JsonNode? child) => Parse(child, path + "." + name, errors, depth + 1);
        List<Schema> All(string name) => o[name] is JsonArray list ? list.Select((s, i) => Parse(s, $"{path}.{name}[{i}]", errors, depth + 1)).ToList() : [];

        var type = String(o, "type", path, errors);
        if (type is not (null or "object" or "array" or "string" or "integer" or "number" or "boolean"))
        {
            errors.Add(new V1StatusCause { Reason = "FieldValueNotSupported", Field = path + ".type", Message = $"Unsupported value: \"{type}\": supported values: \"array\", \"boolean\", \"integer\", \"number\", \"object\", \"string\"" });
        }

        var patternText = String(o, "pattern", path, errors);
        Regex? pattern = null;
        if (patternText is not null)
        {
            try
            {
                // Linear time like Go's RE2, so a hostile pattern cannot stall the server.
                pattern = new Regex(patternText, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            }
            catch (ArgumentException e)
            {
                errors.Add(new V1StatusCause { Reason = "FieldValueInvalid", Field = path + ".pattern", Message = $"Invalid value: \"{patternText}\": {e.Message}" });
            }
        }

        var properties = o["properties"] is JsonObject props
            ? props.ToDictionary(p => p.Key, p => Child("properties[" + p.Key + "]", p.Value), StringComparer.Ordinal)
            : null;
        var additional = o["additionalProperties"];
        return new Schema
        {
            Type = type,
            Nullable = Bool(o, "nullable"),
            PreserveUnknownFields = Bool(o, "x-kubernetes-preserve-unknown-fields"),
            IntOrString = Bool(o, "x-kubernetes-int-or-string"),
            Format = String(o, "format", path, errors),
            Required = o["required"] is JsonArray required ? required.Select(r => r?.ToString() ?? string.Empty).ToList() : [],
            Enum = o["enum"] as JsonArray,
            Minimum = Number(o, "minimum"),
            ExclusiveMinimum = Bool(o, "exclusiveMinimum"),
            Maximum = Number(o, "maximum"),
            ExclusiveMaximum = Bool(o, "exclusiveMaximum"),
            MinLength = (long?)Number(o, "minLength"),
            MaxLength = (long?)Number(o, "maxLength"),
            MinItems = (long?)Number(o, "minItems"),
            MaxItems = (long?)Number(o, "maxItems"),
            Pattern = pattern,
            PatternText = patternText,
            Items = o["items"] is { } items ? Child("items", items) : null,
            Properties = properties,
            AdditionalProperties = additional is JsonObject ? Child("additionalProperties", additional) : null,
            AdditionalPropertiesAllowed = additional is JsonValue v && v.TryGetValue<bool>(out var allowed) && allowed,
            OneOf = All("oneOf"),
            AnyOf = All("anyOf"),
            AllOf = All("allOf"),
            Not = o["not"] is { } not ? Child("not", not) : null,
        };
    }

    private static string? String(JsonObject o, string name, string path, List<V1StatusCause> errors)
    {
        if (o[name] is null)
        {
            return null;
        }

        if (o[name] is JsonValue v && v.TryGetValue<string>(out var text))
        {
            return text;
        }

        errors.Add(new V1StatusCause { Reason = "FieldValueTypeInvalid", Field = path + "." + name, Message = "Invalid value: must be a string" });
        return null;
    }

    private static bool Bool(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static double? Number(JsonObject o, string name) =>
        o[name] is JsonValue v && double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
}
