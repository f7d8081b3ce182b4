using System.Text.Json.Nodes;

namespace Kubetest.Model;

/// <summary>
/// One field of kubetest's own, declared once in <see cref="ManifestFields"/>: the reader takes its
/// name and whether it is required from here, the schema writer all of it.
/// </summary>
/// <param name="Property">The model property it is read into; null for its name in PascalCase, <see cref="NotKept"/> for a field accepted and ignored.</param>
internal sealed record ManifestField(string Name, FieldShape Shape, string Description, bool Required = false, string? Default = null, string? Property = null)
{
    public const string NotKept = "";

    public string ModelProperty => Property ?? char.ToUpperInvariant(Name[0]) + Name[1..];
}

/// <summary>The fields of one object of kubetest's own, in manifest order.</summary>
/// <param name="model">The model type its fields are read into; null when they are kept on the enclosing object's model (e.g. <c>merge.base</c> as <see cref="Repository.MergeBase"/>).</param>
internal sealed class FieldSet(string name, Type? model, params ManifestField[] fields)
{
    public string Name => name;

    public Type? Model => model;

    public IReadOnlyList<ManifestField> Fields => fields;

    /// <summary>Exactly one of the fields must be set (a token's sources).</summary>
    public bool ExactlyOne { get; init; }

    public string[] Names { get; } = [.. fields.Select(f => f.Name)];

    /// <summary>A declared field; asking for an undeclared one is a bug in the reader.</summary>
    public ManifestField this[string key] =>
        fields.FirstOrDefault(f => f.Name == key) ?? throw new KeyNotFoundException($"{name} declares no field `{key}`");
}

/// <summary>What a field holds, as the schema writer needs it.</summary>
internal abstract record FieldShape;

/// <summary>A value whose schema is given as-is (a string, a bounded integer, an enum).</summary>
internal sealed record ValueShape(JsonObject Schema) : FieldShape;

internal sealed record ObjectShape(FieldSet Fields) : FieldShape;

internal sealed record ListShape(FieldShape Item) : FieldShape;

/// <summary>
/// An official Kubernetes model type: referenced from <c>$defs</c>; with <paramref name="Additions"/>, extended by
/// kubetest's own fields, kept in <c>$defs</c> under <paramref name="ExtendedAs"/> or, without that name, inline.
/// </summary>
internal sealed record KubernetesShape(Type Type, FieldSet? Additions = null, string? ExtendedAs = null) : FieldShape;
