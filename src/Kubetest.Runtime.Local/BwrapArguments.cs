namespace Kubetest.Runtime.Local;

/// <summary>
/// Builds the bwrap arguments that give a container its filesystem: the host's own tools stand in
/// for the image (read-only; or a <see cref="ContainerImage"/>'s root, through <see cref="ImageFileSystem"/>), with the pod's volumes, the container's scratch directories and files
/// bound on top. Pure apart from reading the host through <see cref="IHostFileSystem"/>.
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
    public static List<string> Build(IHostFileSystem host, IReadOnlyList<Mount> mounts, string workingDir, string hostname, string? rootDirectory = null, Action<string, string>? makeRootLink = null)
    {
        var rebuilt = FindDirectoriesToRebuild(host, mounts);

        // One operation per path: later ones replace earlier ones, so a volume mounted where the
        // host also has an entry, or a rebuilt directory, is not bound twice.
        var operations = new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["/"] = rootDirectory is null ? ["--tmpfs", "/"] : ["--bind", rootDirectory, "/"],
        };
        AddHostEntries(operations, host, "/");
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
    /// mount point has to be created in them and a read-only bind does not allow that.
    /// </summary>
    internal static HashSet<string> FindDirectoriesToRebuild(IHostFileSystem host, IReadOnlyList<Mount> mounts)
    {
        var rebuilt = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mount in mounts)
        {
            var path = mount.ContainerPath;

            // Inside another mount the mount point is created in that mount's host directory instead.
            if (path == "/" || mounts.Any(other => ContainerPaths.IsStrictlyUnder(path, other.ContainerPath)))
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
