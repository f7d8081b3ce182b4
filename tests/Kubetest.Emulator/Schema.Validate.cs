using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>Validating a custom resource against its schema and pruning unknown fields, with the API server's field paths and messages.</summary>
internal sealed partial class Schema
{
    /// <summary>
    /// Checks <paramref name="value"/> (the object below its root fields apiVersion, kind and metadata) and, when
    /// <paramref name="prune"/>, removes the fields the schema does not know unless preserve-unknown-fields keeps them.
    /// </summary>
    public List<V1StatusCause> Validate(JsonObject value, bool prune)
    {
        var errors = new List<V1StatusCause>();
        foreach (var (name, child) in value.ToList())
        {
            if (name is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }

            if (Properties?.GetValueOrDefault(name) is { } schema)
            {
                schema.Walk(child, name, errors, prune);
            }
            else if (prune && !PreserveUnknownFields)
            {
                value.Remove(name);
            }
        }

        Missing(value, string.Empty, errors);
        return errors;
    }

    private void Walk(JsonNode? value, string path, List<V1StatusCause> errors, bool prune)
    {
        if (value is null)
        {
            if (!Nullable && (Type is not null || IntOrString))
            {
                errors.Add(Cause("FieldValueTypeInvalid", path, $"Invalid value: \"null\": {path} in body must be of type {Type ?? "string"}: \"null\""));
            }

            return;
        }

        var actual = TypeOf(value);
        if (!TypeMatches(actual))
        {
            errors.Add(Cause("FieldValueTypeInvalid", path, $"Invalid value: \"{actual}\": {path} in body must be of type {Type}: \"{actual}\""));
            return;
        }

        if (Enum is { } allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            var supported = string.Join(", ", allowed.Select(a => a?.ToJsonString() ?? "null"));
            errors.Add(Cause("FieldValueNotSupported", path, $"Unsupported value: {value.ToJsonString()}: supported values: {supported}"));
        }

        switch (value)
        {
            case JsonObject o:
                WalkObject(o, path, errors, prune);
                break;
            case JsonArray a:
                WalkArray(a, path, errors, prune);
                break;
            case JsonValue v:
                CheckScalar(v, actual, path, errors);
                break;
        }

        Combinators(value, path, errors);
    }

    private void WalkObject(JsonObject o, string path, List<V1StatusCause> errors, bool prune)
    {
        foreach (var (name, child) in o.ToList())
        {
            if (Properties?.GetValueOrDefault(name) is { } schema)
            {
                schema.Walk(child, path + "." + name, errors, prune);
            }
            else if (AdditionalProperties is { } each)
            {
                each.Walk(child, $"{path}[{name}]", errors, prune);
            }
            else if (prune && !PreserveUnknownFields && !AdditionalPropertiesAllowed)
            {
                o.Remove(name);
            }
        }

        Missing(o, path, errors);
    }

    private void WalkArray(JsonArray a, string path, List<V1StatusCause> errors, bool prune)
    {
        if (MinItems is { } min && a.Count < min)
        {
            errors.Add(Cause("FieldValueInvalid", path, $"Invalid value: {a.Count}: {path} in body should have at least {min} items"));
        }

        if (MaxItems is { } max && a.Count > max)
        {
            errors.Add(Cause("FieldValueTooMany", path, $"Too many: {a.Count}: must have at most {max} items"));
        }

        if (Items is { } items)
        {
            for (var i = 0; i < a.Count; i++)
            {
                items.Walk(a[i], $"{path}[{i}]", errors, prune);
            }
        }
    }

