namespace Kubetest.Cli.Progress;

/// <summary>Whether the console may show the live view instead of the original's plain lines.</summary>
internal static class TerminalMode
{
    /// <summary>
    /// Only on an interactive terminal: stdout and stderr both terminals, not CI (<c>CI</c> set),
    /// not <c>NO_COLOR</c>, not a dumb terminal. Everywhere else the lines stay exactly the original's.
    /// </summary>
    public static bool Interactive(Func<string, string?> environment, bool stdoutIsTerminal, bool stderrIsTerminal) =>
        stdoutIsTerminal && stderrIsTerminal
        && string.IsNullOrEmpty(environment("CI"))
        && string.IsNullOrEmpty(environment("NO_COLOR"))
        && environment("TERM") is not "dumb";
}
