using System.Text.RegularExpressions;

namespace Kubetest.Engine;

/// <summary>Dynamic keys: the key command's output split by the delimiter, trimmed, empty parts dropped, filtered.</summary>
public static class KeySplitter
{
    public static IReadOnlyList<string> Split(string output, string delimiter, string? filter)
    {
        var pattern = filter is null ? null : new Regex(filter, RegexOptions.None, TimeSpan.FromSeconds(1));
        return output
            .Split(delimiter)
            .Select(k => k.Trim())
            .Where(k => k.Length > 0 && (pattern is null || pattern.IsMatch(k)))
            .ToList();
    }

    /// <summary>Keys of a <c>--list</c> file: one per line, blank lines ignored.</summary>
    public static IReadOnlyList<string> ListFile(string text) => Split(text.Replace("\r\n", "\n", StringComparison.Ordinal), "\n", null);
}
