namespace Kubetest.Reporting;

/// <summary>
/// What people read for a batch of keys (headers, output prefixes, warnings, the live panel): the keys as the key
/// variable holds them while that stays short, else the first and the last key with the count, e.g.
/// <c>a.py::t1 … z.py::t9 (2000 keys)</c>. A batch of thousands of keys would otherwise be one line of hundreds of
/// kilobytes; the report, the JUnit file and the keys file keep every key as it is. The label is escaped
/// (<see cref="Printable.Escape"/>), and escaping it again changes nothing.
/// </summary>
public static class BatchLabel
{
    /// <summary>Longest listing shown whole, and longest key shown in a label (longer ones are cut, ending in <c>…</c>).</summary>
    public const int MaxChars = 200;

    public static string Of(IReadOnlyList<string> keys, string delimiter)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(delimiter);
        if (keys.Count == 1)
        {
            // One key reads as it always has: the original's [ENV:key] is the compatibility contract.
            return Printable.Escape(keys[0]);
        }

        var listed = Printable.Escape(string.Join(delimiter, keys));
        return listed.Length <= MaxChars ? listed : $"{Key(keys[0])} … {Key(keys[^1])} ({keys.Count} keys)";
    }

    /// <summary>One key of a batch as a label shows it: escaped, and cut past <see cref="MaxChars"/>.</summary>
    public static string Key(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var shown = Printable.Escape(key);
        if (shown.Length <= MaxChars)
        {
            return shown;
        }

        // Never between the halves of a surrogate pair: half a character prints as garbage.
        var cut = MaxChars - 1;
        if (char.IsHighSurrogate(shown[cut - 1]))
        {
            cut--;
        }

        return shown[..cut] + "…";
    }
}
