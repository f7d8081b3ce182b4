using System.Security.Cryptography;
using System.Text;

namespace Kubetest.Cli;

/// <summary>Where a run keeps its keys' durations for the next run (<c>--timings-store</c>), checked before anything runs.</summary>
/// <param name="Path">The file of a file store; null for none and for the cluster.</param>
/// <param name="Cluster">The ConfigMap of the run's namespace and TestJob.</param>
internal sealed record TimingStoreChoice(string? Path, bool Cluster)
{
    public const string NoneValue = "none";
    public const string ClusterValue = "cluster";

    public static TimingStoreChoice None { get; } = new(null, false);

    /// <summary>
    /// <c>none</c>, <c>cluster</c> or a FILE; without the option, <c>cluster</c> on the kubernetes runtime and
    /// <see cref="DefaultFile"/> on the local runtime. <c>cluster</c> on the local runtime is refused: it names a store that is not there.
    /// </summary>
    public static TimingStoreChoice Parse(string? value, RuntimeKind kind, string @namespace, string testJobName, EarlyLines lines)
    {
        switch (value)
        {
            case NoneValue:
                return None;
            case ClusterValue when kind == RuntimeKind.Local:
                throw new UserInputException("--timings-store cluster keeps timings in a ConfigMap, which needs --runtime kubernetes; on the local runtime pass a FILE (the default is under $XDG_CACHE_HOME/kubetest) or none");
            case ClusterValue:
            case null when kind == RuntimeKind.Kubernetes:
                return new TimingStoreChoice(null, Cluster: true);
            case null:
                if (DefaultFile(@namespace, testJobName) is { } file)
                {
                    return new TimingStoreChoice(file, false);
                }

                lines.Add(LogLevel.Warn, "timings: neither XDG_CACHE_HOME nor HOME names a directory, so no timing store is used; pass --timings-store FILE");
                return None;
            case "":
                throw new UserInputException("--timings-store: the value is empty; pass none, cluster or a FILE");
            default:
                return Directory.Exists(value)
                    ? throw new UserInputException($"--timings-store: {value} is a directory; pass a FILE")
                    : new TimingStoreChoice(System.IO.Path.GetFullPath(value), false);
        }
    }

    /// <summary>The store chosen, for a run whose client (the kubernetes runtime's) is <paramref name="client"/>; null for none.</summary>
    public ITimingStore? Open(k8s.IKubernetes? client, string @namespace, string testJobName) =>
        Path is not null ? new FileTimingStore(Path, TimeProvider.System, FileTimingStore.DefaultLockTimeout)
        : Cluster && client is not null ? new Runtime.Kubernetes.ConfigMapTimingStore(client, @namespace, testJobName)
        : null;

    /// <summary>
    /// <c>$XDG_CACHE_HOME/kubetest/NAMESPACE/NAME.json</c>; per the XDG spec an unset or relative XDG_CACHE_HOME
    /// means <c>~/.cache</c>. Null when there is no home either.
    /// </summary>
    public static string? DefaultFile(string @namespace, string testJobName)
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { } xdg && System.IO.Path.IsPathFullyQualified(xdg)
            ? xdg
            : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home ? System.IO.Path.Combine(home, ".cache") : null;
        return cache is null ? null : System.IO.Path.Combine(cache, "kubetest", FileNamePart(@namespace), FileNamePart(testJobName) + ".json");
    }

    /// <summary>
    /// A name as one path segment: a Kubernetes name stays as it is; anything else (a slash, <c>..</c>, control
    /// characters, a long name) has those characters replaced and a hash of the whole added, so two names never share a file.
    /// </summary>
    public static string FileNamePart(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var safe = name.Length is > 0 and <= 100 && name[0] != '.' && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
        if (safe)
        {
            return name;
        }

        var replaced = new string([.. name.Take(64).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..12];
        return $"{replaced}-{hash}";
    }
}
