namespace Kubetest.Engine;

/// <summary>Copies files and directory trees, merging into what is already at the destination.</summary>
public static class FileTree
{
    public static void Copy(string source, string destination)
    {
        if (File.Exists(source))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
            File.Copy(source, destination, overwrite: true);
            return;
        }

        if (!Directory.Exists(source))
        {
            throw new FileNotFoundException($"{source} does not exist", source);
        }

        Directory.CreateDirectory(destination);
        foreach (var entry in new DirectoryInfo(source).EnumerateFileSystemInfos())
        {
            var target = Path.Combine(destination, entry.Name);
            if (entry.LinkTarget is string link)
            {
                File.Delete(target);
                File.CreateSymbolicLink(target, link);
            }
            else
            {
                Copy(entry.FullName, target);
            }
        }
    }
}
