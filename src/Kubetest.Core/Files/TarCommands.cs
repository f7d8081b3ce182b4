namespace Kubetest.Files;

/// <summary>
/// The commands that move files through a container as tar, so that the container's own tools
/// read and write its files in its own view (only <c>sh</c> and <c>tar</c> are needed): a link in
/// there is resolved, if at all, where the container sees it, never on this machine.
/// </summary>
public static class TarCommands
{
    /// <summary>Writes <paramref name="path"/> as a tar on stdout; links are stored as links (no <c>-h</c>).</summary>
    public static IReadOnlyList<string> Pack(string path) => ["tar", "cf", "-", "-C", ParentOf(path), NameOf(path)];

    /// <summary>
    /// Replaces <paramref name="path"/> with the single top entry of the tar on stdin. What stands
    /// there is removed first (a link itself, never what it points to); a directory that cannot go
    /// because something is mounted on it (a working directory, a volume) is emptied instead.
    /// </summary>
    public static IReadOnlyList<string> Unpack(string path)
    {
        var parent = Quote(ParentOf(path));
        var target = Quote(path.TrimEnd('/'));
        return ["sh", "-c", $"mkdir -p {parent} && {{ rm -rf {target} 2>/dev/null; [ ! -e {target} ] || {{ [ -d {target} ] && [ ! -L {target} ]; }}; }} && tar xf - -C {parent}"];
    }

    /// <summary>The last part of a '/'-separated path: the name of the archive's top entry.</summary>
    public static string NameOf(string path)
    {
        var name = path.TrimEnd('/').Split('/')[^1];
        return name is "" or "." or ".." ? throw new ArgumentException($"{path} does not name a file or directory", nameof(path)) : name;
    }

    public static string ParentOf(string path)
    {
        var trimmed = path.TrimEnd('/');
        var cut = trimmed.LastIndexOf('/');
        return cut < 0 ? "." : cut == 0 ? "/" : trimmed[..cut];
    }

    private static string Quote(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
