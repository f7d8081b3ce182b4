namespace Kubetest.Runtime;

/// <summary>
/// One command for a held container, as the engine asks for it; how it runs (through <c>sh</c> or as an
/// argv, how the environment and the limit reach it) is the runtime's business (<see cref="IPod.RunAsync"/>).
/// </summary>
/// <param name="Container">A held container of the pod.</param>
/// <param name="Command">The container's <c>command</c> then <c>args</c>, as the manifest gives them (<see cref="ShellCommand.Words"/>).</param>
public sealed record ExecRequest(string Container, IReadOnlyList<string> Command)
{
    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    /// <summary>Added to the container's env for this command only (a queue worker's key); names are valid env names.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = None;

    /// <summary>The longest the command may run (and the grace before its exec is cancelled when the limit is not kept); null for no limit.</summary>
    public KeyTimeout? Timeout { get; init; }

    /// <summary>
    /// Where a batch's command writes its JUnit XML (absolute), or null: the runtime makes its directory exist with no
    /// older file at this path before the command starts, and sets <see cref="ExecEnvironment.JUnitVariable"/> to it.
    /// </summary>
    public string? JUnitPath
    {
        get;
        init => field = value is null || (value.StartsWith('/') && !value.EndsWith('/') && !value.Contains('\0', StringComparison.Ordinal))
            ? value
            : throw new ArgumentException($"a JUnit path must be an absolute file path, not {Model.Printable.Escape(value)}", nameof(value));
    }

    /// <summary>
    /// A batch's keys, which the runtime writes to this file (absolute path, replacing an older one) before the command starts,
    /// and names in <see cref="ExecEnvironment.KeysFileVariable"/>; null for none.
    /// </summary>
    public KeysFile? KeysFile
    {
        get;
        init => field = value is null || (value.Path.StartsWith('/') && !value.Path.EndsWith('/') && !value.Path.Contains('\0', StringComparison.Ordinal))
            ? value
            : throw new ArgumentException($"a keys file must be an absolute file path, not {Model.Printable.Escape(value.Path)}", nameof(value));
    }

    /// <summary><see cref="Environment"/> with <see cref="ExecEnvironment.JUnitVariable"/> and <see cref="ExecEnvironment.KeysFileVariable"/> set when there are such files.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentWithFiles
    {
        get
        {
            if (JUnitPath is null && KeysFile is null)
            {
                return Environment;
            }

            var environment = new Dictionary<string, string>(Environment, StringComparer.Ordinal);
            if (JUnitPath is not null)
            {
                environment[ExecEnvironment.JUnitVariable] = JUnitPath;
            }

            if (KeysFile is not null)
            {
                environment[ExecEnvironment.KeysFileVariable] = KeysFile.Path;
            }

            return environment;
        }
    }

    /// <summary>The directory <see cref="JUnitPath"/> is in.</summary>
    public string? JUnitDirectory => JUnitPath is null ? null : JUnitPath[..Math.Max(1, JUnitPath.LastIndexOf('/'))];
}

/// <summary>
/// How a command ended: its exit code (<see cref="KeyTimeout.ExitCode"/> when it <see cref="TimedOut"/>) and,
/// when something about how it was ended deserves a warning in the log, that <see cref="Notice"/>.
/// </summary>
public sealed record ExecOutcome(int ExitCode, bool TimedOut = false, string? Notice = null);
