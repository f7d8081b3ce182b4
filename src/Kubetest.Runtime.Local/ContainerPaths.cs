namespace Kubetest.Runtime.Local;

/// <summary>
/// Paths as a container sees them: always absolute, '/'-separated, without trailing slash.
/// Kept apart from <see cref="Path"/> because these never name something on the host.
/// </summary>
internal static class ContainerPaths
{
    public static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!FileTree.IsDotSegment(parts, segment))
            {
                parts.Add(segment);
            }
        }

        return "/" + string.Join('/', parts);
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="ancestor"/> or lies below it.</summary>
    public static bool IsUnder(string path, string ancestor) =>
        ancestor == "/"
        || path == ancestor
        || (path.Length > ancestor.Length && path.StartsWith(ancestor, StringComparison.Ordinal) && path[ancestor.Length] == '/');

    public static bool IsStrictlyUnder(string path, string ancestor) => path != ancestor && IsUnder(path, ancestor);

    /// <summary>The part of <paramref name="path"/> below <paramref name="ancestor"/>, "" when equal.</summary>
    public static string Relative(string path, string ancestor) =>
        path == ancestor ? string.Empty : ancestor == "/" ? path[1..] : path[(ancestor.Length + 1)..];

    public static int Depth(string path) => path == "/" ? 0 : path.Count(c => c == '/');

    public static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    public static string Join(string directory, string name) => directory == "/" ? "/" + name : directory + "/" + name;

    /// <summary>A host path for <paramref name="relative"/> below <paramref name="hostDirectory"/>.</summary>
    public static string OnHost(string hostDirectory, string relative) =>
        relative.Length == 0 ? hostDirectory : Path.Combine(hostDirectory, relative);

    public static string TopLevel(string path)
    {
        var slash = path.IndexOf('/', 1);
        return slash < 0 ? path[1..] : path[1..slash];
    }
}
