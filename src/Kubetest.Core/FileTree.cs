namespace Kubetest;

/// <summary>Copying and deleting host files and directory trees.</summary>
public static class FileTree
{
    /// <summary>
    /// Copies the file or directory <paramref name="source"/> to <paramref name="destination"/>.
    /// Symbolic links inside a directory are copied as links (like tar), so absolute links that mean
    /// something only inside the container are not followed on the host.
    /// </summary>
    public static void Copy(string source, string destination)
    {
        if (Directory.Exists(source))
        {
            CopyDirectory(new DirectoryInfo(source), destination);
        }
        else
        {
            var parent = Path.GetDirectoryName(destination);
            if (!string.IsNullOrEmpty(parent))
            {
                Directory.CreateDirectory(parent);
            }

            File.Copy(source, destination, overwrite: true);
        }
    }

    public static bool Exists(string path) => File.Exists(path) || Directory.Exists(path);

    /// <summary>Deletes a directory tree; a missing directory is fine. Never follows symbolic links.</summary>
    public static void Delete(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (UnauthorizedAccessException)
        {
            // A container may leave directories without write permission; open them up and retry.
            MakeWritable(new DirectoryInfo(directory));
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void CopyDirectory(DirectoryInfo source, string destination)
    {
        Directory.CreateDirectory(destination);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(destination, source.UnixFileMode);
        }

        foreach (var entry in source.EnumerateFileSystemInfos())
        {
            var target = Path.Combine(destination, entry.Name);
            if (entry.LinkTarget is { } linkTarget)
            {
                if (File.Exists(target) || Directory.Exists(target))
                {
                    File.Delete(target);
                }

                File.CreateSymbolicLink(target, linkTarget);
            }
            else if (entry is DirectoryInfo directory)
            {
                CopyDirectory(directory, target);
            }
            else
            {
                File.Copy(entry.FullName, target, overwrite: true);
            }
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
