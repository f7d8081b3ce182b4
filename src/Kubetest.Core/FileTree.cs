namespace Kubetest;

/// <summary>What is at a path, seen without following a symbolic link there.</summary>
public enum EntryKind
{
    Missing,
    File,
    Directory,
    Link,
}

/// <summary>
/// Copying, moving and deleting host files and trees without ever following a symbolic link:
/// links are copied as links, whatever stands in the way at the destination (a link, a file, a
/// directory of the wrong kind) is removed and replaced, never written through, and nothing is
/// entered that was not first seen (lstat) to be a real directory. Sources are kubetest's own
/// (the artifact store, which only <see cref="Files.TarExtractor"/> fills, the log, the report);
/// destinations may hold links that a container or an earlier export left there.
/// </summary>
public static class FileTree
{
    /// <summary>
    /// Copies the file, link or directory <paramref name="source"/> to <paramref name="destination"/>,
    /// merging into a directory already there. The destination's parent is created when missing.
    /// Returns how many files and links were copied.
    /// </summary>
    public static int Copy(string source, string destination, CancellationToken cancellationToken)
    {
        CreateParent(destination);
        return Transfer(source, destination, move: false, cancellationToken);
    }

    /// <summary>Like <see cref="Copy"/> but renames instead of copying (same file system); the source is gone afterwards.</summary>
    public static void Move(string source, string destination, CancellationToken cancellationToken)
    {
        CreateParent(destination);
        Transfer(source, destination, move: true, cancellationToken);
    }

    /// <summary>True when anything is at <paramref name="path"/>, a dangling link included.</summary>
    public static bool Exists(string path) => KindOf(path) != EntryKind.Missing;

    /// <summary>What is at <paramref name="path"/>; a link is reported as a link, whatever it points to.</summary>
    public static EntryKind KindOf(string path)
    {
        // One lstat (and a stat for a link): the attributes of a link carry ReparsePoint, whatever it points to.
        var attributes = new FileInfo(path).Attributes;
        return (int)attributes == -1 ? EntryKind.Missing
            : attributes.HasFlag(FileAttributes.ReparsePoint) ? EntryKind.Link
            : attributes.HasFlag(FileAttributes.Directory) ? EntryKind.Directory
            : EntryKind.File;
    }

    /// <summary>
    /// Applies a <c>.</c> (nothing) or <c>..</c> (drops the last of <paramref name="parts"/>, never above the root) path segment;
    /// false for any other segment, which the caller adds its own way.
    /// </summary>
    public static bool IsDotSegment(List<string> parts, string segment)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (segment == "..")
        {
            if (parts.Count > 0)
            {
                parts.RemoveAt(parts.Count - 1);
            }

            return true;
        }

