using k8s.Models;

namespace Kubetest.Runtime.Local;

/// <summary>Where a container path lives on the host, and whether the container can write there.</summary>
/// <param name="HostPath">The host file or directory.</param>
/// <param name="Writable">False for read-only mounts, and for the host's own files unless the container writes them copy-on-write.</param>
/// <param name="IsHostView">True when no mount covers the path: it is the host's own file.</param>
internal sealed record ResolvedPath(string HostPath, bool Writable, bool IsHostView);

/// <summary>
/// One container's filesystem: which host paths are mounted where (volumes, scratch directories,
/// placed files), and how container paths map back to host paths for copying.
/// </summary>
internal sealed class ContainerFileSystem
{
    private ContainerFileSystem(string name, List<Mount> mounts, string workingDir, string hostWorkingDir, string stateDirectory, ContainerImage? image, bool rootIsWritable)
    {
        RootIsWritable = rootIsWritable;
        CopyOnWriteDirectory = Path.Combine(stateDirectory, "cow");
        Image = image;
        Name = name;
        Mounts = mounts;
        WorkingDir = workingDir;
        HostWorkingDir = hostWorkingDir;
        RootDirectory = Path.Combine(stateDirectory, "root");
    }

    public string Name { get; }

    /// <summary>The filesystem standing at <c>/</c> in place of the host's, if the runtime was given one for this container's image.</summary>
    public ContainerImage? Image { get; }

    /// <summary>Where the container's writable root lives when the runtime keeps one (under the host's read-only entries), for the container's life.</summary>
    public string RootDirectory { get; }

    /// <summary>
    /// Whether the container writes to the host's view copy-on-write (its writes kept in
    /// <see cref="CopyOnWriteDirectory"/>), as a container writes over its image; false for a
    /// container asking for <c>readOnlyRootFilesystem</c> and where the machine cannot make overlays.
    /// </summary>
    public bool RootIsWritable { get; }

    /// <summary>Where the container's overlays keep their upper directories, mount points and work directories.</summary>
    public string CopyOnWriteDirectory { get; }

    /// <summary>Mounts on top of the host view, in the order they were added (later ones win at the same path).</summary>
    public IReadOnlyList<Mount> Mounts { get; }

    /// <summary>The working directory as the container sees it.</summary>
    public string WorkingDir { get; }

    /// <summary>The working directory on the host, for running without a sandbox.</summary>
    public string HostWorkingDir { get; }

    /// <param name="container">The container spec.</param>
    /// <param name="stateDirectory">The container's private directory in the pod's state directory.</param>
    /// <param name="volumes">The pod's volumes by name.</param>
    /// <param name="files">The files to place in this container.</param>
    /// <param name="mode">Bwrap mounts everything; None can only place files where a host directory stands in.</param>
    /// <param name="variables">The container's declared variables, for subPathExpr.</param>
    /// <param name="problems">Receives what cannot be done in this mode.</param>
    /// <param name="image">The image's own filesystem, in place of the host's; null for the host's.</param>
    /// <param name="copyOnWrite">Whether the runtime can give containers a writable copy-on-write root.</param>
    public static ContainerFileSystem Create(
        V1Container container,
        string stateDirectory,
        IReadOnlyDictionary<string, PodVolume> volumes,
        IEnumerable<ContainerFile> files,
        SandboxMode mode,
        IReadOnlyDictionary<string, string> variables,
        Action<string> problems,
        ContainerImage? image = null,
        bool copyOnWrite = false)
    {
        var rootIsWritable = copyOnWrite && mode == SandboxMode.Bwrap && container.SecurityContext?.ReadOnlyRootFilesystem != true;
        var mounts = new List<Mount>();
        if (image is not null)
        {
            if (mode != SandboxMode.Bwrap)
            {
                throw new PodFailedException($"container {container.Name}: image {container.Image} has a filesystem of its own, which only a bwrap sandbox can show it");
            }

            // First, so that volumes and placed files at the same paths win, as over an image's own files.
            foreach (var (containerPath, hostPath) in image.ReadOnlyBinds)
            {
                mounts.Add(new Mount(ContainerPaths.Normalize(containerPath), hostPath, ReadOnly: true, IsDirectory: Directory.Exists(hostPath)));
            }
        }

        if (mode == SandboxMode.Bwrap)
        {
            // A private /tmp that outlives each exec, like a container's writable layer.
            mounts.Add(new Mount("/tmp", CreateDirectory(Path.Combine(stateDirectory, "tmp")), ReadOnly: false, IsDirectory: true));
        }

        foreach (var volumeMount in container.VolumeMounts ?? [])
        {
            mounts.Add(VolumeMount(container.Name, volumeMount, volumes, variables));
        }

        var workingDir = string.IsNullOrEmpty(container.WorkingDir) ? "/" : ContainerPaths.Normalize(container.WorkingDir);
        if (workingDir != "/" && FindMount(mounts, workingDir) is null)
        {
            // The image would provide the working directory; here it is a private writable directory
            // that persists across execs, so results written there can be copied out later.
            mounts.Add(new Mount(workingDir, CreateDirectory(Path.Combine(stateDirectory, "workdir")), ReadOnly: false, IsDirectory: true));
        }

        var fileSystem = new ContainerFileSystem(container.Name, mounts, workingDir, hostWorkingDir: workingDir, stateDirectory, image, rootIsWritable);
        var hostWorkingDir = fileSystem.Resolve(workingDir);
        if (!hostWorkingDir.IsHostView && FindMount(mounts, workingDir) is { IsDirectory: true } workingMount)
        {
            // Kubernetes creates a missing working directory; inside a volume that is a host directory,
            // created without following a link a container may have left in the volume.
            try
            {
                FileTree.CreateDirectoryBelow(workingMount.HostPath, ContainerPaths.Relative(workingDir, workingMount.ContainerPath));
            }
            catch (IOException ex)
            {
                throw new PodFailedException($"container {container.Name}: cannot create the working directory {workingDir}: {ex.Message}", ex);
            }
        }

        var index = 0;
        foreach (var file in files)
        {
            PlaceFile(file, Path.Combine(stateDirectory, "files", (index++).ToString(System.Globalization.CultureInfo.InvariantCulture)), mounts, mode, problems);
        }

        if (mode == SandboxMode.Bwrap)
        {
            CreateMountPoints(mounts);
        }

        return new ContainerFileSystem(container.Name, mounts, workingDir, hostWorkingDir.HostPath, stateDirectory, image, rootIsWritable);
    }

