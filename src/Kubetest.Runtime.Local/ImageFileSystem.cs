namespace Kubetest.Runtime.Local;

/// <summary>
/// The view of a <see cref="ContainerImage"/>'s root directory as the sandbox's "host": container path
/// <c>/x</c> is <c>RootDirectory/x</c>. Not cached: one is made per container, which lists each
/// directory once when its bwrap arguments are built.
/// </summary>
internal sealed class ImageFileSystem(string rootDirectory) : IHostFileSystem
{
    private readonly HostFileSystem _host = new();

    public IReadOnlyList<HostEntry> List(string directory) => _host.List(SourceOf(directory));

    public bool DirectoryExists(string path) => Directory.Exists(SourceOf(path));

    public bool FileExists(string path) => File.Exists(SourceOf(path));

    public string SourceOf(string path) => ContainerPaths.OnHost(rootDirectory, ContainerPaths.Normalize(path).TrimStart('/'));
}
