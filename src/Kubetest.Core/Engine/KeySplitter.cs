using System.Text.RegularExpressions;

namespace Kubetest.Engine;

/// <summary>Dynamic keys: the key command's output split by the delimiter, trimmed, empty parts dropped, filtered.</summary>
public static class KeySplitter
{
    /// <summary>Every key in the output: split by the delimiter, trimmed, empty parts dropped.</summary>
    public static IReadOnlyList<string> Split(string output, string delimiter) =>
        output.Split(delimiter).Select(k => k.Trim()).Where(k => k.Length > 0).ToList();

    /// <summary>The keys that match <paramref name="filter"/> (all of them without one).</summary>
    public static IReadOnlyList<string> Filter(IReadOnlyList<string> keys, string? filter)
    {
        if (filter is null)
        {
            return keys;
        }

        var pattern = new Regex(filter, RegexOptions.None, TimeSpan.FromSeconds(1));
        return keys.Where(k => pattern.IsMatch(k)).ToList();
    }

    /// <summary>The index of the first key holding a NUL, which no environment variable can carry; null when none does.</summary>
    public static int? FirstWithNul(IReadOnlyList<string> keys)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            if (keys[i].Contains('\0', StringComparison.Ordinal))
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>Keys of a <c>--list</c> file: one per line, blank lines ignored.</summary>
    public static IReadOnlyList<string> ListFile(string text) => Split(text.Replace("\r\n", "\n", StringComparison.Ordinal), "\n");
}
