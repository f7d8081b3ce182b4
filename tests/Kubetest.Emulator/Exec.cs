using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>
/// pods/exec over WebSocket (the v5/v4 channel protocols): binary frames whose first byte is the
/// channel: 0 stdin, 1 stdout, 2 stderr, 3 the final Status, 4 resize, and in v5 255 = "close
/// the channel in the next byte". Output is sent as the command writes it and each send waits for
/// the connection to take it, so a client that reads slowly holds the command back (as a kubelet
/// does) and nothing here grows with the output.
/// </summary>
internal static class Exec
{
    public const string V5 = "v5.channel.k8s.io";
    public const string V4 = "v4.channel.k8s.io";

    public static void Map(IEndpointRouteBuilder app, Store store, JobController controller, KubeEmulator emulator)
    {
        app.MapMethods("/api/v1/namespaces/{ns}/pods/{name}/exec", ["GET", "POST"], async (HttpContext c, string ns, string name) =>
        {
            Rbac.Authorize(Api.Identity(c), "create", string.Empty, "pods", "exec", ns, name);
            var pod = store.GetPod(ns, name) ?? throw Statuses.NotFound("pods", name);
            var container = Containers.Choose(pod, Api.Query(c, "container"));
            var command = c.Request.Query["command"].Where(s => s is not null).Select(s => s!).ToList();
            if (command.Count == 0)
            {
                throw Statuses.BadRequest("you must specify at least 1 command");
            }

            if (pod.Status?.Phase is "Succeeded" or "Failed")
            {
                throw Statuses.BadRequest($"cannot exec into a container in a completed pod; current phase is {pod.Status.Phase}");
            }

            // Any running container accepts exec, a running init container too (kubetest's pre-init), as on a cluster.
            if (controller.Kubelet.Find(ns, name)?.Local is not { } local
                || (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? []).FirstOrDefault(s => s.Name == container)?.State?.Running is null)
            {
                throw Statuses.BadRequest($"unable to upgrade connection: container not found (\"{container}\")");
            }

            if (!c.WebSockets.IsWebSocketRequest)
            {
                throw Statuses.BadRequest("Upgrade request required: the emulator speaks exec over WebSocket (v5.channel.k8s.io, v4.channel.k8s.io), not SPDY");
            }

            var protocol = c.WebSockets.WebSocketRequestedProtocols.FirstOrDefault(p => p is V5 or V4)
                ?? throw Statuses.BadRequest($"none of the offered subprotocols [{string.Join(", ", c.WebSockets.WebSocketRequestedProtocols)}] is supported; use {V5} or {V4}");
            if (TakeRefusal(emulator.Options.Faults))
            {
                emulator.CountFault(500);
                throw new StatusException(Statuses.Failure(500, "InternalError", "Internal error occurred: exec upgrade refused by the emulator's fault knob"));
            }

            emulator.RecordExec(new ExecRecord(name, container, command, Api.QueryFlag(c, "stdin")));
            using var socket = await c.WebSockets.AcceptWebSocketAsync(protocol);
            using var session = new ExecSession(socket, protocol == V5, Api.QueryFlag(c, "stdin"), Api.QueryFlag(c, "stdout"), Api.QueryFlag(c, "stderr"))
            {
                DropAfterBytes = TakeDrop(emulator.Options.Faults),
                Abort = c.Abort,
            };
            await session.RunAsync(local, container, command, c.RequestAborted);
        });
    }

    private static bool TakeRefusal(FaultOptions faults)
    {
        lock (faults)
        {
            if (faults.RefuseExecUpgrades <= 0)
            {
                return false;
            }

            faults.RefuseExecUpgrades--;
            return true;
        }
    }

    /// <summary>The byte count after which this exec is broken, or null; counts <see cref="FaultOptions.DropExecTimes"/> down.</summary>
    private static long? TakeDrop(FaultOptions faults)
    {
        lock (faults)
        {
            if (faults.DropExecAfterBytes is null || faults.DropExecTimes is null)
            {
                return faults.DropExecAfterBytes;
            }

            if (faults.DropExecTimes <= 0)
            {
                return null;
            }

            faults.DropExecTimes--;
            return faults.DropExecAfterBytes;
        }
    }
}

internal sealed class ExecSession : IDisposable
{
    private const byte StdinChannel = 0;
    private const byte StdoutChannel = 1;
    private const byte StderrChannel = 2;
    private const byte StatusChannel = 3;
    private const byte CloseChannel = 255;
    private const int MaxFrame = 32 * 1024;

    private readonly WebSocket _socket;
    private readonly bool _v5;
    private readonly Pipe? _stdin;
    private readonly bool _stdout;
    private readonly bool _stderr;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly byte[] _frame = new byte[MaxFrame + 1];
    private long _sent;

