namespace Kubetest.Engine;

/// <summary>
/// Commands for a <c>queue</c> mode worker container, which serves key after key: the key travels in
/// each exec's environment, and the artifact paths are cleared between keys. Both are POSIX <c>sh</c>
/// (the key's own command needs it already), so an image needs neither <c>env</c> nor anything else.
/// A kubetest-agent container needs none of this: its exec carries the environment and it removes paths
/// itself (<see cref="Runtime.IPod.ExecAsync(string, IReadOnlyList{string}, IReadOnlyDictionary{string, string}, Runtime.IOutputSink, CancellationToken)"/>,
/// <see cref="Runtime.IPod.RemoveAsync"/>); these are the defaults of those for every other container.
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
    /// arguments, never part of the script; names are valid env names).
    /// </summary>
    public static IReadOnlyList<string> Wrap(IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> command)
    {
        if (environment.Count == 1 && environment.Single() is var (variable, value))
        {
            return Wrap(variable, value, command);
        }

        var names = environment.Keys.ToList();
        var assignments = string.Concat(names.Select((name, i) => $"{name}=${i + 1}; "));
        return ["sh", "-c", $"{assignments}export {string.Join(' ', names)}; shift {names.Count}; exec \"$@\"", WrapperName, .. environment.Values, .. command];
    }

    /// <summary>
    /// Removes <paramref name="path"/> (an artifact's path, absolute). When it
    /// is a mount point only its contents can go, which is enough: the exit code is 0 when nothing is left.
    /// </summary>
    public static IReadOnlyList<string> Clear(string path) =>
        ["sh", "-c", "rm -rf -- \"$1\" 2>/dev/null || [ -z \"$(ls -A -- \"$1\" 2>/dev/null)\" ]", "kubetest-clear", path];

    /// <summary>The variable that tells a batch's command where to write its JUnit XML.</summary>
    public const string JUnitVariable = "KUBETEST_JUNIT";

    /// <summary>
    /// A batch's command: <paramref name="variable"/> holds <paramref name="value"/> (its keys joined), and
    /// <see cref="JUnitVariable"/> names <paramref name="junitPath"/>, whose directory exists and where no older
    /// file is left when the command starts.
    /// </summary>
    public static IReadOnlyList<string> WrapBatch(string variable, string value, string junitPath, IReadOnlyList<string> command) =>
        ["sh", "-c", $"{variable}=$1; {JUnitVariable}=$2; export {variable} {JUnitVariable}; mkdir -p -- \"${{2%/*}}\" && rm -f -- \"$2\"; shift 2; exec \"$@\"", WrapperName, value, junitPath, .. command];
}