    /// <summary>Maps a container path to the host: through the deepest mount covering it, else the host's own path.</summary>
    public ResolvedPath Resolve(string containerPath)
    {
        var path = ContainerPaths.Normalize(containerPath);
        var mount = FindMount(Mounts, path);
        return mount is null
            ? new ResolvedPath(path, Writable: RootIsWritable, IsHostView: true)
            : new ResolvedPath(ContainerPaths.OnHost(mount.HostPath, ContainerPaths.Relative(path, mount.ContainerPath)), !mount.ReadOnly, IsHostView: false);
    }

    private static Mount? FindMount(IReadOnlyList<Mount> mounts, string path)
    {
        Mount? best = null;
        foreach (var mount in mounts)
        {
            // ">=" so that of two mounts at one path the later (a placed file over a volume) wins, as in bwrap.
            if (ContainerPaths.IsUnder(path, mount.ContainerPath) && (best is null || mount.ContainerPath.Length >= best.ContainerPath.Length))
            {
                best = mount;
            }
        }

        return best;
    }

    private static Mount VolumeMount(string container, V1VolumeMount volumeMount, IReadOnlyDictionary<string, PodVolume> volumes, IReadOnlyDictionary<string, string> variables)
    {
        if (!volumes.TryGetValue(volumeMount.Name, out var volume))
        {
            throw new PodFailedException($"container {container} mounts volume \"{volumeMount.Name}\", which the pod does not define");
        }

        var subPath = !string.IsNullOrEmpty(volumeMount.SubPath) ? volumeMount.SubPath
            : !string.IsNullOrEmpty(volumeMount.SubPathExpr) ? ContainerEnvironment.Expand(volumeMount.SubPathExpr, variables)
            : string.Empty;
        var hostPath = volume.HostPath;
        var isDirectory = volume.IsDirectory;
        if (subPath.Length > 0)
        {
            var relative = ContainerPaths.Normalize(subPath)[1..];
            if (Path.IsPathRooted(subPath) || subPath.Split('/').Contains(".."))
            {
                throw new PodFailedException($"container {container}: subPath \"{subPath}\" of volume \"{volumeMount.Name}\" must be a relative path inside the volume");
            }

            hostPath = volume.HostPath;
            foreach (var part in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                // bwrap would bind whatever a link there points to on the host (the kubelet's subPath CVE).
                hostPath = Path.Combine(hostPath, part);
                if (FileTree.KindOf(hostPath) == EntryKind.Link)
                {
                    throw new PodFailedException($"container {container}: subPath \"{subPath}\" of volume \"{volumeMount.Name}\" passes through a symbolic link, which kubetest does not follow");
                }
            }

            // Like the kubelet: a missing subPath becomes a directory.
            isDirectory = !File.Exists(hostPath);
            if (isDirectory)
            {
                Directory.CreateDirectory(hostPath);
            }
        }

        return new Mount(ContainerPaths.Normalize(volumeMount.MountPath), hostPath, volumeMount.ReadOnlyProperty == true, isDirectory);
    }

