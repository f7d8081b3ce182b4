namespace Kubetest.Runtime.Local;

/// <summary>
/// Builds the bwrap arguments that give a container its filesystem: the host's own tools stand in
/// for the image (read-only; or a <see cref="ContainerImage"/>'s root, through <see cref="ImageFileSystem"/>), with the pod's volumes, the container's scratch directories and files
/// bound on top. Pure apart from reading the host through <see cref="IHostFileSystem"/>.
/// With <see cref="SandboxOverlays"/>, host directories are bound from their copy-on-write overlays
/// instead, writable (see <see cref="CopyOnWriteRoot"/>).
/// </summary>
internal static class BwrapArguments
{
    // The kernel's views of these are replaced by fresh ones (or a private dir for /tmp), never bound from the host.
    private static readonly HashSet<string> SpecialTopLevel = new(StringComparer.Ordinal) { "proc", "dev", "tmp" };

    /// <summary>The arguments before the command (the caller appends "--" and the argv).</summary>
    /// <param name="rootDirectory">
    /// The container's own root, bound at <c>/</c> under the host's entries, so that what a command
    /// writes outside volumes (a file copied in by <c>tar x</c>) is still there for the next exec, as
    /// in a container's writable layer; null for a fresh tmpfs each time. Links directly under
    /// <c>/</c> (<c>/bin → usr/bin</c>) are then made there once by <paramref name="makeRootLink"/>
    /// (path in the root, target), since bwrap 0.8 refuses to make a link that exists already.
    /// </param>
    /// <param name="overlays">The container's overlays, made before bwrap runs; null for the host's read-only view.</param>
    /// <param name="placeLink">
    /// Given a link to make (container path, target), places it itself and returns true, so that
    /// bwrap is not asked to (it refuses a link that exists, as one left in a writable root from an
    /// earlier exec does); false leaves it to bwrap.
    /// </param>
    public static List<string> Build(IHostFileSystem host, IReadOnlyList<Mount> mounts, string workingDir, string hostname, string? rootDirectory = null, Action<string, string>? makeRootLink = null, SandboxOverlays? overlays = null, Func<string, string, bool>? placeLink = null)
    {
        var overlaid = overlays?.Targets ?? new Dictionary<string, string>();
        var rebuilt = FindDirectoriesToRebuild(host, mounts, overlaid.Keys);

        // One operation per path: later ones replace earlier ones, so a volume mounted where the
        // host also has an entry, or a rebuilt directory, is not bound twice.
        var operations = new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["/"] = overlaid.TryGetValue("/", out var rootOverlay) ? ["--bind", rootOverlay, "/"]
                : rootDirectory is null ? ["--tmpfs", "/"] : ["--bind", rootDirectory, "/"],
        };
        if (rootOverlay is null)
        {
            AddHostEntries(operations, host, "/");
        }

        foreach (var (path, target) in overlaid.Where(pair => pair.Key != "/"))
        {
            operations[path] = ["--bind", target, path];
        }

        foreach (var mount in overlays?.ReadOnlyHostMounts ?? [])
        {
            operations[mount] = ["--ro-bind", mount, mount];
        }

        operations["/proc"] = ["--proc", "/proc"];
        operations["/dev"] = ["--dev", "/dev"];
        foreach (var directory in rebuilt.OrderBy(ContainerPaths.Depth))
        {
            operations[directory] = ["--tmpfs", directory];
            AddHostEntries(operations, host, directory);
        }

        foreach (var mount in mounts)
        {
            operations[mount.ContainerPath] = mount.LinkTarget is { } target
                ? ["--symlink", target, mount.ContainerPath]
                : [mount.ReadOnly ? "--ro-bind" : "--bind", mount.HostPath, mount.ContainerPath];
        }

        var arguments = new List<string>(operations.Count * 3 + 12)
        {
            "--die-with-parent",
            "--unshare-pid",
            "--new-session",
            "--unshare-uts",
            "--hostname",
            hostname,
        };

        // bwrap applies operations in order, so a parent must come before anything mounted inside it.
        foreach (var operation in operations
            .OrderBy(pair => ContainerPaths.Depth(pair.Key))
            .ThenBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (operation.Value[0] == "--symlink" && placeLink is not null && placeLink(operation.Key, operation.Value[1]))
            {
                continue;
            }

            if (rootDirectory is not null && makeRootLink is not null && operation.Value[0] == "--symlink" && ContainerPaths.Depth(operation.Key) == 1)
            {
                makeRootLink(operation.Key, operation.Value[1]);
                continue;
            }

            arguments.AddRange(operation.Value);
        }

        arguments.Add("--chdir");
        arguments.Add(workingDir);
        return arguments;
    }

    /// <summary>
    /// Host directories that must become a tmpfs with their entries bound back read-only, because a
    /// mount point has to be created in them and a read-only bind does not allow that. A writable
    /// overlay (<paramref name="overlaid"/>) needs none: bwrap makes the mount point in it.
    /// </summary>
    internal static HashSet<string> FindDirectoriesToRebuild(IHostFileSystem host, IReadOnlyList<Mount> mounts, IEnumerable<string>? overlaid = null)
    {
        var writable = overlaid?.ToList() ?? [];
        var rebuilt = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mount in mounts)
        {
            var path = mount.ContainerPath;

            // Inside another mount the mount point is created in that mount's host directory instead.
            if (path == "/" || mounts.Any(other => ContainerPaths.IsStrictlyUnder(path, other.ContainerPath)) || writable.Any(directory => ContainerPaths.IsStrictlyUnder(path, directory)))
            {
                continue;
            }

            var topLevel = ContainerPaths.TopLevel(path);
            if (topLevel is "proc" or "dev")
            {
                continue;
            }

            // A link is made where nothing stands yet: in the root tmpfs or a rebuilt directory.
            if (mount.LinkTarget is null && (mount.IsDirectory ? host.DirectoryExists(path) : host.FileExists(path)))
            {
                continue;
            }

            var ancestor = ContainerPaths.Parent(path);
            while (ancestor != "/" && !host.DirectoryExists(ancestor))
            {
                ancestor = ContainerPaths.Parent(ancestor);
            }

            // Directly below "/" the mount point lands on the root tmpfs, which is writable.
            if (ancestor != "/")
            {
                rebuilt.Add(ancestor);
            }
        }

        return rebuilt;
    }

    private static void AddHostEntries(Dictionary<string, string[]> operations, IHostFileSystem host, string directory)
    {
        foreach (var entry in host.List(directory))
        {
            if (directory == "/" && SpecialTopLevel.Contains(entry.Name))
            {
                continue;
            }

            var path = ContainerPaths.Join(directory, entry.Name);
            operations[path] = entry.SymlinkTarget is { } target
                ? ["--symlink", target, path]
                : ["--ro-bind", host.SourceOf(path), path];
        }
    }
}

/// <summary>A container's copy-on-write overlays as bwrap binds them.</summary>
/// <param name="Targets">Container path (<c>/</c> or a top-level directory) → the overlay's mount point on the host, made by <c>kubetest-cow</c>.</param>
/// <param name="ReadOnlyHostMounts">The host's other mounts, bound read-only at their paths over an overlaid <c>/</c> (which shows none of them).</param>
internal sealed record SandboxOverlays(IReadOnlyDictionary<string, string> Targets, IReadOnlyList<string> ReadOnlyHostMounts);
