using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using Polly;
using Polly.Retry;

namespace Kubetest.Runtime.Kubernetes;

/// <summary>
/// One command in a container over the exec WebSocket (v5 channel protocol, so stdin can be
/// closed): stdout/stderr streamed, the exit code taken from the final status frame.
/// </summary>
internal sealed class PodExec(IKubernetes client, string @namespace, TimeProvider time) : IDisposable
{
    /// <summary>
    /// An exec whose upgrade was refused (429, 5xx: the client only says "status code X instead of
    /// 101") or whose socket closed before the status frame is run again, as the original's
    /// kubejob does: the command either never started or its end was never seen.
    /// </summary>
    private readonly ResiliencePipeline _retry = new ResiliencePipelineBuilder { TimeProvider = time }
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<WebSocketException>().Handle<HttpRequestException>().Handle<ExecIncompleteException>(),
            MaxRetryAttempts = 6,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromSeconds(5),
        })
        .Build();

    /// <summary>
    /// Upgrades in flight at once. Hundreds of keys starting together would otherwise open hundreds
    /// of TLS connections in the same instant; once open, any number of execs may run.
    /// </summary>
    private readonly SemaphoreSlim _connecting = new(16, 16);

    public void Dispose() => _connecting.Dispose();

    /// <summary>Runs <paramref name="command"/>; stdout and stderr go to the given callbacks as raw streams.</summary>
    public async Task<int> RunAsync(
        string pod,
        string container,
        IReadOnlyList<string> command,
        Func<Stream, Task>? writeStdin,
        Action<Stream> readStdout,
        Action<Stream> readStderr,
        CancellationToken cancellationToken)
    {
        try
        {
            return await _retry.ExecuteAsync(
                async ct => await RunOnceAsync(pod, container, command, writeStdin, readStdout, readStderr, ct).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            // Cancelling closes the socket under the readers; what they throw then is the cancellation.
            throw new OperationCanceledException("exec cancelled", ex, cancellationToken);
        }
        catch (ExecIncompleteException ex)
        {
            throw new PodFailedException(ex.Message, ex);
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException)
        {
            throw new PodFailedException($"exec in container {container} of pod {pod} failed: {ex.Message}", ex);
        }
    }

    private async Task<int> RunOnceAsync(
        string pod,
        string container,
        IReadOnlyList<string> command,
        Func<Stream, Task>? writeStdin,
        Action<Stream> readStdout,
        Action<Stream> readStderr,
        CancellationToken cancellationToken)
    {
        WebSocket socket;
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            socket = await client.WebSocketNamespacedPodExecAsync(
                pod,
                @namespace,
                command,
                container,
                stderr: true,
                stdin: writeStdin is not null,
                stdout: true,
                tty: false,
                webSocketSubProtocol: WebSocketProtocol.V5BinaryWebsocketProtocol,
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _connecting.Release();
        }

        using var muxed = new StreamDemuxer(socket, StreamType.RemoteCommand, ownsSocket: true, supportsClose: true);

        // The demuxer's streams do not all observe tokens: closing the socket is what unblocks them.
        await using var abort = cancellationToken.Register(muxed.Dispose).ConfigureAwait(false);
        using var stdout = muxed.GetStream(ChannelIndex.StdOut, null);
        using var stderr = muxed.GetStream(ChannelIndex.StdErr, null);
        using var status = muxed.GetStream(ChannelIndex.Error, null);
        using var stdin = writeStdin is null ? null : muxed.GetStream(null, ChannelIndex.StdIn);
        muxed.Start();
        var reading = Task.WhenAll(OnOwnThread(() => readStdout(stdout)), OnOwnThread(() => readStderr(stderr)));
        if (writeStdin is not null)
        {
            await writeStdin(stdin!).ConfigureAwait(false);
            await muxed.CloseChannel(ChannelIndex.StdIn, cancellationToken).ConfigureAwait(false);
        }

        var statusText = await OnOwnThread(() =>
        {
            using var statusReader = new StreamReader(status, Encoding.UTF8);
            return statusReader.ReadToEnd();
        }).ConfigureAwait(false);
        await reading.WaitAsync(cancellationToken).ConfigureAwait(false);
        return ExitCode(statusText, pod, container);
    }

    /// <summary>Runs <paramref name="command"/> and delivers its output line by line.</summary>
    public Task<int> RunLinesAsync(string pod, string container, IReadOnlyList<string> command, IOutputSink output, CancellationToken cancellationToken) =>
        RunAsync(
            pod,
            container,
            command,
            null,
            s => ReadLines(s, OutputStream.Stdout, output),
            s => ReadLines(s, OutputStream.Stderr, output),
            cancellationToken);

    private static void ReadLines(Stream stream, OutputStream kind, IOutputSink output)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            output.WriteLine(kind, line);
        }
    }

    /// <summary>
    /// The client's demuxed streams block in Read (async reads included), so each gets a thread
    /// of its own: on the thread pool, a few concurrent execs starve it for a second at a time.
    /// Disposing the demuxer (on cancellation) ends the reads.
    /// </summary>
    private static Task<T> OnOwnThread<T>(Func<T> read) =>
        Task.Factory.StartNew(read, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static Task OnOwnThread(Action read) =>
        Task.Factory.StartNew(read, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>The exit code in the status frame; a status that is no exit code at all is an error of the pod.</summary>
    internal static int ExitCode(string statusText, string pod, string container)
    {
        if (string.IsNullOrWhiteSpace(statusText))
        {
            throw new ExecIncompleteException($"exec in container {container} of pod {pod} ended without a status (the pod may have been deleted)");
        }

        var status = JsonSerializer.Deserialize<V1Status>(statusText, JsonOptions)
            ?? throw new PodFailedException($"exec in container {container} of pod {pod} returned an empty status");
        if (status.Status == "Success")
        {
            return 0;
        }

        if (status.Reason == "NonZeroExitCode"
            && int.TryParse(status.Details?.Causes?.FirstOrDefault(c => c.Reason == "ExitCode")?.Message, out var code))
        {
            return code;
        }

        throw new PodFailedException($"exec in container {container} of pod {pod} failed: {status.Message ?? status.Reason ?? statusText}");
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };
}

/// <summary>The exec's socket closed before its status frame: whether the command ended is unknown.</summary>
internal sealed class ExecIncompleteException(string message) : Exception(message)
{
    public ExecIncompleteException()
        : this("exec ended without a status")
    {
    }

    public ExecIncompleteException(string message, Exception innerException)
        : this(message + ": " + innerException.Message)
    {
    }
}