    private void CheckScalar(JsonValue v, string actual, string path, List<V1StatusCause> errors)
    {
        if (actual == "string")
        {
            var text = v.GetValue<string>();
            var quoted = JsonSerializer.Serialize(text);
            var length = text.EnumerateRunes().Count();
            if (MinLength is { } min && length < min)
            {
                errors.Add(Cause("FieldValueInvalid", path, $"Invalid value: {quoted}: {path} in body should be at least {min} chars long"));
            }

            if (MaxLength is { } max && length > max)
            {
                errors.Add(Cause("FieldValueTooLong", path, $"Too long: may not be more than {max} bytes"));
            }

            if (Pattern is { } pattern && !pattern.IsMatch(text))
            {
                errors.Add(Cause("FieldValueInvalid", path, $"Invalid value: {quoted}: {path} in body should match '{PatternText}'"));
            }

            // Leniently: what Go's time.Parse(RFC3339) reads, give or take fractional seconds.
            if (Format == "date-time" && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _))
            {
                errors.Add(Cause("FieldValueInvalid", path, $"Invalid value: {quoted}: {path} in body must be of type date-time: {quoted}"));
            }

            return;
        }

        if (actual is "integer" or "number")
        {
            var number = double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
            var shown = v.ToJsonString();
            if (Minimum is { } min && (ExclusiveMinimum ? number <= min : number < min))
            {
                var bound = (ExclusiveMinimum ? "greater than " : "greater than or equal to ") + min.ToString(CultureInfo.InvariantCulture);
                errors.Add(Cause("FieldValueInvalid", path, $"Invalid value: {shown}: {path} in body should be {bound}"));
            }

            if (Maximum is { } max && (ExclusiveMaximum ? number >= max : number > max))
            {
                var bound = (ExclusiveMaximum ? "less than " : "less than or equal to ") + max.ToString(CultureInfo.InvariantCulture);
                errors.Add(Cause("FieldValueInvalid", path, $"Invalid value: {shown}: {path} in body should be {bound}"));
            }
        }
    }

    /// <summary>oneOf, anyOf, allOf and not: checks only (the API server prunes by the structural part alone).</summary>
    private void Combinators(JsonNode value, string path, List<V1StatusCause> errors)
    {
        bool Passes(Schema s)
        {
            var found = new List<V1StatusCause>();
            s.Walk(value.DeepClone(), path, found, prune: false);
            return found.Count == 0;
        }

        if (OneOf.Count > 0 && OneOf.Count(Passes) != 1)
        {
            errors.Add(Cause("FieldValueInvalid", path, $"Invalid value: \"{TypeOf(value)}\": {path} in body must validate one and only one schema (oneOf)"));
        }

        if (AnyOf.Count > 0 && !AnyOf.Any(Passes))
        {
            errors.Add(Cause("FieldValueInvalid", path, $"Invalid value: \"{TypeOf(value)}\": {path} in body must validate at least one schema (anyOf)"));
        }

        foreach (var all in AllOf)
        {
            var found = new List<V1StatusCause>();
            all.Walk(value.DeepClone(), path, found, prune: false);
            errors.AddRange(found);
        }

        if (Not is { } not && Passes(not))
        {
            errors.Add(Cause("FieldValueInvalid", path, $"Invalid value: \"{TypeOf(value)}\": {path} in body should not be valid against schema (not)"));
        }
    }

    private void Missing(JsonObject o, string path, List<V1StatusCause> errors)
    {
        foreach (var name in Required.Where(r => !o.ContainsKey(r)))
        {
            errors.Add(Cause("FieldValueRequired", path.Length == 0 ? name : path + "." + name, "Required value"));
        }
    }

    private bool TypeMatches(string actual) =>
        IntOrString ? actual is "integer" or "string"
        : Type switch
        {
            null => true,
            "number" => actual is "number" or "integer",
            _ => Type == actual,
        };

    private static string TypeOf(JsonNode value) => value switch
    {
        JsonObject => "object",
        JsonArray => "array",
        _ => value.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => IsInteger(value.ToJsonString()) ? "integer" : "number",
            _ => "null",
        },
    };

    private static bool IsInteger(string number) =>
        long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
        || (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && Math.Abs(d) < 9.2e18 && d == Math.Floor(d) && !number.Contains('.', StringComparison.Ordinal));

    private static V1StatusCause Cause(string reason, string field, string message) => new() { Reason = reason, Field = field, Message = message };
}
