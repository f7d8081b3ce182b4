using System.Reflection;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Kubetest.Runtime.Local;

/// <summary>A pod volume as a host file or directory.</summary>
internal sealed record PodVolume(string Name, string HostPath, bool IsDirectory);

/// <summary>Turns the pod's volumes into host paths: emptyDir in the pod's state directory, hostPath as is.</summary>
internal static class PodVolumes
{
    public static Dictionary<string, PodVolume> Create(IEnumerable<V1Volume>? volumes, string podDirectory)
    {
        var result = new Dictionary<string, PodVolume>(StringComparer.Ordinal);
        foreach (var volume in volumes ?? [])
        {
            result[volume.Name] = Create(volume, podDirectory);
        }

        return result;
    }

    private static PodVolume Create(V1Volume volume, string podDirectory)
    {
        if (volume.HostPath is { } hostPath)
        {
            return CreateHostPath(volume.Name, hostPath);
        }

        var kind = SourceKind(volume);

        // Kubernetes defaults a volume without a source to emptyDir.
        if (kind is null || volume.EmptyDir is not null)
        {
            var directory = Path.Combine(podDirectory, "volumes", volume.Name);
            Directory.CreateDirectory(directory);
            return new PodVolume(volume.Name, directory, IsDirectory: true);
        }

        throw new PodFailedException(
            $"volume \"{volume.Name}\" is a {kind} volume, which the local runtime does not support (only emptyDir and hostPath volumes work locally)");
    }

    private static PodVolume CreateHostPath(string name, V1HostPathVolumeSource source)
    {
        var path = source.Path;
        switch (source.Type)
        {
            case "File" or "Socket" or "CharDevice" or "BlockDevice":
                if (!File.Exists(path))
                {
                    throw new PodFailedException($"hostPath volume \"{name}\": {path} does not exist on this machine");
                }

                return new PodVolume(name, path, IsDirectory: false);
            case "FileOrCreate":
                if (!File.Exists(path))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(path) ?? "/");
                    File.WriteAllBytes(path, []);
                }

                return new PodVolume(name, path, IsDirectory: false);
            case "Directory":
                if (!Directory.Exists(path))
                {
                    throw new PodFailedException($"hostPath volume \"{name}\": directory {path} does not exist on this machine");
                }

                return new PodVolume(name, path, IsDirectory: true);
            default:
                // Unset type and DirectoryOrCreate: the kubelet creates a missing directory too.
                if (File.Exists(path))
                {
                    return new PodVolume(name, path, IsDirectory: false);
                }

                Directory.CreateDirectory(path);
                return new PodVolume(name, path, IsDirectory: true);
        }
    }

    /// <summary>The manifest name of the volume's source ("configMap", "secret", …), or null when none is set.</summary>
    private static string? SourceKind(V1Volume volume)
    {
        foreach (var property in typeof(V1Volume).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.Name == nameof(V1Volume.Name) || property.GetValue(volume) is null)
            {
                continue;
            }

            return property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? property.Name;
        }

        return null;
    }
}
