namespace Kubetest.Tokens;

/// <summary>
/// realpath(3) in managed code: an absolute path with every link along it followed, so a check
/// "is it inside DIR" looks at where a read really goes. .NET only resolves the last component.
/// </summary>
internal static class RealPath
{
    /// <summary>Linux gives up after 40 links (ELOOP); so do we.</summary>
    private const int MaxLinks = 40;

    /// <summary>The resolved path, or null when a component is missing or the links loop.</summary>
    public static string? Resolve(string path)
    {
        var pending = new Stack<string>(Components(Path.GetFullPath(path)).Reverse());
        var resolved = new List<string>();
        var links = 0;
        while (pending.TryPop(out var component))
        {
            if (FileTree.IsDotSegment(resolved, component))
            {
                continue;
            }

            var candidate = Join(resolved.Append(component));
            FileSystemInfo info = new FileInfo(candidate);
            if (!info.Exists)
            {
                info = new DirectoryInfo(candidate);
                if (!info.Exists)
                {
                    return null;
                }
            }

            if (info.LinkTarget is not { } target)
            {
                resolved.Add(component);
                continue;
            }

            if (++links > MaxLinks)
            {
                return null;
            }

            if (Path.IsPathRooted(target))
            {
                resolved.Clear();
            }

            foreach (var part in Components(target).Reverse())
            {
                pending.Push(part);
            }
        }

        return Join(resolved);
    }

    public static bool IsInside(string path, string directory) =>
        path.StartsWith(directory.TrimEnd('/') + "/", StringComparison.Ordinal);

    private static IEnumerable<string> Components(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    private static string Join(IEnumerable<string> components) => "/" + string.Join('/', components);
}
