using System.Globalization;
using System.Text;

namespace Kubetest.Model;

/// <summary>
/// Text from the user (keys, names) made safe to print inside one log line: control characters
/// become escapes such as <c>\n</c> or <c>\x1b</c>, so a key cannot end the line, forge another,
/// or send terminal escapes. Ordinary text comes back unchanged.
/// </summary>
public static class Printable
{
    public static string Escape(string text)
    {
        if (!text.Any(NeedsEscape))
        {
            return text;
        }

        var result = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (!NeedsEscape(c))
            {
                result.Append(c);
                continue;
            }

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

        return result.ToString();
    }

    /// <summary>C0 and C1 controls, DEL, and the Unicode line and paragraph separators.</summary>
    private static bool NeedsEscape(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}