    private static void PlaceFile(ContainerFile file, string copyDirectory, List<Mount> mounts, SandboxMode mode, Action<string> problems)
    {
        if (!FileTree.Exists(file.LocalPath))
        {
            throw new PodFailedException($"cannot place {file.LocalPath} at {file.ContainerPath} in container {file.Container}: it does not exist");
        }

        var containerPath = ContainerPaths.Normalize(file.ContainerPath);
        var kind = FileTree.KindOf(file.LocalPath);
        var mount = FindMount(mounts, containerPath);
        if (mode == SandboxMode.Bwrap && kind != EntryKind.Link)
        {
            // A private copy, so the container cannot change the source through its mount.
            var isDirectory = kind == EntryKind.Directory;
            var copy = Path.Combine(copyDirectory, isDirectory ? "dir" : "file");
            FileTree.Copy(file.LocalPath, copy, CancellationToken.None);
            mounts.Add(new Mount(containerPath, copy, file.ReadOnly, isDirectory));
            return;
        }

        if (mode == SandboxMode.Bwrap && (mount is null || mount.ReadOnly || !mount.IsDirectory))
        {
            // bwrap would follow a link given as what to bind, on the host: make a link in the sandbox instead.
            mounts.Add(new Mount(containerPath, file.LocalPath, ReadOnly: true, IsDirectory: false, LinkTarget: new FileInfo(file.LocalPath).LinkTarget));
            return;
        }

        if (mount is null || mount.ReadOnly)
        {
            problems($"kubetest: cannot place {file.LocalPath} at {containerPath} in container {file.Container}: without bwrap files can only be placed inside a volume or the working directory");
            return;
        }

        // Into a volume's host directory, where a link planted by a container is replaced, never followed.
        var relative = ContainerPaths.Relative(containerPath, mount.ContainerPath);
        if (relative.Length == 0)
        {
            throw new PodFailedException($"cannot place {file.LocalPath} at {containerPath} in container {file.Container}: a volume is mounted at that very path");
        }

        try
        {
            var parent = FileTree.CreateDirectoryBelow(mount.HostPath, ContainerPaths.Parent("/" + relative)[1..]);
            FileTree.Copy(file.LocalPath, Path.Combine(parent, Path.GetFileName(relative)), CancellationToken.None);
        }
        catch (IOException ex)
        {
            throw new PodFailedException($"cannot place {file.LocalPath} at {containerPath} in container {file.Container}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Creates, on the host, the mount points of mounts nested in other mounts. bwrap could create
    /// them itself but not inside read-only mounts, and containers sharing an emptyDir would race.
    /// Nothing is created through a link that a container left in a volume.
    /// </summary>
    private static void CreateMountPoints(List<Mount> mounts)
    {
        foreach (var mount in mounts.OrderBy(m => ContainerPaths.Depth(m.ContainerPath)))
        {
            var parent = mounts
                .Where(other => ContainerPaths.IsStrictlyUnder(mount.ContainerPath, other.ContainerPath))
                .MaxBy(other => other.ContainerPath.Length);
            if (parent is null || !parent.IsDirectory || mount.LinkTarget is not null)
            {
                continue;
            }

            var relative = ContainerPaths.Relative(mount.ContainerPath, parent.ContainerPath);
            try
            {
                if (mount.IsDirectory)
                {
                    FileTree.CreateDirectoryBelow(parent.HostPath, relative);
                    continue;
                }

                var mountPoint = Path.Combine(FileTree.CreateDirectoryBelow(parent.HostPath, ContainerPaths.Parent("/" + relative)[1..]), Path.GetFileName(relative));
                if (FileTree.KindOf(mountPoint) is EntryKind.Missing or EntryKind.Link)
                {
                    FileTree.Delete(mountPoint);
                    using var created = new FileStream(mountPoint, FileMode.CreateNew, FileAccess.Write);
                }
            }
            catch (IOException ex)
            {
                throw new PodFailedException($"cannot mount at {mount.ContainerPath}: {ex.Message}", ex);
            }
        }
    }

    private static string CreateDirectory(string path)
    {
        Directory.CreateDirectory(path);
        return path;
    }
}
