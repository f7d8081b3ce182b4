using System.Globalization;
using System.Text;

namespace Kubetest.Model;

/// <summary>
/// Text from the user (keys, names) made safe to print inside one log line: control characters
/// become escapes such as <c>\n</c> or <c>\x1b</c>, so a key cannot end the line, forge another,
/// or send terminal escapes; invisible format characters (Unicode category Cf: bidirectional
/// overrides and isolates such as U+202E, zero-width spaces and joiners, U+FEFF, tag characters)
/// become <c>\u202e</c> or <c>\U000e0041</c>, so a key cannot reorder or hide part of the line.
/// Ordinary text comes back unchanged.
/// </summary>
public static class Printable
{
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        StringBuilder? result = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var rune = new Rune(c, text[i + 1]);
                if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format)
                {
                    result ??= new StringBuilder(text, 0, i, text.Length + 16);
                    result.Append("\\U").Append(rune.Value.ToString("x8", CultureInfo.InvariantCulture));
                }
                else
                {
                    result?.Append(c).Append(text[i + 1]);
                }

                i++;
                continue;
            }

            if (!NeedsEscape(c))
            {
                result?.Append(c);
                continue;
            }

            result ??= new StringBuilder(text, 0, i, text.Length + 16);
            result.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\0' => "\\0",
                < '\u0100' => "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
                _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
            });
        }

        return result?.ToString() ?? text;
    }

    /// <summary>
    /// C0 and C1 controls, DEL, the Unicode line and paragraph separators, format characters (Cf), and a
    /// surrogate without its other half (a terminal would show a replacement character, or nothing).
    /// </summary>
    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || c is '\u2028' or '\u2029' || char.IsSurrogate(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format;
}