        return segment == ".";
    }

    /// <summary>Creates <paramref name="path"/> when nothing is there; false when a link or a file is (never followed).</summary>
    public static bool IsOrBecomesDirectory(string path)
    {
        switch (KindOf(path))
        {
            case EntryKind.Missing:
                Directory.CreateDirectory(path);
                return true;
            case EntryKind.Directory:
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Makes sure <paramref name="root"/>/<paramref name="relative"/> is a directory, creating what is
    /// missing, and refuses (<see cref="IOException"/>) when any part below <paramref name="root"/> is a
    /// link or a file: a container may have planted a link there to make kubetest write elsewhere.
    /// </summary>
    public static string CreateDirectoryBelow(string root, string relative)
    {
        var path = root;
        foreach (var part in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part is "." or "..")
            {
                throw new IOException($"{relative} is not a plain relative path");
            }

            path = Path.Combine(path, part);
            if (!IsOrBecomesDirectory(path))
            {
                throw new IOException($"{path} is a link or a file, not a directory: kubetest does not write through it");
            }
        }

        return path;
    }

    /// <summary>Deletes a file, a link (not what it points to) or a directory tree; a missing path is fine. Never follows symbolic links.</summary>
    public static void Delete(string path)
    {
        switch (KindOf(path))
        {
            case EntryKind.Missing:
                return;
            case EntryKind.File:
            case EntryKind.Link:
                File.Delete(path);
                return;
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Delete(path, recursive: true);
                return;
            }
            catch (UnauthorizedAccessException)
            {
                // A container may leave directories without write permission; open them up and retry.
                MakeWritable(new DirectoryInfo(path));
                Directory.Delete(path, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 5)
            {
                // Something else changed the tree meanwhile: a pod's own cleanup removed part of it,
                // or a sandbox being killed was still making its mount points. Done if all of it is
                // gone, else go over what is left again after a moment.
                if (KindOf(path) == EntryKind.Missing)
                {
                    return;
                }

                Thread.Sleep(50 * attempt);
            }
        }
    }

    private static void CreateParent(string destination)
    {
        var parent = Path.GetDirectoryName(destination);
        if (!string.IsNullOrEmpty(parent))
        {
            Directory.CreateDirectory(parent);
        }
    }

    private static int Transfer(string source, string destination, bool move, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var kind = KindOf(source);
        if (kind == EntryKind.Missing)
        {
            throw new FileNotFoundException($"{source} does not exist", source);
        }

        var existing = KindOf(destination);
        if (kind == EntryKind.Directory && existing == EntryKind.Directory)
        {
            return Merge(source, destination, move, cancellationToken);
        }

        if (existing != EntryKind.Missing)
        {
            Delete(destination);
        }

        if (move && kind == EntryKind.Link)
        {
            // File.Move refuses a link to a directory (it looks through it); a link is cheap to make again.
            File.CreateSymbolicLink(destination, new FileInfo(source).LinkTarget!);
            File.Delete(source);
            return 0;
        }

        if (move)
        {
            // rename(2) neither follows a link at either end nor copies a byte.
            if (kind == EntryKind.Directory)
            {
                Directory.Move(source, destination);
            }
            else
            {
                File.Move(source, destination);
            }

            return 0;
        }

        switch (kind)
        {
            case EntryKind.Link:
                File.CreateSymbolicLink(destination, new FileInfo(source).LinkTarget!);
                return 1;
            case EntryKind.Directory:
                Directory.CreateDirectory(destination);
                var copied = Merge(source, destination, move, cancellationToken);
                if (!OperatingSystem.IsWindows())
                {
                    SetDirectoryMode(destination, File.GetUnixFileMode(source));
                }

                return copied;
            default:
                CopyFile(source, destination);
                return 1;
        }
    }

    private static int Merge(string source, string destination, bool move, CancellationToken cancellationToken)
    {
        var copied = 0;
        foreach (var entry in Directory.EnumerateFileSystemEntries(source))
        {
            copied += Transfer(entry, Path.Combine(destination, Path.GetFileName(entry)), move, cancellationToken);
        }

        if (move)
        {
            Directory.Delete(source);
        }

        return copied;
    }

    /// <summary>Creates <paramref name="destination"/> afresh with the source's content and mode: without overwrite, File.Copy creates with O_EXCL, so never through a link.</summary>
    private static void CopyFile(string source, string destination) => File.Copy(source, destination, overwrite: false);

    /// <summary>Read/write/execute for user, group and others; no set-id or sticky bits from a container.</summary>
    internal const UnixFileMode PermissionBits = (UnixFileMode)0b111_111_111;

    /// <summary>A directory's mode, but always enterable and writable by kubetest so that it can be cleaned up.</summary>
    internal static void SetDirectoryMode(string directory, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, (mode & PermissionBits) | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static void MakeWritable(DirectoryInfo directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        directory.UnixFileMode |= UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        foreach (var child in directory.EnumerateDirectories())
        {
            if (child.LinkTarget is null)
            {
                MakeWritable(child);
            }
        }
    }
}
