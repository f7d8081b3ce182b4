using System.Text.RegularExpressions;
using k8s.Models;

namespace Kubetest.Model;

/// <summary>
/// Names that become Kubernetes object names or path components of the run's workspace (the local
/// runtime's pod, volume and artifact directories): checked here, at load, so no name can point
/// outside them, and a run that would fail on a real cluster fails before it starts.
/// </summary>
internal sealed partial class ManifestValidator
{
    /// <summary>A Job's name is the prefix plus 5 random characters, and must fit a 63-character label value.</summary>
    private const int MaxGenerateName = 58;

    private void Metadata(V1ObjectMeta metadata, string path)
    {
        if (metadata.Name is string name)
        {
            // The name followed by "-" is the prefix of the Jobs' names.
            GenerateName(name + "-", name, $"{path}.name");
        }

        if (metadata.GenerateName is string generateName)
        {
            GenerateName(generateName, generateName, $"{path}.generateName");
        }

        if (metadata.NamespaceProperty is string ns && (ns.Length > 63 || !Dns1123Label().IsMatch(ns)))
        {
            r.Problem($"{path}.namespace", $"\"{ns}\" must be a DNS-1123 label (lower case letters, digits, '-') of at most 63 characters");
        }
    }

    private void GenerateName(string prefix, string written, string path)
    {
        if (prefix.Length > MaxGenerateName || !Dns1123Subdomain().IsMatch(prefix + "x"))
        {
            r.Problem(path, $"\"{written}\" must be a DNS-1123 name (lower case letters, digits, '-', '.'; starting with a letter or digit) of at most {MaxGenerateName - 1} characters, so that the Jobs named after it are valid");
        }
    }

    private void VolumeName(string name, string path)
    {
        if (name.Length > 0 && (name.Length > 63 || !Dns1123Label().IsMatch(name)))
        {
            r.Problem($"{path}.name", $"\"{name}\" must be a DNS-1123 label (lower case letters, digits, '-') of at most 63 characters");
        }
    }

    private void SubPath(string? subPath, string path)
    {
        if (!string.IsNullOrEmpty(subPath) && (subPath.StartsWith('/') || subPath.Split('/').Contains("..") || subPath.Contains('\0', StringComparison.Ordinal)))
        {
            r.Problem(path, $"\"{subPath}\" must be a relative path that does not contain '..'");
        }
    }

    /// <summary>Artifact names are directories of the run's workspace and of the export path.</summary>
    private void ArtifactName(string name, string path)
    {
        if (name is "." or ".." || name.Contains('/', StringComparison.Ordinal) || name.Any(char.IsControl))
        {
            r.Problem(path, $"\"{name}\" must be a plain name: no '/', no control characters, not '.' or '..'");
        }
    }

    /// <summary>The last part of an artifact's path names its copy, so it must be a real file name.</summary>
    private void ArtifactPath(string artifactPath, string path)
    {
        var last = artifactPath.TrimEnd('/').Split('/')[^1];
        if (artifactPath.StartsWith('/') && (last is "" or "." or ".." || artifactPath.Contains('\0', StringComparison.Ordinal)))
        {
            r.Problem(path, $"\"{artifactPath}\" must name a file or directory, not '/', '.' or '..'");
        }
    }

    private void Keys(IReadOnlyList<string> keys, string path)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            if (keys[i].Contains('\0', StringComparison.Ordinal))
            {
                // A NUL cannot travel in an environment variable: the key would be cut short.
                r.Problem($"{path}[{i}]", $"key \"{keys[i]}\" contains a NUL character");
            }
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();
}
