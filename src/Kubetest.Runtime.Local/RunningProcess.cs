using System.Diagnostics;

namespace Kubetest.Runtime.Local;

/// <summary>A started process whose stdout and stderr are streamed, line by line to a sink or as bytes to streams.</summary>
internal sealed class RunningProcess
{
    private readonly Process _process;
    private readonly Lock _lock = new();
    private bool _exited;

    private RunningProcess(Process process, Func<Process, Task> pumps)
    {
        _process = process;
        Completion = RunAsync(pumps);
    }

    /// <summary>Completes with the exit code once the process has exited and all its output was delivered.</summary>
    public Task<int> Completion { get; }

    /// <summary>Starts the process with stdin closed (there is nobody to type into it) and output redirected.</summary>
    public static RunningProcess Start(ProcessStartInfo startInfo, IOutputSink output)
    {
        var process = StartRedirected(startInfo);
        process.StandardInput.Close();
        return new RunningProcess(
            process,
            p => Task.WhenAll(
                PumpAsync(p.StandardOutput.BaseStream, OutputStream.Stdout, output),
                PumpAsync(p.StandardError.BaseStream, OutputStream.Stderr, output)));
    }

    /// <summary>
    /// Starts the process with its standard streams copied byte for byte: <paramref name="stdin"/>
    /// (closed at its end; closed at once when null) into it, its stdout and stderr out.
    /// </summary>
    public static RunningProcess StartStreaming(ProcessStartInfo startInfo, Stream? stdin, Stream stdout, Stream stderr)
    {
        var process = StartRedirected(startInfo);
        var input = process.StandardInput.BaseStream;
        if (stdin is null)
        {
            input.Close();
        }
        else
        {
            _ = FeedAsync(stdin, input);
        }

        return new RunningProcess(
            process,
            p => Task.WhenAll(
                CopyAsync(p.StandardOutput.BaseStream, stdout),
                CopyAsync(p.StandardError.BaseStream, stderr)));
    }

    /// <summary>Starts the process with all three standard streams redirected; a process that fails to start is disposed.</summary>
    private static Process StartRedirected(ProcessStartInfo startInfo)
    {
        startInfo.UseShellExecute = false;
        startInfo.RedirectStandardInput = true;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
            return process;
        }
        catch
        {
            process.Dispose();
            throw;
        }
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

    private async Task<int> RunAsync(Func<Process, Task> pumps)
    {
        // Both streams are drained concurrently: a process blocked writing one would never finish the other.
        var output = pumps(_process);
        try
        {
            await _process.WaitForExitAsync().ConfigureAwait(false);
            await output.ConfigureAwait(false);
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

    /// <summary>
    /// Reads raw bytes and cuts lines with <see cref="OutputLines"/>: a reader's ReadLine would hold a
    /// line that never ends whole in memory, and a process may print hundreds of megabytes without a newline.
    /// </summary>
    private static async Task PumpAsync(Stream from, OutputStream stream, IOutputSink output)
    {
        // Yield first so that the constructor returns before any output is delivered.
        await Task.Yield();
        var lines = new OutputLines(stream, output);
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            lines.Write(buffer.AsSpan(0, read));
        }

        lines.Complete();
    }

    private static async Task CopyAsync(Stream from, Stream to)
    {
        await Task.Yield();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            await to.WriteAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
            await to.FlushAsync().ConfigureAwait(false);
        }
    }

    private static async Task FeedAsync(Stream from, Stream to)
    {
        await Task.Yield();
        try
        {
            await from.CopyToAsync(to).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The process stopped reading (exited or closed its stdin): the rest has nowhere to go.
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            try
            {
                to.Close();
            }
            catch (IOException)
            {
            }
        }
    }
}
