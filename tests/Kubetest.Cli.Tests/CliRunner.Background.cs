using System.Diagnostics;
using System.Text;

namespace Kubetest.Cli.Tests;

/// <summary>A CLI process that runs beside the test (<c>kubetest controller</c>): its stderr read as it comes, stopped by a signal.</summary>
public sealed class BackgroundCli : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Task<string> _stdout;
    private readonly Task _reading;

    internal BackgroundCli(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _reading = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is string line)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(line);
                }
            }
        });
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What it printed on stderr so far.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public IReadOnlyList<string> StderrLines => Stderr.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();

    /// <summary>Waits until a line of stderr contains <paramref name="marker"/>; fails with everything printed when it exits or the time is up.</summary>
    public async Task WaitForLineAsync(string marker, TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        while (!StderrLines.Any(l => l.Contains(marker, StringComparison.Ordinal)))
        {
            if (_process.HasExited)
            {
                await _reading;
                Assert.Fail($"the process exited ({_process.ExitCode}) before printing \"{marker}\"\n{Stderr}");
            }

            if (limit.IsCancellationRequested)
            {
                Assert.Fail($"no line with \"{marker}\" in time\n{Stderr}");
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }

    /// <summary>Sends <paramref name="signal"/> (TERM, INT, KILL) and returns what the process printed once it has exited.</summary>
    public async Task<CliRun> StopAsync(string signal = "TERM")
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await _process.WaitForExitAsync(timeout.Token);
        await _reading;
        return new CliRun(_process.ExitCode, await _stdout, Stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        await _reading;
        _process.Dispose();
    }
}

public sealed partial class CliRunner
{
    /// <summary>Starts the CLI with exactly <paramref name="args"/> (no runtime options) and returns at once; the test stops it.</summary>
    public BackgroundCli StartInBackground(params string[] args) => new(Start(args, withRuntime: false));
}
