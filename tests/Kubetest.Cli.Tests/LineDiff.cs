using System.Text;

namespace Kubetest.Cli.Tests;

/// <summary>A readable account of where two texts first differ: the line number, both lines, and a few lines around.</summary>
internal static class LineDiff
{
    private const int Context = 3;

    /// <returns><see langword="null"/> when the texts are equal line for line.</returns>
    public static string? First(string expected, string actual)
    {
        var want = expected.ReplaceLineEndings("\n").Split('\n');
        var got = actual.ReplaceLineEndings("\n").Split('\n');
        var at = Enumerable.Range(0, Math.Max(want.Length, got.Length)).FirstOrDefault(i => Line(want, i) != Line(got, i), -1);
        if (at < 0)
        {
            return null;
        }

        var text = new StringBuilder();
        text.Append("first difference at line ").Append(at + 1).Append('\n');
        text.Append("- expected: ").Append(Line(want, at) ?? "(end of file)").Append('\n');
        text.Append("+ actual:   ").Append(Line(got, at) ?? "(end of file)").Append('\n');
        text.Append("--- actual around it\n");
        for (var i = Math.Max(0, at - Context); i < Math.Min(got.Length, at + Context + 1); i++)
        {
            text.Append(i == at ? "> " : "  ").Append(got[i]).Append('\n');
        }

        return text.ToString();
    }

    private static string? Line(string[] lines, int index) => index < lines.Length ? lines[index] : null;
}
