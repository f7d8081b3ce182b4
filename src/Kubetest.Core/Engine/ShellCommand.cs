using System.Text;
using k8s.Models;

namespace Kubetest.Engine;

/// <summary>
/// How a container's command runs, as in the original: through <c>sh -c</c>, each element of
/// command+args trimmed of spaces; an element without whitespace is written as it is (so
/// <c>$TASK_KEY</c> expands), an element with whitespace (a script, a phrase) is first read
/// verbatim into a variable through a quoted here-document and passed as <c>"$VARn"</c>, so
/// <c>[sh, -c, 'for i in $(seq 3); do …']</c> reaches the inner shell untouched.
/// </summary>
public static class ShellCommand
{
    public static IReadOnlyList<string> Argv(V1Container container) => ["sh", "-c", Script(Words(container).ToList())];

    /// <summary>
    /// How a command runs through kubetest-agent, as in the original: command and args as the argv,
    /// no shell (the image may have none); a container without a command gets the shell form.
    /// </summary>
    public static IReadOnlyList<string> AgentArgv(V1Container container) =>
        Words(container).ToList() is { Count: > 0 } argv ? argv : Argv(container);

    /// <summary>Command and args joined by spaces: the line the original prints before the output.</summary>
    public static string Display(V1Container container) => string.Join(' ', Words(container));

    public static string Script(IReadOnlyList<string> words)
    {
        var variables = new StringBuilder();
        var command = new List<string>(words.Count);
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i].Trim(' ');
            if (!word.Any(char.IsWhiteSpace))
            {
                command.Add(word);
                continue;
            }

            // Unlike the original's fixed EOS, the delimiter never occurs in the text, and <<
            // (not <<-) keeps leading tabs.
            var delimiter = "KUBETEST_EOS";
            while (word.Contains(delimiter, StringComparison.Ordinal))
            {
                delimiter += "_";
            }

            variables.Append($"VAR{i}=$(cat <<'{delimiter}'\n{word}\n{delimiter}\n); ");
            command.Add($"\"$VAR{i}\"");
        }

        return variables.Append(string.Join(' ', command)).ToString();
    }

    private static IEnumerable<string> Words(V1Container container) =>
        (container.Command ?? []).Concat(container.Args ?? []);
}
