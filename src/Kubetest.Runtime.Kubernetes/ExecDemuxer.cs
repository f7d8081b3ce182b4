using System.Net.WebSockets;
using System.Text;

namespace Kubetest.Runtime.Kubernetes;

/// <summary>
/// The exec WebSocket's channel protocol (<c>v5.channel.k8s.io</c>, <c>v4.channel.k8s.io</c>), read
/// and written directly: every binary message starts with its channel (0 stdin, 1 stdout, 2 stderr,
/// 3 the final Status, 4 resize; v5 adds 255 "close the channel in the next byte"); the rest of the
/// message, however many receives it takes, is that channel's data. Output is handed on as it is
/// received and the next receive waits until it was consumed, so a slow reader slows the server
/// (TCP backpressure) instead of filling a buffer: nothing here grows with the output.
/// </summary>
internal sealed class ExecDemuxer(WebSocket socket)
{
    public const byte Stdin = 0;
    public const byte Stdout = 1;
    public const byte Stderr = 2;
    public const byte Status = 3;
    public const byte Close = 255;

    /// <summary>A Status is a small JSON object; anything longer is not one.</summary>
    private const int MaxStatusBytes = 64 * 1024;

    /// <summary>Stdin goes out in messages of at most this many bytes, as kubectl does.</summary>
    private const int MaxStdinMessage = 32 * 1024;

    private readonly byte[] _receiveBuffer = new byte[64 * 1024];

    /// <summary>Whether stdin can be closed on its own (v5); with v4 only closing the socket would.</summary>
    public bool CanCloseStdin => socket.SubProtocol == WebSocketProtocols.V5;

    /// <summary>
    /// Receives until the server closes the socket, passing stdout and stderr data to
    /// <paramref name="onOutput"/> (channel, bytes; the bytes are only valid during the call).
    /// Returns the status frame's text, or null when the socket was closed without one.
    /// Throws <see cref="ExecConnectionLostException"/> when the connection broke before the status came.
    /// </summary>
    public async Task<string?> ReceiveAsync(Func<byte, ReadOnlyMemory<byte>, CancellationToken, ValueTask> onOutput, CancellationToken cancellationToken)
    {
        var status = new MemoryStream();
        var sawStatus = false;
        var channel = -1;
        while (true)
        {
            ValueWebSocketReceiveResult result;
            try
            {
                result = await socket.ReceiveAsync(_receiveBuffer.AsMemory(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException && !cancellationToken.IsCancellationRequested)
            {
                // The status already came: the command's end is known, a lost close handshake changes nothing.
                return sawStatus ? StatusText(status) : throw new ExecConnectionLostException(ex.Message, ex);
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return sawStatus ? StatusText(status) : null;
            }

            var data = _receiveBuffer.AsMemory(0, result.Count);
            if (channel < 0 && data.Length > 0)
            {
                channel = data.Span[0];
                data = data[1..];
            }

            if (data.Length > 0)
            {
                switch (channel)
                {
                    case Stdout or Stderr:
                        await onOutput((byte)channel, data, cancellationToken).ConfigureAwait(false);
                        break;
                    case Status:
                        sawStatus = true;
                        if (status.Length + data.Length <= MaxStatusBytes)
                        {
                            status.Write(data.Span);
                        }

                        break;
                    default:
                        // Stdin echoes, resize, close frames: nothing a reader of output needs.
                        break;
                }
            }

            if (result.EndOfMessage)
            {
                channel = -1;
            }
        }
    }

    /// <summary>Sends <paramref name="data"/> on stdin. Not to be called concurrently with itself.</summary>
    public async Task SendStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var frame = new byte[Math.Min(data.Length, MaxStdinMessage) + 1];
        frame[0] = Stdin;
        while (data.Length > 0)
        {
            var length = Math.Min(data.Length, MaxStdinMessage);
            data[..length].CopyTo(frame.AsMemory(1));
            await socket.SendAsync(frame.AsMemory(0, length + 1), WebSocketMessageType.Binary, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            data = data[length..];
        }
    }

    /// <summary>Ends stdin: the command reads end of file (v5 only).</summary>
    public Task CloseStdinAsync(CancellationToken cancellationToken) =>
        CanCloseStdin
            ? socket.SendAsync(new byte[] { Close, Stdin }, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken)
            : throw new InvalidOperationException($"the exec connection speaks {socket.SubProtocol}, which cannot close stdin alone");

    private static string StatusText(MemoryStream status) => Encoding.UTF8.GetString(status.GetBuffer(), 0, (int)status.Length);
}

/// <summary>The exec subprotocols kubetest speaks.</summary>
internal static class WebSocketProtocols
{
    public const string V5 = "v5.channel.k8s.io";
    public const string V4 = "v4.channel.k8s.io";
}

/// <summary>
/// The exec's connection broke after the upgrade: the command started (or may have), and how it
/// ended is unknown. Never a reason to run it again.
/// </summary>
internal sealed class ExecConnectionLostException : Exception
{
    public ExecConnectionLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ExecConnectionLostException(string message)
        : base(message)
    {
    }

    public ExecConnectionLostException()
    {
    }
}
