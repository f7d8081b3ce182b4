using System.Text;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>The API server's ConfigMap checks: its name, its keys, and the 1 MiB that etcd takes per object.</summary>
internal static partial class Validation
{
    /// <summary>The API server's limit on a ConfigMap's values (and a Secret's), in bytes.</summary>
    public const int MaxConfigMapBytes = 1024 * 1024;

    private const string ConfigKeyMessage = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

    [GeneratedRegex("^[-._a-zA-Z0-9]+$")]
    private static partial Regex ConfigKey();

    public static void ConfigMap(V1ConfigMap configMap)
    {
        var causes = new List<V1StatusCause>();
        ObjectName(configMap.Metadata, causes);
        long size = 0;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in configMap.Data ?? new Dictionary<string, string>())
        {
            Key(key, "data", causes);
            keys.Add(key);
            size += Encoding.UTF8.GetByteCount(value ?? string.Empty);
        }

        foreach (var (key, value) in configMap.BinaryData ?? new Dictionary<string, byte[]>())
        {
            Key(key, "binaryData", causes);
            if (!keys.Add(key))
            {
                causes.Add(new V1StatusCause { Field = $"data[{key}]", Reason = "FieldValueInvalid", Message = $"Invalid value: \"{key}\": duplicate of key present in binaryData" });
            }

            size += value?.Length ?? 0;
        }

        if (size > MaxConfigMapBytes)
        {
            causes.Add(new V1StatusCause { Field = "[]", Reason = "FieldValueTooLong", Message = $"Too long: must have at most {MaxConfigMapBytes} bytes" });
        }

        Throw(causes, "ConfigMap", configMap.Metadata, null);
    }

    private static void Key(string key, string path, List<V1StatusCause> causes)
    {
        var field = $"{path}[{key}]";
        if (key.Length > 253)
        {
            causes.Add(Invalid(field, key, "must be no more than 253 characters"));
        }

        if (!ConfigKey().IsMatch(key))
        {
            causes.Add(Invalid(field, key, ConfigKeyMessage));
        }
        else if (key is "." or ".." || key.StartsWith("..", StringComparison.Ordinal))
        {
            causes.Add(Invalid(field, key, key == "." ? "must not be '.'" : key == ".." ? "must not be '..'" : "must not start with '..'"));
        }
    }
}
