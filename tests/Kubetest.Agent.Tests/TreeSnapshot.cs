using System.Security.Cryptography;

namespace Kubetest.Agent.Tests;

/// <summary>A tree as a user compares two: each entry's relative path, kind, mode, link target or content hash.</summary>
public static class TreeSnapshot
{
    public static IReadOnlyList<string> Of(string root)
    {
        var lines = new List<string>();
        Walk(root, root, lines);
        return lines;
    }

    private static void Walk(string root, string path, List<string> lines)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(path).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root, entry);
            var info = new FileInfo(entry);
            if (info.LinkTarget is { } target)
            {
                lines.Add($"{relative} -> {target}");
            }
            else if (Directory.Exists(entry))
            {
                lines.Add($"{relative}/ {Mode(entry)}");
                Walk(root, entry, lines);
            }
            else
            {
                lines.Add($"{relative} {Mode(entry)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry)))[..12]}");
            }
        }
    }

    private static string Mode(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8);
}
