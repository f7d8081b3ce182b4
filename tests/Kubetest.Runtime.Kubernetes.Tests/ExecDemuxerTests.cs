using System.Net;
using System.Net.Http;
using System.Net.WebSockets;
using System.Text;
using static Kubetest.Runtime.Kubernetes.Tests.ScriptedWebSocket;

namespace Kubetest.Runtime.Kubernetes.Tests;

/// <summary>kubetest's own reader of the exec channel protocol, over a scripted WebSocket.</summary>
public class ExecDemuxerTests
{
    private const string Success = """{"metadata":{},"status":"Success"}""";

    [Fact]
    public async Task A_message_received_in_several_fragments_belongs_whole_to_the_channel_of_its_first_byte()
    {
        var socket = new ScriptedWebSocket(WebSocketProtocols.V5, [
            Fragment(false, 1, (byte)'h', (byte)'e'),
            Fragment(false, (byte)'l', (byte)'l'),
            Fragment(true, (byte)'o', (byte)'\n'),
            Message(2, "warn\n"),
            Fragment(false, 1),
            Fragment(true, (byte)'!'),
            Message(3, Success),
            Close()]);
        var output = new Output();

        var status = await new ExecDemuxer(socket).ReceiveAsync(output.OnAsync, CancellationToken.None);

        Assert.Equal("hello\n!", output.Text(1));
        Assert.Equal("warn\n", output.Text(2));
        Assert.Equal(Success, status);
        Assert.Equal(0, PodExec.ExitCode(status, "pod", "c"));
    }

    [Fact]
    public async Task The_exit_code_comes_from_a_failure_status_split_over_two_fragments()
    {
        const string Failure = """{"metadata":{},"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"7"}]}}""";
        var bytes = Encoding.UTF8.GetBytes(Failure);
        var socket = new ScriptedWebSocket(WebSocketProtocols.V4, [
            Fragment(false, [3, .. bytes[..10]]),
            Fragment(true, bytes[10..]),
            Close()]);

        var status = await new ExecDemuxer(socket).ReceiveAsync(new Output().OnAsync, CancellationToken.None);

        Assert.Equal(7, PodExec.ExitCode(status, "pod", "c"));
    }

    [Fact]
    public async Task A_socket_closed_before_the_status_gives_no_status_which_is_an_error_not_a_success()
    {
        var socket = new ScriptedWebSocket(WebSocketProtocols.V5, [Message(1, "partial"), Close()]);

        var status = await new ExecDemuxer(socket).ReceiveAsync(new Output().OnAsync, CancellationToken.None);

        Assert.Null(status);
        var error = Assert.Throws<PodFailedException>(() => PodExec.ExitCode(status, "pod-1", "c"));
        Assert.Contains("without a status", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_broken_before_the_status_is_a_lost_connection()
    {
        var socket = new ScriptedWebSocket(WebSocketProtocols.V5, [Message(1, "started"), Break()]);
        var output = new Output();

        await Assert.ThrowsAsync<ExecConnectionLostException>(() => new ExecDemuxer(socket).ReceiveAsync(output.OnAsync, CancellationToken.None));
        Assert.Equal("started", output.Text(1));
    }

    [Fact]
    public async Task A_connection_broken_after_the_status_still_gives_the_status()
    {
        var socket = new ScriptedWebSocket(WebSocketProtocols.V5, [Message(3, Success), Break()]);

        var status = await new ExecDemuxer(socket).ReceiveAsync(new Output().OnAsync, CancellationToken.None);

        Assert.Equal(Success, status);
    }

    [Fact]
    public async Task Stdin_goes_out_on_channel_0_and_is_closed_with_the_v5_close_frame()
    {
        var socket = new ScriptedWebSocket(WebSocketProtocols.V5, []);
        var demuxer = new ExecDemuxer(socket);

        await demuxer.SendStdinAsync(new byte[40_000], CancellationToken.None);
        await demuxer.CloseStdinAsync(CancellationToken.None);

        Assert.Equal([32_769, 7_233, 2], socket.Sent.Select(m => m.Length));
        Assert.All(socket.Sent.Take(2), m => Assert.Equal(0, m[0]));
        Assert.Equal([255, 0], socket.Sent[^1]);
    }

    [Fact]
    public async Task Stdin_cannot_be_closed_alone_on_v4()
    {
        var demuxer = new ExecDemuxer(new ScriptedWebSocket(WebSocketProtocols.V4, []));

        await Assert.ThrowsAsync<InvalidOperationException>(() => demuxer.CloseStdinAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    public void An_upgrade_answered_429_or_5xx_provably_did_not_start_the_command(HttpStatusCode status)
    {
        Assert.NotNull(ExecWebSocketBuilder.NotStartedReason(status, new WebSocketException("The server returned status code '500' when status code '101' was expected.")));
    }

    [Fact]
    public void A_connection_that_was_never_made_provably_did_not_start_the_command()
    {
        var refused = new WebSocketException("Unable to connect to the remote server", new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"));

        Assert.NotNull(ExecWebSocketBuilder.NotStartedReason(0, refused));
    }

    [Theory]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.BadRequest)]
    public void A_final_refusal_is_not_retried(HttpStatusCode status)
    {
        Assert.Null(ExecWebSocketBuilder.NotStartedReason(status, new WebSocketException("refused")));
    }

    [Fact]
    public void A_connection_that_broke_without_a_status_code_may_have_started_the_command()
    {
        var reset = new WebSocketException("The remote party closed the WebSocket connection", new IOException("Connection reset by peer"));

        Assert.Null(ExecWebSocketBuilder.NotStartedReason(0, reset));
    }

    private sealed class Output
    {
        private readonly Dictionary<byte, List<byte>> _channels = [];

        public ValueTask OnAsync(byte channel, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            if (!_channels.TryGetValue(channel, out var bytes))
            {
                _channels[channel] = bytes = [];
            }

            bytes.AddRange(data.ToArray());
            return ValueTask.CompletedTask;
        }

        public string Text(byte channel) => _channels.TryGetValue(channel, out var bytes) ? Encoding.UTF8.GetString([.. bytes]) : "";
    }
}
