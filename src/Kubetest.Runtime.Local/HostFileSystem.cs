using System.Collections.Concurrent;

namespace Kubetest.Runtime.Local;

/// <summary>An entry of a host directory; <see cref="SymlinkTarget"/> is set for symbolic links.</summary>
internal sealed record HostEntry(string Name, string? SymlinkTarget);

/// <summary>What the bwrap argument builder needs to know about the host, so it can be tested with a fake.</summary>
internal interface IHostFileSystem
{
    /// <summary>The entries of a host directory, sorted by name.</summary>
    IReadOnlyList<HostEntry> List(string directory);

    bool DirectoryExists(string path);

    bool FileExists(string path);

    /// <summary>The host path that is bound at container path <paramref name="path"/>: the same path on the host itself, inside the root directory of a <see cref="ContainerImage"/>.</summary>
    string SourceOf(string path) => path;
}

/// <summary>
/// The real host. Listings are cached for the runtime's lifetime: the host's system directories do
/// not change during a run, and re-reading "/" for every one of thousands of execs would be the
/// dominant per-exec cost.
/// </summary>
internal sealed class HostFileSystem : IHostFileSystem
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<HostEntry>> _listings = new(StringComparer.Ordinal);

    public IReadOnlyList<HostEntry> List(string directory) => _listings.GetOrAdd(directory, ReadListing);

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public bool FileExists(string path) => File.Exists(path);

    private static List<HostEntry> ReadListing(string directory)
    {
        try
        {
            return new DirectoryInfo(directory)
                .EnumerateFileSystemInfos()
                .Select(info => new HostEntry(info.Name, info.LinkTarget))
                .OrderBy(entry => entry.Name, StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
