using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using Kubetest.Agent.Client;
using Kubetest.Agent.Protocol;

namespace Kubetest.Agent.Tests;

/// <summary>
/// The real kubetest-agent (<c>dotnet kubetest-agent.dll</c>, as built by this test build) on a free
/// loopback port, with the public half of <see cref="Key"/> in its environment. Disposing kills it.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    public static readonly string AgentDll = typeof(AgentProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AgentDll").Value!;

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Task _readingStderr;
    private readonly Task<string> _readingStdout;

    private AgentProcess(Process process, AgentKey key, int port)
    {
        _process = process;
        Key = key;
        Port = port;
        _readingStdout = process.StandardOutput.ReadToEndAsync();
        _readingStderr = ReadStderrAsync();
    }

    public AgentKey Key { get; }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}");

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

    /// <summary>A published agent binary (AOT or single-file) to test instead of the build's <c>kubetest-agent.dll</c>.</summary>
    public static readonly string? PublishedBinary = Environment.GetEnvironmentVariable("KUBETEST_AGENT_BINARY") is { Length: > 0 } binary ? Path.GetFullPath(binary) : null;

    /// <summary>How tests start the agent: <see cref="PublishedBinary"/>, else <c>dotnet kubetest-agent.dll</c>.</summary>
    public static IReadOnlyList<string> DefaultCommandLine => PublishedBinary is { } binary ? [binary] : [DotnetHost, AgentDll];

    public static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>Starts the agent with a fresh key and waits until it answers.</summary>
    public static Task<AgentProcess> StartReadyAsync(params string[] extraArguments) =>
        StartReadyAsync(AgentKey.Create(TimeProvider.System), extraArguments);

    /// <summary>
    /// Starts the agent and waits until it answers. The free port is picked before the agent binds it, so
    /// another process (a parallel test assembly) may take it in between: an agent that ends saying the
    /// address is in use is started again on another port. Any other early end fails with what it said.
    /// </summary>
    public static async Task<AgentProcess> StartReadyAsync(AgentKey key, IReadOnlyList<string> extraArguments, IReadOnlyList<string>? commandLine = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var agent = Start(key, extraArguments, commandLine: commandLine);
            if (await agent.WaitReadyOrExitAsync(TimeSpan.FromSeconds(60)))
            {
                return agent;
            }

            await agent.StopAsync();
            if (attempt == 5 || !agent.Stderr.Contains("address already in use", StringComparison.Ordinal))
            {
                key.Dispose();
                throw new InvalidOperationException($"kubetest-agent ended with exit code {agent._process.ExitCode} before it answered; it said: {agent.Stderr}");
            }
        }
    }

    /// <summary>Starts the agent; <paramref name="key"/> null leaves <see cref="AgentAuth.PublicKeyVariable"/> unset.</summary>
    /// <param name="commandLine">How to start the agent (the program, then its arguments before <c>--port</c>); default <c>dotnet kubetest-agent.dll</c>.</param>
    /// <param name="port">The port to listen on; default a free one.</param>
    public static AgentProcess Start(AgentKey key, IEnumerable<string> extraArguments, string? publicKeyPem = null, bool setKey = true, IReadOnlyList<string>? commandLine = null, int? port = null)
    {
        port ??= FreePort();
        commandLine ??= DefaultCommandLine;
        var info = new ProcessStartInfo(commandLine[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in commandLine.Skip(1).Concat(["--port", port.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)]).Concat(extraArguments))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Remove(AgentAuth.PublicKeyVariable);
        if (setKey)
        {
            info.Environment[AgentAuth.PublicKeyVariable] = publicKeyPem ?? key.PublicKeyPem;
        }

        return new AgentProcess(Process.Start(info)!, key, port.Value);
    }

    /// <summary>All the agent wrote to stdout, once it has ended.</summary>
    public Task<string> Stdout => _readingStdout;

    public AgentClient Client() => new(Address, Key.Token);

    /// <summary>The exit code, once the agent has ended by itself within <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancellation.Token);
        await DrainAsync();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        Key.Dispose();
    }

    /// <summary>True once the agent answers; false when it ended first. Throws when it does neither within <paramref name="timeout"/>.</summary>
    private async Task<bool> WaitReadyOrExitAsync(TimeSpan timeout)
    {
        using var client = Client();
        using var exited = new CancellationTokenSource();
        var ready = client.WaitReadyAsync(timeout, exited.Token);
        var exit = _process.WaitForExitAsync();
        if (await Task.WhenAny(ready, exit) == ready)
        {
            try
            {
                await ready;
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"{e.Message}; the agent said: {Stderr}", e);
            }

            return true;
        }

        await exited.CancelAsync();
        try
        {
            await ready;
        }
        catch (OperationCanceledException)
        {
        }

        await DrainAsync();
        return false;
    }

    private async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        await DrainAsync();
    }

    /// <summary>
    /// Waits for the output readers after the process ended. A descendant that outlived it (reparented, so no
    /// longer in its tree) may still hold the pipes: the wait is bounded, so such a leak cannot hang a test, and
    /// <see cref="Stderr"/> says so (a start that fails then fails with it).
    /// </summary>
    private async Task DrainAsync()
    {
        try
        {
            await Task.WhenAll(_readingStderr, _readingStdout).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            lock (_stderr)
            {
                _stderr.AppendLine("[test: the agent's output was still open 10 s after it ended: a process it started outlived it]");
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task ReadStderrAsync()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
        {
            lock (_stderr)
            {
                _stderr.AppendLine(line);
            }
        }
    }
}
