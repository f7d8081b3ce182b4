using System.Diagnostics;

namespace Kubetest.Runtime.Local;

/// <summary>A started process whose stdout and stderr are streamed line by line to a sink.</summary>
internal sealed class RunningProcess
{
    private readonly Process _process;
    private readonly Lock _lock = new();
    private bool _exited;

    private RunningProcess(Process process, IOutputSink output)
    {
        _process = process;
        Completion = RunAsync(output);
    }

    /// <summary>Completes with the exit code once the process has exited and all its output was delivered.</summary>
    public Task<int> Completion { get; }

    /// <summary>Starts the process with stdin closed (there is nobody to type into it) and output redirected.</summary>
    public static RunningProcess Start(ProcessStartInfo startInfo, IOutputSink output)
    {
        startInfo.UseShellExecute = false;
        startInfo.RedirectStandardInput = true;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        process.StandardInput.Close();
        return new RunningProcess(process, output);
    }

    /// <summary>Waits for the exit code; on cancellation kills the whole process tree and throws <see cref="OperationCanceledException"/>.</summary>
    public async Task<int> WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Kill();
            await ((Task)Completion).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
    }

    /// <summary>Kills the process and all its descendants. Does nothing once it has exited.</summary>
    public void Kill()
    {
        lock (_lock)
        {
            if (_exited)
            {
                return;
            }

            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // It exited between the check and the kill.
            }
        }
    }

    private async Task<int> RunAsync(IOutputSink output)
    {
        // Both streams are drained concurrently: a process blocked writing one would never finish the other.
        var stdout = PumpAsync(_process.StandardOutput, OutputStream.Stdout, output);
        var stderr = PumpAsync(_process.StandardError, OutputStream.Stderr, output);
        try
        {
            await _process.WaitForExitAsync().ConfigureAwait(false);
            await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
            return _process.ExitCode;
        }
        finally
        {
            lock (_lock)
            {
                _exited = true;
                _process.Dispose();
            }
        }
    }

    private static async Task PumpAsync(StreamReader reader, OutputStream stream, IOutputSink output)
    {
        // Yield first so that the constructor returns before any output is delivered.
        await Task.Yield();
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            output.WriteLine(stream, line);
        }
    }
}
