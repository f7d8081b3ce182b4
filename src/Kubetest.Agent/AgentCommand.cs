using System.Diagnostics;

namespace Kubetest.Agent;

/// <summary>One command started through the <see cref="Launcher"/>: its own process group, stdin closed, stdout and stderr as byte streams.</summary>
internal sealed class AgentCommand : IDisposable
{
    private readonly Process _process;

    private AgentCommand(Process process) => _process = process;

    public Stream Stdout => _process.StandardOutput.BaseStream;

    public Stream Stderr => _process.StandardError.BaseStream;

    /// <summary>Starts <paramref name="argv"/> with the agent's environment plus <paramref name="environment"/>.</summary>
    public static AgentCommand Start(IReadOnlyList<string> argv, IEnumerable<KeyValuePair<string, string>> environment, string? workingDirectory)
    {
        var self = Launcher.SelfCommand();
        var startInfo = new ProcessStartInfo(self[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (workingDirectory is not null)
        {
            startInfo.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in self.Skip(1).Append(Launcher.Flag).Append("--").Concat(argv))
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"cannot start {argv[0]}");
        process.StandardInput.Close();
        return new AgentCommand(process);
    }

    /// <summary>The exit code (128 + the signal for a killed command).</summary>
    public async Task<int> WaitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <summary>
    /// Kills the command's process group (also what is left of it after the command itself ended,
    /// such as a background child still holding its output open) and whatever of its tree left the group.
    /// </summary>
    public void Kill()
    {
        Native.KillGroup(_process.Id);
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It had exited already.
        }
    }

    /// <summary>A command still running when its call ends (the client went away) is killed; one that finished leaves its background children alone, as an exec does.</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }
}
