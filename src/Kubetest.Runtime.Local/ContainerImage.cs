namespace Kubetest.Runtime.Local;

/// <summary>
/// A container filesystem that is not the host's, for a caller that stands in for a cluster (the API
/// emulator's kubelet) and must show that an image without a shell works: the entries of
/// <see cref="RootDirectory"/> stand at <c>/</c> instead of the host's (read-only, as the host's do),
/// and each of <see cref="ReadOnlyBinds"/> (container path → host file or directory) is bound read-only
/// on top, e.g. the host's libraries. /proc, /dev, /tmp, volumes and placed files are there as in every
/// sandboxed container. Needs <see cref="SandboxMode.Bwrap"/>.
/// </summary>
/// <param name="RootDirectory">The image's root on the host. Links in it should be relative: the runtime reads them on the host.</param>
/// <param name="ReadOnlyBinds">Container path → host path, bound read-only.</param>
public sealed record ContainerImage(string RootDirectory, IReadOnlyDictionary<string, string> ReadOnlyBinds);
