using System.Diagnostics;
using System.Text;

namespace Kubetest.Cli.Tests;

/// <summary>Runs that the test ends from outside: the CLI killed hard, or its cluster stopped under it.</summary>
public sealed partial class CliRunner
{
    /// <summary>Runs the CLI with exactly <paramref name="args"/>, without the runtime options (for <c>kubetest gc</c>, whose options follow it).</summary>
    public async Task<CliRun> RunWithoutRuntimeAsync(params string[] args)
    {
        using var process = Start(args, withRuntime: false);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// Starts the CLI, waits until <paramref name="ready"/> holds (polled), runs <paramref name="act"/>
    /// with the process, and returns what the run printed once it ends. <paramref name="act"/> may kill it.
    /// </summary>
    public async Task<CliRun> RunAndActAsync(Func<bool> ready, Func<Process, Task> act, params string[] args)
    {
        using var process = Start(args, withRuntime: true);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = new StringBuilder();
        var reading = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is string line)
            {
                lock (stderr)
                {
                    stderr.AppendLine(line);
                }
            }
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (!ready())
        {
            if (process.HasExited)
            {
                await reading;
                throw new InvalidOperationException($"the run ended before it was ready\n{new CliRun(process.ExitCode, await stdout, stderr.ToString())}");
            }

            await Task.Delay(100, timeout.Token);
        }

        await act(process);
        await process.WaitForExitAsync(timeout.Token);
        await reading;
        return new CliRun(process.ExitCode, await stdout, stderr.ToString());
    }
}
