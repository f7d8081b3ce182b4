using System.Globalization;
using System.Text;

namespace Kubetest.Runtime;

/// <summary>
/// Commands for a <c>queue</c> mode worker container, which serves key after key: the key travels in
/// each exec's environment, and the artifact paths are cleared between keys. Both are POSIX <c>sh</c>
/// (the key's own command needs it already), so an image needs neither <c>env</c> nor anything else.
/// A kubetest-agent container needs none of this: its exec carries the environment and it removes paths
/// itself; these are what <see cref="ShellExec"/> and <see cref="IPod.RemoveAsync"/> do in every other container.
/// </summary>
public static class ExecEnvironment
{
    /// <summary>argv[0] of the wrapper script, how it shows in <c>ps</c>.</summary>
    public const string WrapperName = "kubetest-key";

    /// <summary>
    /// <paramref name="command"/> with <paramref name="variable"/> set to <paramref name="value"/> in its
    /// environment. The value is a positional argument, never part of the script, so no character of a key
    /// is read by the shell; the variable's name is a valid env name (checked when the manifest is read).
    /// Keys are not secret: they are on the command line of the exec as they are in a static pod's spec.
    /// </summary>
    public static IReadOnlyList<string> Wrap(string variable, string value, IReadOnlyList<string> command) =>
        ["sh", "-c", $"{variable}=$1; export {variable}; shift; exec \"$@\"", WrapperName, value, .. command];

    /// <summary>
    /// <paramref name="command"/> with each of <paramref name="environment"/> set in its environment, as
    /// <see cref="Wrap(string, string, IReadOnlyList{string})"/> does for one variable (values as positional
    /// arguments, never part of the script). A name must be a valid env name: it is written into the script.
    /// </summary>
    public static IReadOnlyList<string> Wrap(IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> command)
    {
        CheckNames(environment.Keys);
        return environment.Count switch
        {
            0 => command,
            1 when environment.Single() is var (variable, value) => Wrap(variable, value, command),
            _ => Wrap([.. environment], string.Empty, command),
        };
    }

    /// <summary>
    /// <paramref name="command"/> with <paramref name="environment"/> set and, when given, <see cref="JUnitVariable"/> naming
    /// <paramref name="junitPath"/> (absolute), whose directory exists and where no older file is left when the command starts,
    /// and <see cref="KeysFileVariable"/> naming <paramref name="keysFile"/>'s path, written before the command starts.
    /// </summary>
    /// <remarks>
    /// The keys travel as positional arguments after the command's words, each its own argv string (no single string
    /// grows with the batch, and the key variable's own bound keeps the total far below ARG_MAX); a subshell drops the
    /// command's words and <c>printf '%s\n' "$@"</c> writes the rest verbatim (never <c>echo</c>: a key may start with
    /// <c>-</c> or hold <c>\</c>). The command then runs as its numbered words, so the keys never reach it as arguments.
    /// </remarks>
    public static IReadOnlyList<string> Wrap(IReadOnlyDictionary<string, string> environment, string? junitPath, KeysFile? keysFile, IReadOnlyList<string> command)
    {
        CheckNames(environment.Keys);
        var variables = environment.Where(e => e.Key is not JUnitVariable and not KeysFileVariable).ToList();
        var prepare = new StringBuilder();
        if (junitPath is not null)
        {
            variables.Add(new(JUnitVariable, junitPath));
            prepare.Append(CultureInfo.InvariantCulture, $"mkdir -p -- \"${{{variables.Count}%/*}}\" && rm -f -- \"${{{variables.Count}}}\"; ");
        }

        if (keysFile is null)
        {
            return Wrap(variables, prepare.ToString(), command);
        }

        variables.Add(new(KeysFileVariable, keysFile.Path));
        var write = keysFile.Keys.Count == 0 ? ":" : $"shift {command.Count}; printf '%s\\n' \"$@\"";
        var names = string.Join(' ', variables.Select(e => e.Key));
        var assignments = string.Concat(variables.Select((e, i) => $"{e.Key}=${{{i + 1}}}; "));
        var words = string.Join(' ', Enumerable.Range(1, command.Count).Select(i => $"\"${{{i}}}\""));
        var script = $"{assignments}export {names}; {prepare}shift {variables.Count}; "
            + $"{{ mkdir -p -- \"${{{KeysFileVariable}%/*}}\" && ({write}) > \"${KeysFileVariable}\"; }} || {{ echo \"kubetest: could not write the batch's keys to ${KeysFileVariable}\" >&2; exit 125; }}; exec {words}";
        return ["sh", "-c", script, WrapperName, .. variables.Select(e => e.Value), .. command, .. keysFile.Keys];
    }

    private static void CheckNames(IEnumerable<string> names)
    {
        foreach (var name in names.Where(name => !IsName(name)))
        {
            throw new ArgumentException($"{Printable.Escape(name)} is not a valid environment variable name (letters, digits and _, not starting with a digit)", nameof(names));
        }
    }

    private static IReadOnlyList<string> Wrap(IReadOnlyList<KeyValuePair<string, string>> environment, string prepare, IReadOnlyList<string> command)
    {
        var names = string.Join(' ', environment.Select(e => e.Key));
        var assignments = string.Concat(environment.Select((e, i) => $"{e.Key}=${{{i + 1}}}; "));
        return ["sh", "-c", $"{assignments}export {names}; {prepare}shift {environment.Count}; exec \"$@\"", WrapperName, .. environment.Select(e => e.Value), .. command];
    }

    private static bool IsName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>
    /// Removes <paramref name="path"/> (an artifact's path, absolute). When it
    /// is a mount point only its contents can go, which is enough: the exit code is 0 when nothing is left.
    /// </summary>
    public static IReadOnlyList<string> Clear(string path) =>
        ["sh", "-c", "rm -rf -- \"$1\" 2>/dev/null || [ -z \"$(ls -A -- \"$1\" 2>/dev/null)\" ]", "kubetest-clear", path];

    /// <summary>The variable that tells a batch's command where to write its JUnit XML.</summary>
    public const string JUnitVariable = "KUBETEST_JUNIT";

    /// <summary>The variable that names the file holding a batch's keys, one per line.</summary>
    public const string KeysFileVariable = "KUBETEST_KEYS_FILE";
}

/// <summary>A batch's keys as a file in its container: <paramref name="Path"/> (absolute) holds <paramref name="Keys"/>, one per line.</summary>
public sealed record KeysFile(string Path, IReadOnlyList<string> Keys);
