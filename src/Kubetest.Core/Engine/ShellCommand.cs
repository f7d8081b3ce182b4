using System.Text;
using k8s.Models;

namespace Kubetest.Engine;

/// <summary>
/// How a container's command runs: through <c>sh -c</c>, so that <c>$TASK_KEY</c> in args expands
/// (as in the original), while each element stays one word: it is double-quoted with <c>"</c>,
/// <c>\</c> and <c>`</c> escaped and <c>$</c> left alone. So <c>[sh, -c, 'echo "A" &gt; f']</c>
/// still runs <c>echo "A" &gt; f</c> in the inner shell.
/// </summary>
public static class ShellCommand
{
    public static IReadOnlyList<string> Argv(V1Container container) => ["sh", "-c", Script(Words(container))];

    /// <summary>Command and args joined by spaces: the line the original prints before the output.</summary>
    public static string Display(V1Container container) => string.Join(' ', Words(container));

    public static string Script(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));

    private static IEnumerable<string> Words(V1Container container) =>
        (container.Command ?? []).Concat(container.Args ?? []);

    private static string Quote(string word)
    {
        var quoted = new StringBuilder(word.Length + 2).Append('"');
        foreach (var c in word)
        {
            if (c is '"' or '\\' or '`')
            {
                quoted.Append('\\');
            }

            quoted.Append(c);
        }

        return quoted.Append('"').ToString();
    }
}
