using System.Globalization;
using System.Text;
using k8s.Models;

namespace Kubetest.Runtime;

/// <summary>
/// How a container's command runs, as in the original: through <c>sh -c</c>, each element of
/// command+args trimmed of spaces; an element without whitespace is written as it is (so
/// <c>$TASK_KEY</c> expands), an element with whitespace (a script, a phrase) is read verbatim
/// into a variable and passed as <c>"$VARn"</c>, so <c>[sh, -c, 'for i in $(seq 3); do …']</c>
/// reaches the inner shell untouched.
/// </summary>
/// <remarks>
/// The original reads such an element through a quoted here-document, <c>VARn=$(cat &lt;&lt;'EOS' … EOS)</c>,
/// which costs a subshell and a <c>cat</c> for every key; here it travels as an argument of the shell
/// (<c>VARn=$1; shift</c>), which is read as verbatim and costs nothing. The variable holds exactly what
/// the original's would: the command substitution's removal of trailing newlines is done here, and
/// after the <c>shift</c> the script's positional parameters are empty, as in the original.
/// </remarks>
public static class ShellCommand
{
    public static IReadOnlyList<string> Argv(V1Container container) => Shell(Words(container));

    /// <summary>
    /// How a command runs through kubetest-agent, as in the original: command and args as the argv,
    /// no shell (the image may have none); a container without a command gets the shell form.
    /// </summary>
    public static IReadOnlyList<string> AgentArgv(IReadOnlyList<string> words) =>
        words.Count > 0 ? words : Shell(words);

    /// <summary>Command and args joined by spaces: the line the original prints before the output.</summary>
    public static string Display(V1Container container) => string.Join(' ', Words(container));

    /// <summary><c>sh -c SCRIPT sh WORD…</c>: the script, then <c>$0</c>, then each element with whitespace.</summary>
    public static IReadOnlyList<string> Shell(IReadOnlyList<string> words)
    {
        var variables = new StringBuilder();
        var command = new List<string>(words.Count);
        var verbatim = new List<string>();
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i].Trim(' ');
            if (!word.Any(char.IsWhiteSpace))
            {
                command.Add(word);
                continue;
            }

            verbatim.Add(word.TrimEnd('\n'));
            variables.Append(CultureInfo.InvariantCulture, $"VAR{i}=${{{verbatim.Count}}}; ");
            command.Add($"\"$VAR{i}\"");
        }

        if (verbatim.Count > 0)
        {
            variables.Append(CultureInfo.InvariantCulture, $"shift {verbatim.Count}; ");
        }

        return ["sh", "-c", variables.Append(string.Join(' ', command)).ToString(), .. verbatim.Count > 0 ? ["sh", .. verbatim] : Array.Empty<string>()];
    }

    /// <summary>The container's command then its args, as the manifest gives them: what an <see cref="ExecRequest"/> carries.</summary>
    public static IReadOnlyList<string> Words(V1Container container) =>
        [.. container.Command ?? [], .. container.Args ?? []];
}
