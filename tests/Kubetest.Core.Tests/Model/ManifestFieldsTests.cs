using System.Reflection;
using System.Text.Json.Nodes;
using Kubetest.Model;

namespace Kubetest.Core.Tests.Model;

/// <summary>
/// The field declarations (<see cref="ManifestFields"/>) agree with the model records they are read into and
/// with the schema written from them, so a field added in one place and forgotten in another fails here.
/// </summary>
public class ManifestFieldsTests
{
    /// <summary>Model properties no manifest field of kubetest's own fills, and why.</summary>
    private static readonly HashSet<(Type, string)> NotFromAField =
    [
        (typeof(TestJobTemplate), nameof(TestJobTemplate.Path)), // where the template sits, for messages
        (typeof(Step), nameof(Step.Kind)), // which list the step is in
        (typeof(TestJobPodSpec), nameof(TestJobPodSpec.Pod)), // the pod spec's Kubernetes fields
        (typeof(TestJobContainer), nameof(TestJobContainer.Container)), // the container's Kubernetes fields
        (typeof(TestJobVolume), nameof(TestJobVolume.Volume)), // the volume's Kubernetes fields
    ];

    [Fact]
    public void Every_model_property_is_filled_from_a_declared_field()
    {
        var declared = Declared();
        var missing = declared.Keys
            .SelectMany(model => Settable(model).Where(p => !declared[model].Contains(p.Name) && !NotFromAField.Contains((model, p.Name))).Select(p => $"{model.Name}.{p.Name}"))
            .ToList();

        Assert.Empty(missing);
    }

    [Fact]
    public void Every_declared_field_is_kept_in_a_model_property_of_its_type_or_marked_not_kept()
    {
        var wrong = new List<string>();
        foreach (var (set, model) in Sets())
        {
            foreach (var field in set.Fields.Where(f => f.ModelProperty != ManifestField.NotKept && !Flattened(f)))
            {
                var property = Settable(model).FirstOrDefault(p => p.Name == field.ModelProperty);
                if (property is null)
                {
                    wrong.Add($"{set.Name}.{field.Name}: {model.Name} has no settable {field.ModelProperty}");
                }
                else if (Holds(field.Shape) is { } held && !Holding(property.PropertyType).IsAssignableFrom(held))
                {
                    wrong.Add($"{set.Name}.{field.Name}: {model.Name}.{property.Name} cannot hold a {held.Name}");
                }
            }
        }

        Assert.Empty(wrong);
    }

    [Fact]
    public void The_schema_lists_exactly_the_declared_fields_of_each_object_and_requires_the_required_ones()
    {
        var schema = ManifestSchema.Build();
        var wrong = new List<string>();
        CheckObject(schema, ManifestFields.TestJob, "", schema, wrong);

        Assert.Empty(wrong);
    }

    [Fact]
    public void Each_object_declares_a_field_name_once()
    {
        var twice = Sets().Select(s => s.Set).Distinct()
            .SelectMany(s => s.Names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => $"{s.Name}.{g.Key}"))
            .ToList();

