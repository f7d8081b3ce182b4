using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text.Json;
using Polly;
using Polly.Retry;

namespace Kubetest.Runtime.Kubernetes;

/// <summary>
/// One command in a container over the exec WebSocket (v5 channel protocol, so stdin can be
/// closed), read by kubetest's own <see cref="ExecDemuxer"/>: stdout/stderr consumed as they come,
/// the exit code taken from the final status frame.
/// </summary>
internal sealed class PodExec : IDisposable
{
    private readonly IKubernetes _client;
    private readonly string _namespace;

    /// <summary>
    /// Only an upgrade that was refused (429, 5xx, no connection) is tried again: the command never
    /// started. Once the server said 101 the command may be running, and a test is not idempotent, so
    /// whatever happens after that (a lost status, a broken socket) is that command's error, never a rerun.
    /// </summary>
    private readonly ResiliencePipeline _retryUpgrade;

    /// <summary>
    /// Upgrades in flight at once. Hundreds of keys starting together would otherwise open hundreds
    /// of TLS connections in the same instant; once open, any number of execs may run.
    /// </summary>
    private readonly SemaphoreSlim _connecting = new(16, 16);

    public PodExec(IKubernetes client, string @namespace, TimeProvider time)
    {
        _client = client;
        _namespace = @namespace;
        _retryUpgrade = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<ExecNotStartedException>(),
                MaxRetryAttempts = 6,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(5),
            })
            .Build();

        // The builder that keeps the upgrade's status code, so a refusal can be told from a started command.
        if (client is k8s.Kubernetes concrete)
        {
            concrete.CreateWebSocketBuilder = () => new ExecWebSocketBuilder();
        }
    }

    public void Dispose() => _connecting.Dispose();

    /// <summary>Runs <paramref name="command"/> and delivers its output line by line (lines bounded by <see cref="OutputLines"/>).</summary>
    public async Task<int> RunLinesAsync(string pod, string container, IReadOnlyList<string> command, IOutputSink output, CancellationToken cancellationToken)
    {
        var stdout = new OutputLines(OutputStream.Stdout, output);
        var stderr = new OutputLines(OutputStream.Stderr, output);
        using var socket = await ConnectAsync(pod, container, command, stdin: false, cancellationToken).ConfigureAwait(false);
        string? status;
        try
        {
            status = await ReceiveAsync(new ExecDemuxer(socket), socket, pod, container, (channel, data, _) =>
            {
                (channel == ExecDemuxer.Stdout ? stdout : stderr).Write(data.Span);
                return ValueTask.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Whatever came before an error is shown too: the last lines usually say what went wrong.
            stdout.Complete();
            stderr.Complete();
        }

        return ExitCode(status, pod, container);
    }

    /// <summary>
    /// Runs <paramref name="command"/> with stdin written by <paramref name="writeStdin"/> (null: none)
    /// and stdout and stderr read as streams by the given callbacks, each on a thread of its own (they
    /// may block in Read). A reader that returns early gets the rest of its channel discarded.
    /// </summary>
    public async Task<int> RunAsync(
        string pod,
        string container,
        IReadOnlyList<string> command,
        Func<Stream, Task>? writeStdin,
        Action<Stream> readStdout,
        Action<Stream> readStderr,
        CancellationToken cancellationToken)
    {
        using var socket = await ConnectAsync(pod, container, command, stdin: writeStdin is not null, cancellationToken).ConfigureAwait(false);
        var demuxer = new ExecDemuxer(socket);

        // Small pipes: the readers consume as the data comes, and a full pipe holds the next receive back.
        var stdoutPipe = new Pipe(new PipeOptions(pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024));
        var stderrPipe = new Pipe(new PipeOptions(pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024));
        var reading = Task.WhenAll(ReadOnOwnThread(stdoutPipe.Reader, readStdout), ReadOnOwnThread(stderrPipe.Reader, readStderr));
        var writing = writeStdin is null ? Task.CompletedTask : WriteStdinAsync(socket, demuxer, writeStdin, cancellationToken);
        string? status;
        try
        {
            status = await ReceiveAsync(demuxer, socket, pod, container, async (channel, data, ct) =>
            {
                var pipe = channel == ExecDemuxer.Stdout ? stdoutPipe : stderrPipe;
                await pipe.Writer.WriteAsync(data, ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (PodFailedException) when (writeStdin is not null)
        {
            // A writer that failed aborted the socket: its failure is the one to report.
            await writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (writing.IsFaulted)
            {
                await writing.ConfigureAwait(false);
            }

            throw;
        }
        finally
        {
            await stdoutPipe.Writer.CompleteAsync().ConfigureAwait(false);
            await stderrPipe.Writer.CompleteAsync().ConfigureAwait(false);

            // The readers see the end of their streams now; wait for them whatever happened, so none outlives the call.
            await ((Task)reading).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await reading.ConfigureAwait(false);
        var exitCode = ExitCode(status, pod, container);

        // A command that failed before it read all of its stdin (tar refusing a path) closes the
        // exec while the writer still writes: its exit code and stderr tell why, not the writer's error.
        if (exitCode != 0 && writing.IsFaulted)
        {
            return exitCode;
        }

        await writing.ConfigureAwait(false);
        return exitCode;
    }

    /// <summary>Opens the exec socket, retrying only upgrades that provably did not start the command.</summary>
    private async Task<WebSocket> ConnectAsync(string pod, string container, IReadOnlyList<string> command, bool stdin, CancellationToken cancellationToken)
    {
        try
        {
            return await _retryUpgrade.ExecuteAsync(
                async ct =>
                {
                    await _connecting.WaitAsync(ct).ConfigureAwait(false);
                    try
                    {
                        return await _client.WebSocketNamespacedPodExecAsync(
                            pod,
                            _namespace,
                            command,
                            container,
                            stderr: true,
                            stdin: stdin,
                            stdout: true,
                            tty: false,
                            webSocketSubProtocol: WebSocketProtocols.V5,
                            cancellationToken: ct).ConfigureAwait(false);
                    }
                    finally
                    {
                        _connecting.Release();
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ExecNotStartedException or WebSocketException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            var retried = ex is ExecNotStartedException ? " (tried 7 times; the command never started)" : "";
            throw new PodFailedException($"exec in container {container} of pod {pod} could not start: {ex.Message}{retried}{Forbidden(ex)}", ex);
        }
    }

    /// <summary>
    /// What a refused upgrade means: the socket only says "status code '403'" (the API server's Status in its body is
    /// not read by the WebSocket), so name the right that is missing.
    /// </summary>
    private string Forbidden(Exception ex) =>
        ex is WebSocketException { WebSocketErrorCode: WebSocketError.NotAWebSocket } && ex.Message.Contains("'403'", StringComparison.Ordinal)
            ? $": forbidden, the identity may not create pods/exec in namespace {_namespace} (the Role needs create on pods/exec)"
            : "";

    /// <summary>Runs the demuxer to the end of the exec; a connection lost after the upgrade is the command's error, not a retry.</summary>
    private static async Task<string?> ReceiveAsync(ExecDemuxer demuxer, WebSocket socket, string pod, string container, Func<byte, ReadOnlyMemory<byte>, CancellationToken, ValueTask> onOutput, CancellationToken cancellationToken)
    {
        string? status;
        try
        {
            status = await demuxer.ReceiveAsync(onOutput, cancellationToken).ConfigureAwait(false);
        }
        catch (ExecConnectionLostException ex)
        {
            throw new PodFailedException($"exec in container {container} of pod {pod} lost its connection after the command started, so how it ended is unknown (it is not run again): {ex.Message}", ex) { CommandMayHaveRun = true };
        }
        catch (Exception ex) when (ex is not OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("exec cancelled", ex, cancellationToken);
        }

        // Answer the server's close so it can finish cleanly; the result is already known.
        if (socket.State == WebSocketState.CloseReceived)
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, limit.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
            {
            }
        }

        return status;
    }

    private static async Task WriteStdinAsync(WebSocket socket, ExecDemuxer demuxer, Func<Stream, Task> writeStdin, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            var stdin = new StdinStream(demuxer);
            await using (stdin.ConfigureAwait(false))
            {
                await writeStdin(stdin).ConfigureAwait(false);
                await demuxer.CloseStdinAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not WebSocketException)
        {
            // The command would wait for the rest of its stdin forever: end the exec.
            socket.Abort();
            throw;
        }
    }

    /// <summary>
    /// Runs a stream reader on a thread of its own: readers such as tar extraction read synchronously,
    /// which on the thread pool would starve it when several execs run. When the reader returns, the
    /// rest of its channel is discarded so the exec can finish.
    /// </summary>
    private static Task ReadOnOwnThread(PipeReader reader, Action<Stream> read) =>
        Task.Factory.StartNew(
            () =>
            {
                try
                {
                    using var stream = reader.AsStream(leaveOpen: true);
                    read(stream);
                }
                finally
                {
                    reader.Complete();
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

    /// <summary>The exit code in the status frame; no status, or one that is no exit code, is an error of the exec.</summary>
    internal static int ExitCode(string? statusText, string pod, string container)
    {
        if (string.IsNullOrWhiteSpace(statusText))
        {
            throw new PodFailedException($"exec in container {container} of pod {pod} ended without a status, so how the command ended is unknown (the pod may have been deleted; it is not run again)") { CommandMayHaveRun = true };
        }

        V1Status? status;
        try
        {
            status = JsonSerializer.Deserialize<V1Status>(statusText, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new PodFailedException($"exec in container {container} of pod {pod} ended with a status that is not a Status object: {ex.Message}", ex);
        }

        if (status is null)
        {
            throw new PodFailedException($"exec in container {container} of pod {pod} returned an empty status");
        }

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

    /// <summary>Writes go out as stdin frames; disposing does not close stdin (the caller sends the close frame).</summary>
    private sealed class StdinStream(ExecDemuxer demuxer) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            new(demuxer.SendStdinAsync(buffer, cancellationToken));

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            demuxer.SendStdinAsync(buffer.AsMemory(offset, count), cancellationToken);

        // Synchronous writers (a tar library's fallback) block the calling thread; the writer runs on its own task.
        public override void Write(byte[] buffer, int offset, int count) =>
            demuxer.SendStdinAsync(buffer.AsMemory(offset, count), CancellationToken.None).GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
