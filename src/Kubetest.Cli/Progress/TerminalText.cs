using System.Globalization;
using System.Text;
using Spectre.Console;

namespace Kubetest.Cli.Progress;

/// <summary>Text measured in terminal columns (a wide character takes two), so that panel lines never wrap.</summary>
internal static class TerminalText
{
    /// <summary>The columns <paramref name="text"/> takes on a terminal.</summary>
    public static int Cells(string text) => text.GetCellWidth();

    /// <summary><paramref name="text"/> cut to at most <paramref name="columns"/> columns, ending in <c>…</c> when cut.</summary>
    public static string Fit(string text, int columns)
    {
        if (Cells(text) <= columns)
        {
            return text;
        }

        var fitted = new StringBuilder();
        var used = 0;
        var elements = StringInfo.GetTextElementEnumerator(text);
        while (elements.MoveNext())
        {
            var element = elements.GetTextElement();
            var cells = Cells(element);
            if (used + cells > columns - 1)
            {
                break;
            }

            fitted.Append(element);
            used += cells;
        }

        return columns > 0 ? fitted.Append('…').ToString() : "";
    }
}
