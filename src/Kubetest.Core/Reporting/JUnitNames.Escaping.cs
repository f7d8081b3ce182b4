using System.Globalization;
using System.Text;

namespace Kubetest.Reporting;

/// <summary>
/// A key as a JUnit testcase <c>name</c>, reversibly. XML 1.0 cannot carry most control characters, and readers
/// normalise a carriage return away, so these are written as <c>\uXXXX</c> (four hex digits, a UTF-16 unit): C0 and C1
/// controls, DEL, U+2028/U+2029, format characters (Unicode category Cf, e.g. U+202E, U+200B, U+FEFF, so a CI page
/// cannot be reordered by a key), surrogates without their other half, U+FFFE and U+FFFF; a format character
/// beyond U+FFFF as its two halves. A backslash is doubled only where it would otherwise start an escape: before
/// <c>u</c>, before another backslash, and before a character written as an escape. So a name equals its key
/// unless the key holds such a character or such a backslash, and <see cref="Unescape"/> gives the key back.
/// kubetest's JUnit says so in its testsuite's <see cref="EscapingProperty"/>; <c>--timings</c> unescapes only
/// names from a file that says so (other runners write <c>\u00e9</c> as plain text in their names).
/// </summary>
public static partial class JUnitNames
{
    /// <summary>The testsuite property whose value <see cref="EscapingValue"/> says that its testcase names are escaped as here.</summary>
    public const string EscapingProperty = "kubetest.testcase-names";

    public const string EscapingValue = "backslash-escaped";

    public static string Escape(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        StringBuilder? name = null;
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            var escaped = NeedsEscape(key, i);
            var doubled = c == '\\' && i + 1 < key.Length && (key[i + 1] is '\\' or 'u' || NeedsEscape(key, i + 1));
            if (!escaped && !doubled)
            {
                name?.Append(c);
                continue;
            }

            name ??= new StringBuilder(key, 0, i, key.Length + 16);
            if (doubled)
            {
                name.Append("\\\\");
            }
            else
            {
                name.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
        }

        return name?.ToString() ?? key;
    }

    public static string Unescape(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!name.Contains('\\', StringComparison.Ordinal))
        {
            return name;
        }

        var key = new StringBuilder(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '\\' && i + 1 < name.Length && name[i + 1] == '\\')
            {
                key.Append('\\');
                i++;
            }
            else if (c == '\\' && i + 5 < name.Length && name[i + 1] == 'u'
                && ushort.TryParse(name.AsSpan(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var unit))
            {
                key.Append((char)unit);
                i += 5;
            }
            else
            {
                key.Append(c);
            }
        }

        return key.ToString();
    }

    /// <summary>Whether the UTF-16 unit at <paramref name="i"/> is written as <c>\uXXXX</c>.</summary>
    private static bool NeedsEscape(string key, int i)
    {
        var c = key[i];
        if (char.IsHighSurrogate(c) && i + 1 < key.Length && char.IsLowSurrogate(key[i + 1]))
        {
            return char.GetUnicodeCategory(key, i) == UnicodeCategory.Format;
        }

        if (char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(key[i - 1]))
        {
            return char.GetUnicodeCategory(key, i - 1) == UnicodeCategory.Format;
        }

        return char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029' or '\uFFFE' or '\uFFFF'
            || char.GetUnicodeCategory(c) == UnicodeCategory.Format;
    }
}
