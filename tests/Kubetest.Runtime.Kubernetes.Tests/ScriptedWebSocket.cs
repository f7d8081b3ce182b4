using System.Net.WebSockets;

namespace Kubetest.Runtime.Kubernetes.Tests;

/// <summary>
/// A WebSocket that plays back received fragments (bytes, end of message), then a close or a
/// broken connection, and records what was sent: the exec channel protocol without a server.
/// </summary>
internal sealed class ScriptedWebSocket(string subProtocol, IEnumerable<ScriptedWebSocket.Step> steps) : WebSocket
{
    private readonly Queue<Step> _steps = new(steps);

    public List<byte[]> Sent { get; } = [];

    public override WebSocketCloseStatus? CloseStatus => null;

    public override string? CloseStatusDescription => null;

    public override WebSocketState State => _steps.Count == 0 ? WebSocketState.CloseReceived : WebSocketState.Open;

    public override string? SubProtocol => subProtocol;

    public static Step Fragment(bool endOfMessage, params byte[] bytes) => new(bytes, endOfMessage, Closed: false, Broken: false);

    public static Step Message(byte channel, string text) => new([channel, .. System.Text.Encoding.UTF8.GetBytes(text)], true, Closed: false, Broken: false);

    public static Step Close() => new([], true, Closed: true, Broken: false);

    public static Step Break() => new([], true, Closed: false, Broken: true);

    public override void Abort()
    {
    }

    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Dispose()
    {
    }

    public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the demuxer receives into Memory<byte>");

    public override ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (!_steps.TryDequeue(out var step))
        {
            throw new InvalidOperationException("received past the end of the script");
        }

        if (step.Broken)
        {
            throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The remote party closed the WebSocket connection without completing the close handshake.");
        }

        if (step.Closed)
        {
            return ValueTask.FromResult(new ValueWebSocketReceiveResult(0, WebSocketMessageType.Close, true));
        }

        step.Bytes.CopyTo(buffer);
        return ValueTask.FromResult(new ValueWebSocketReceiveResult(step.Bytes.Length, WebSocketMessageType.Binary, step.EndOfMessage));
    }

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        Sent.Add(buffer.ToArray());
        return Task.CompletedTask;
    }

    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        Sent.Add(buffer.ToArray());
        return ValueTask.CompletedTask;
    }

    internal sealed record Step(byte[] Bytes, bool EndOfMessage, bool Closed, bool Broken);
}
