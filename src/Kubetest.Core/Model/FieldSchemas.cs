using System.Text.Json.Nodes;

namespace Kubetest.Model;

/// <summary>The schemas of the values field declarations hold.</summary>
internal static class FieldSchemas
{
    /// <param name="property">The model property it is read into; null for its name in PascalCase, <see cref="ManifestField.NotKept"/> for a field accepted and ignored.</param>
    public static ManifestField Field(string name, FieldShape shape, string description, bool required = false, string? @default = null, string? property = null) =>
        new(name, shape, description, required, @default, property);

    public static ValueShape String() => new(new JsonObject { ["type"] = "string" });

    public static ValueShape NonEmptyString() => new(new JsonObject { ["type"] = "string", ["minLength"] = 1 });

    /// <summary>A string, or a number or boolean that YAML reads as one but kubetest takes as written (a branch called 1.10, a key 007).</summary>
    public static ValueShape Scalar() => new(new JsonObject { ["type"] = new JsonArray("string", "number", "boolean") });

    public static ValueShape Boolean() => new(BooleanSchema());

    public static JsonObject BooleanSchema() => new() { ["type"] = "boolean" };

    public static ValueShape Integer(long minimum) => new(new JsonObject { ["type"] = "integer", ["minimum"] = minimum });

    public static ValueShape Integer(long minimum, long maximum) => new(IntegerSchema(minimum, maximum));

    public static JsonObject IntegerSchema(long minimum, long maximum) => new() { ["type"] = "integer", ["minimum"] = minimum, ["maximum"] = maximum };

    public static ValueShape Port() => Integer(1, ushort.MaxValue);

    /// <summary><see cref="GoDuration"/>'s grammar as far as a pattern can say it (not that it is positive).</summary>
    public static ValueShape Duration() => new(new JsonObject
    {
        ["type"] = "string",
        ["pattern"] = "^([0-9]+|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$",
    });

    public static ValueShape LogLevel() => new(new JsonObject
    {
        ["anyOf"] = new JsonArray(
            new JsonObject { ["type"] = "string", ["pattern"] = "^([Dd][Ee][Bb][Uu][Gg]|[Ii][Nn][Ff][Oo]|[Ww][Aa][Rr][Nn]|[Ee][Rr][Rr][Oo][Rr])$" },
            new JsonObject { ["enum"] = new JsonArray(1, 2, 3, 4) }),
    });
}
