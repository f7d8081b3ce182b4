using System.Globalization;

namespace Kubetest.Benchmarks;

/// <summary>
/// Samples, once a second, the memory of the kubetest-agent servers the emulator's pods run (those whose
/// command is the given agent with <c>--port</c>: <c>PATH …</c> for a native binary, <c>dotnet PATH …</c> for the dll), from
/// <c>/proc/PID/smaps_rollup</c>, and keeps the highest sum: how much 500 agents on one machine hold. RSS
/// counts the binary's shared pages once per agent; PSS shares them out, so its sum is what they take together.
/// </summary>
internal sealed class AgentMemory : IDisposable
{
    private readonly string _path;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private Peak _peak = new(0, 0, 0);

    private AgentMemory(string path)
    {
        _path = path;
        _sampling = Task.Run(SampleAsync);
    }

    /// <summary>The highest sum seen, and how many agents ran then.</summary>
    public sealed record Peak(int Agents, double RssMib, double PssMib);

    public static AgentMemory Start(string path) => new(path);

    public async Task<Peak> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        return _peak;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            do
            {
                var (agents, rss, pss) = Sample();
                if (pss > _peak.PssMib)
                {
                    _peak = new Peak(agents, rss, pss);
                }
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopped at the end of the run.
        }
    }

    private (int Agents, double RssMib, double PssMib) Sample()
    {
        var agents = 0;
        long rssKib = 0;
        long pssKib = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            try
            {
                var argv = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0');
                // The server (`… --port N`), not the short-lived launcher each command runs under (`… --launch-process-group -- argv`).
                var isAgent = (argv[0] == _path || (argv.Length > 1 && argv[1] == _path && Path.GetFileName(argv[0]) == "dotnet")) && argv.Contains("--port");
                if (!isAgent)
                {
                    continue;
                }

                foreach (var line in File.ReadLines(Path.Combine(directory, "smaps_rollup")))
                {
                    if (line.StartsWith("Rss:", StringComparison.Ordinal))
                    {
                        rssKib += Kib(line);
                    }
                    else if (line.StartsWith("Pss:", StringComparison.Ordinal))
                    {
                        pssKib += Kib(line);
                    }
                }

                agents++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended between the listing and the read.
            }
        }

        return (agents, rssKib / 1024.0, pssKib / 1024.0);
    }

    /// <summary>The number of <c>Rss:      1234 kB</c>.</summary>
    private static long Kib(string line) =>
        long.Parse(line.AsSpan(4).Trim().TrimEnd("kB").Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
}
