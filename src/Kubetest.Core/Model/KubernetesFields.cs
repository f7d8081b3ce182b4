using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Kubetest.Model;

/// <summary>
/// Finds the fields of a Kubernetes part of a manifest (a container, a pod spec, a volume,
/// metadata) that its official model type does not have, so a typo such as <c>comand</c> is
/// warned about instead of silently dropped by the client's serializer. The known names are the
/// <c>[JsonPropertyName]</c>s of the k8s.Models types, followed recursively into nested objects,
/// lists and maps.
/// </summary>
internal static class KubernetesFields
{
    private static readonly ConcurrentDictionary<Type, IReadOnlyDictionary<string, Type>> Properties = new();

    /// <summary>A field its model type <paramref name="Owner"/> does not have, and the names that type has which the object does not use.</summary>
    public sealed record Field(string Path, string Name, Type Owner, IEnumerable<string> Known);

    /// <summary>Every field under <paramref name="node"/> that <paramref name="type"/> does not know, in document order.</summary>
    public static List<Field> Unknown(JsonNode? node, Type type, string path)
    {
        var unknown = new List<Field>();
        Walk(node, type, path, unknown);
        return unknown;
    }

    private static void Walk(JsonNode? node, Type type, string path, List<Field> unknown)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        switch (node)
        {
            case JsonObject obj when ValueTypeOfMap(type) is { } valueType:
                foreach (var (key, value) in obj)
                {
                    Walk(value, valueType, NodeReader.Child(path, key), unknown);
                }

                break;
            case JsonObject obj when IsModel(type):
                var known = Properties.GetOrAdd(type, PropertiesOf);
                foreach (var (key, value) in obj)
                {
                    var childPath = NodeReader.Child(path, key);
                    if (known.TryGetValue(key, out var childType))
                    {
                        Walk(value, childType, childPath, unknown);
                    }
                    else
                    {
                        unknown.Add(new Field(childPath, key, type, known.Keys.Where(k => !obj.ContainsKey(k))));
                    }
                }

                break;
            case JsonArray array when ElementTypeOfList(type) is { } elementType:
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(array[i], elementType, $"{path}[{i}]", unknown);
                }

                break;
            default:
                // A scalar, or a value whose shape the model leaves open (IntOrString, a quantity, raw JSON).
                break;
        }
    }

    /// <summary>A Kubernetes model object: a class of k8s.Models read property by property (not by a converter of its own).</summary>
    private static bool IsModel(Type type) =>
        type.IsClass && type.Namespace == "k8s.Models" && type.GetCustomAttribute<JsonConverterAttribute>() is null
        && Properties.GetOrAdd(type, PropertiesOf).Count > 0;

    private static IReadOnlyDictionary<string, Type> PropertiesOf(Type type) => type
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null && p.GetIndexParameters().Length == 0)
        .Select(p => (Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name, p.PropertyType))
        .Where(p => p.Name is not null)
        .GroupBy(p => p.Name!, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.First().PropertyType, StringComparer.Ordinal);

    private static Type? ValueTypeOfMap(Type type) => Generic(type, typeof(IDictionary<,>)) is [var key, var value] && key == typeof(string) ? value : null;

    private static Type? ElementTypeOfList(Type type) => type == typeof(string) || type == typeof(byte[])
        ? null
        : Generic(type, typeof(IEnumerable<>)) is [var element] ? element : null;

    private static Type[]? Generic(Type type, Type definition)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == definition)
        {
            return type.GetGenericArguments();
        }

        return type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == definition)?.GetGenericArguments();
    }
}
