namespace Kubetest.Runtime.Local;

/// <summary>A host file or directory bound at a path in a container.</summary>
/// <param name="ContainerPath">Normalized container path (see <see cref="ContainerPaths.Normalize"/>).</param>
/// <param name="HostPath">What is bound there.</param>
/// <param name="ReadOnly">The container may not write through this mount.</param>
/// <param name="IsDirectory">Whether a directory (rather than a file) is mounted; mount points must match.</param>
/// <param name="LinkTarget">Set for a placed symbolic link: the sandbox gets a link with this target, nothing is bound.</param>
internal sealed record Mount(string ContainerPath, string HostPath, bool ReadOnly, bool IsDirectory, string? LinkTarget = null);
