using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace Kubetest.Runtime.Kubernetes;

/// <summary>
/// Opens exec WebSockets for the client and tells a refused upgrade apart from everything else.
/// The client itself only says "status code X instead of 101" (and then asks the server again with
/// a plain GET), so whether the command could have started is lost; here the handshake's own
/// status code is kept: a 429 or 5xx answer, or a connection that was never made, proves that the
/// server never ran the command.
/// </summary>
internal sealed class ExecWebSocketBuilder : WebSocketBuilder
{
    public override async Task<WebSocket> BuildAndConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        WebSocket.Options.CollectHttpResponseDetails = true;
        try
        {
            return await base.BuildAndConnectAsync(uri, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (NotStartedReason(WebSocket.HttpStatusCode, ex) is { } reason)
        {
            throw new ExecNotStartedException(reason, ex);
        }
    }

    /// <summary>Why the command provably did not start, or null when it may have (or the refusal is final, e.g. 403).</summary>
    internal static string? NotStartedReason(HttpStatusCode status, Exception exception)
    {
        if (status is not 0 and not HttpStatusCode.SwitchingProtocols)
        {
            return ApiRetry.IsTransient(status) ? $"the API server answered {(int)status} {status} to the exec upgrade" : null;
        }

        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }
                || inner is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.NetworkUnreachable or SocketError.HostUnreachable })
            {
                return $"could not connect to the API server: {inner.Message}";
            }
        }

        return null;
    }
}

/// <summary>The exec upgrade was refused before the 101 (or no connection was made): the command never started.</summary>
internal sealed class ExecNotStartedException : Exception
{
    public ExecNotStartedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ExecNotStartedException(string message)
        : base(message)
    {
    }

    public ExecNotStartedException()
    {
    }
}