        Assert.Empty(twice);
    }

    [Fact]
    public void Asking_for_an_undeclared_field_is_refused_naming_the_object_and_the_field()
    {
        var ex = Assert.Throws<KeyNotFoundException>(() => ManifestFields.Strategy["retests"]);

        Assert.Equal("strategy declares no field `retests`", ex.Message);
    }

    private static void CheckObject(JsonNode node, FieldSet set, string path, JsonObject root, List<string> wrong)
    {
        var o = Resolve(node, root);
        if (set.ExactlyOne)
        {
            var choices = o["oneOf"]!.AsArray().Select(c => Resolve(c!, root)).ToList();
            Expect(wrong, path + " (oneOf)", set.Names, choices.SelectMany(c => Keys(c["properties"])));
            for (var i = 0; i < Math.Min(choices.Count, set.Fields.Count); i++)
            {
                Expect(wrong, path + " (oneOf required)", [set.Fields[i].Name], Keys(choices[i]["required"]));
                CheckObjectFields(choices[i], [set.Fields[i]], path, root, wrong);
            }

            return;
        }

        Expect(wrong, path, set.Names, Keys(o["properties"]));
        Expect(wrong, path + " (required)", set.Fields.Where(f => f.Required).Select(f => f.Name), Keys(o["required"]));
        CheckObjectFields(o, set.Fields, path, root, wrong);
    }

    private static void CheckObjectFields(JsonObject o, IEnumerable<ManifestField> fields, string path, JsonObject root, List<string> wrong)
    {
        foreach (var field in fields)
        {
            if (o["properties"]?[field.Name] is { } property)
            {
                CheckShape(property, field.Shape, $"{path}.{field.Name}", root, wrong);
            }
        }
    }

    private static void CheckShape(JsonNode node, FieldShape shape, string path, JsonObject root, List<string> wrong)
    {
        switch (shape)
        {
            case ObjectShape o:
                CheckObject(node, o.Fields, path, root, wrong);
                break;
            case ListShape l:
                CheckShape(Resolve(node, root)["items"]!, l.Item, path + "[]", root, wrong);
                break;
            case KubernetesShape { Additions: { } additions }:
                // Kubernetes' own fields are there too; kubetest's must all be, with its required ones.
                var o2 = Resolve(node, root);
                var missing = additions.Names.Except(Keys(o2["properties"])).ToList();
                if (missing.Count > 0)
                {
                    wrong.Add($"{path}: the schema lacks {string.Join(", ", missing)}");
                }

                var required = additions.Fields.Where(f => f.Required).Select(f => f.Name).ToList();
                if (required.Count > 0)
                {
                    Expect(wrong, path + " (required)", required, Keys(o2["required"]));
                }

                CheckObjectFields(o2, additions.Fields, path, root, wrong);
                break;
        }
    }

    private static void Expect(List<string> wrong, string path, IEnumerable<string> declared, IEnumerable<string> written)
    {
        if (!declared.SequenceEqual(written))
        {
            wrong.Add($"{path}: declared [{string.Join(", ", declared)}], the schema has [{string.Join(", ", written)}]");
        }
    }

    private static IEnumerable<string> Keys(JsonNode? node) => node switch
    {
        JsonObject o => o.Select(p => p.Key).ToList(),
        JsonArray a => a.Select(n => n!.GetValue<string>()).ToList(),
        _ => [],
    };

    private static JsonObject Resolve(JsonNode node, JsonObject root) =>
        node["$ref"]?.GetValue<string>() is { } reference
            ? root["$defs"]![reference["#/$defs/".Length..]]!.AsObject()
            : node.AsObject();

    /// <summary>Each object of kubetest's own with the model type its fields are kept on (a flattened object's: its parent's).</summary>
    private static List<(FieldSet Set, Type Model)> Sets()
    {
        var sets = new List<(FieldSet, Type)>();
        Walk(ManifestFields.TestJob, typeof(TestJob), sets);
        return sets;
    }

    private static void Walk(FieldSet set, Type model, List<(FieldSet, Type)> sets)
    {
        if (sets.Contains((set, model)))
        {
            return;
        }

        sets.Add((set, model));
        foreach (var field in set.Fields)
        {
            foreach (var nested in Nested(field.Shape))
            {
                Walk(nested, nested.Model ?? model, sets);
            }
        }
    }

    private static IEnumerable<FieldSet> Nested(FieldShape shape) => shape switch
    {
        ObjectShape o => [o.Fields],
        ListShape l => Nested(l.Item),
        KubernetesShape { Additions: { } a } => [a],
        _ => [],
    };

    /// <summary>For each model type, the properties declared fields fill.</summary>
    private static Dictionary<Type, HashSet<string>> Declared()
    {
        var declared = new Dictionary<Type, HashSet<string>>();
        foreach (var (set, model) in Sets())
        {
            var names = declared.TryGetValue(model, out var n) ? n : declared[model] = [];
            names.UnionWith(set.Fields.Where(f => !Flattened(f)).Select(f => f.ModelProperty));
        }

        return declared;
    }

    private static bool Flattened(ManifestField field) => field.Shape is ObjectShape { Fields.Model: null };

    /// <summary>The model type a field's value is read into, where the declaration says.</summary>
    private static Type? Holds(FieldShape shape) => shape switch
    {
        ObjectShape o => o.Fields.Model,
        ListShape l => Holds(l.Item),
        KubernetesShape k => k.Additions?.Model ?? k.Type,
        _ => null,
    };

    private static Type Holding(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) ? type.GetGenericArguments()[0] : type;

    private static IEnumerable<PropertyInfo> Settable(Type model) =>
        model.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true });
}
