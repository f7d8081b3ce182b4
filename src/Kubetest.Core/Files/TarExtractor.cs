using System.Formats.Tar;

namespace Kubetest.Files;

/// <summary>
/// The one place where a tar stream from a container (artifacts on both runtimes) becomes files on
/// this machine. It trusts nothing in the archive: an absolute or <c>..</c> name is skipped, a link
/// is created as a link with its target verbatim (an absolute one stays pointing where it pointed,
/// it is never followed here), nothing is created below a link, an entry never opens what is
/// already at its path (that is removed first, and files are created with O_EXCL), a hard link
/// becomes a copy of an earlier regular file of the same archive, and FIFOs and devices are skipped
/// without being opened. Entries are read one at a time: the archive is never held in memory.
/// </summary>
public static class TarExtractor
{
    /// <summary>
    /// Extracts <paramref name="archive"/> into <paramref name="directory"/>, a directory of
    /// kubetest's own that no container can write to. Returns one line for each entry left out.
    /// Throws <see cref="InvalidDataException"/> or <see cref="EndOfStreamException"/> on a damaged archive.
    /// </summary>
    public static IReadOnlyList<string> Extract(Stream archive, string directory, CancellationToken cancellationToken)
    {
        var skipped = new List<string>();
        var directories = new List<(string Path, UnixFileMode Mode)>();
        using var reader = new TarReader(archive, leaveOpen: true);
        while (reader.GetNextEntry() is { } entry)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string? problem;
            try
            {
                problem = ExtractEntry(entry, directory, directories);
            }
            catch (ArgumentException ex)
            {
                problem = $"cannot be created here ({ex.Message})";
            }

            if (problem is not null)
            {
                skipped.Add($"{entry.Name}: {problem}");
            }
        }

        // Modes last (deepest first), so that a read-only directory does not stop its own entries.
        foreach (var (path, mode) in Enumerable.Reverse(directories))
        {
            FileTree.SetDirectoryMode(path, mode);
        }

        return skipped;
    }

    /// <summary>The parts of an entry name below the archive root; null for an absolute name or one with "..".</summary>
    internal static string[]? RelativeParts(string name)
    {
        if (name.StartsWith('/') || name.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        var parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        return parts.Contains("..") ? null : parts;
    }

    private static string? ExtractEntry(TarEntry entry, string root, List<(string, UnixFileMode)> directories)
    {
        if (RelativeParts(entry.Name) is not { } parts)
        {
            return "an absolute name or one with \"..\" is not extracted";
        }

        if (parts.Length == 0)
        {
            return null;
        }

        if (ParentDirectory(root, parts) is not { } parent)
        {
            return "a directory above it is a link or a file in this archive; nothing is written through it";
        }

        var path = Path.Combine(parent, parts[^1]);
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                if (FileTree.KindOf(path) != EntryKind.Directory)
                {
                    FileTree.Delete(path);
                    Directory.CreateDirectory(path);
                }

                directories.Add((path, entry.Mode));
                return null;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                FileTree.Delete(path);
                WriteFile(path, entry.DataStream ?? Stream.Null, entry);
                return null;
            case TarEntryType.SymbolicLink:
                FileTree.Delete(path);
                File.CreateSymbolicLink(path, entry.LinkName);
                return null;
            case TarEntryType.HardLink:
                return HardLink(root, path, entry);
            case TarEntryType.Fifo or TarEntryType.CharacterDevice or TarEntryType.BlockDevice:
                return $"a {Describe(entry.EntryType)} is not copied";
            default:
                return $"an entry of type {entry.EntryType} is not copied";
        }
    }

    /// <summary>Walks (creating) the directories above the entry; null when one of them is not a real directory.</summary>
    private static string? ParentDirectory(string root, string[] parts)
    {
        var path = root;
        foreach (var part in parts.AsSpan(0, parts.Length - 1))
        {
            path = Path.Combine(path, part);
            if (!FileTree.IsOrBecomesDirectory(path))
            {
                return null;
            }
        }

        return path;
    }

    /// <summary>A hard link becomes a copy of the regular file it names, which must be an earlier entry of this archive.</summary>
    private static string? HardLink(string root, string path, TarEntry entry)
    {
        var targetParts = RelativeParts(entry.LinkName);
        if (targetParts is not { Length: > 0 })
        {
            return $"a hard link to {entry.LinkName}, outside the archive, is not copied";
        }

        var target = root;
        for (var i = 0; i < targetParts.Length; i++)
        {
            target = Path.Combine(target, targetParts[i]);
            var expected = i == targetParts.Length - 1 ? EntryKind.File : EntryKind.Directory;
            if (FileTree.KindOf(target) != expected)
            {
                return $"a hard link to {entry.LinkName}, which is not a regular file of this archive, is not copied";
            }
        }

        if (target == path)
        {
            return null;
        }

        using var source = new FileStream(target, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        FileTree.Delete(path);
        WriteFile(path, source, entry);
        return null;
    }

    private static void WriteFile(string path, Stream content, TarEntry entry)
    {
        // CreateNew is O_CREAT|O_EXCL: it fails rather than open anything already at the path, a dangling link included.
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
        content.CopyTo(file, 81920);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file.SafeFileHandle, (entry.Mode & FileTree.PermissionBits) | UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.SetLastWriteTimeUtc(file.SafeFileHandle, entry.ModificationTime.UtcDateTime);
    }

    private static string Describe(TarEntryType type) => type switch
    {
        TarEntryType.Fifo => "FIFO",
        TarEntryType.CharacterDevice => "character device",
        _ => "block device",
    };
}