    public ExecSession(WebSocket socket, bool v5, bool stdin, bool stdout, bool stderr)
    {
        _socket = socket;
        _v5 = v5;
        _stdin = stdin ? new Pipe() : null;
        _stdout = stdout;
        _stderr = stderr;
    }

    public async Task RunAsync(Kubetest.Runtime.Local.IStreamingPod pod, string container, IReadOnlyList<string> command, CancellationToken aborted)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var receiving = ReceiveAsync(cancel);
        int exitCode;
        try
        {
            await using var stdout = _stdout ? (Stream)new ChannelStream(this, StdoutChannel) : Stream.Null;
            await using var stderr = _stderr ? (Stream)new ChannelStream(this, StderrChannel) : Stream.Null;
            exitCode = await pod.ExecStreamAsync(container, command, new Dictionary<string, string>(), _stdin?.Reader.AsStream(), stdout, stderr, cancel.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            return;
        }
        catch (ObjectDisposedException)
        {
            // The pod was deleted while the command ran.
            exitCode = 137;
        }
        finally
        {
            await (_stdin?.Writer.CompleteAsync() ?? ValueTask.CompletedTask);
        }

        try
        {
            await SendAsync(StatusChannel, Encoding.UTF8.GetBytes(Api.Serialize(Result(exitCode, command))), CancellationToken.None);
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);

            // Give the client a moment to answer the close, but do not depend on it.
            await receiving.WaitAsync(TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client went away first; there is nobody left to tell.
        }

        await cancel.CancelAsync();
        await receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>The fault knob: break the connection once this many output bytes were sent.</summary>
    public long? DropAfterBytes { get; init; }

    /// <summary>Breaks the client's connection (no close handshake, no status).</summary>
    public Action Abort { get; init; } = () => { };

    public void Dispose() => _sending.Dispose();

    public async Task SendAsync(byte channel, ReadOnlyMemory<byte> data, CancellationToken token)
    {
        await _sending.WaitAsync(token);
        try
        {
            // One frame buffer for the whole session; each send completes only once the connection
            // has taken it, which is the backpressure that holds a fast command back.
            do
            {
                var length = Math.Min(data.Length, MaxFrame);
                _frame[0] = channel;
                data[..length].CopyTo(_frame.AsMemory(1));
                await _socket.SendAsync(_frame.AsMemory(0, length + 1), WebSocketMessageType.Binary, endOfMessage: true, token);
                data = data[length..];
                _sent += channel == StatusChannel ? 0 : length;
                if (_sent >= DropAfterBytes)
                {
                    Abort();
                    throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "exec connection dropped by the emulator's fault knob");
                }
            }
            while (data.Length > 0);
        }
        finally
        {
            _sending.Release();
        }
    }

    private static V1Status Result(int exitCode, IReadOnlyList<string> command) => exitCode == 0
        ? new V1Status { Metadata = new V1ListMeta(), Status = "Success" }
        : new V1Status
        {
            Metadata = new V1ListMeta(),
            Status = "Failure",
            Reason = "NonZeroExitCode",
            Message = $"command terminated with non-zero exit code: error executing command [{string.Join(" ", command)}], exit code {exitCode}",
            Details = new V1StatusDetails { Causes = [new V1StatusCause { Reason = "ExitCode", Message = exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) }] },
        };

    private async Task ReceiveAsync(CancellationTokenSource cancel)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, cancel.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await (_stdin?.Writer.CompleteAsync() ?? ValueTask.CompletedTask);
                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                await OnMessageAsync(message.ToArray(), cancel.Token);
                message.SetLength(0);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or InvalidOperationException)
        {
            // The connection broke: the command has no one to talk to any more.
            await cancel.CancelAsync();
        }
    }

    private async Task OnMessageAsync(byte[] data, CancellationToken token)
    {
        if (data.Length == 0)
        {
            return;
        }

        switch (data[0])
        {
            case StdinChannel when _stdin is not null && data.Length > 1:
                await _stdin.Writer.WriteAsync(data.AsMemory(1), token);
                break;
            case CloseChannel when _v5 && data.Length > 1 && data[1] == StdinChannel && _stdin is not null:
                await _stdin.Writer.CompleteAsync();
                break;
            default:
                // Resize (4) and anything else: there is no terminal to resize.
                break;
        }
    }

    private sealed class ChannelStream(ExecSession session, byte channel) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) =>
            session.SendAsync(channel, buffer.AsMemory(offset, count), CancellationToken.None).GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            session.SendAsync(channel, buffer.AsMemory(offset, count), cancellationToken);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            new(session.SendAsync(channel, buffer, cancellationToken));

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
