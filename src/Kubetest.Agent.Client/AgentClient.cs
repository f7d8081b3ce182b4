using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Kubetest.Agent.Protocol;

namespace Kubetest.Agent.Client;

/// <summary>
/// Talks to one kubetest-agent over HTTP/2 cleartext. Every call carries a token from
/// <c>tokenFactory</c> (usually <see cref="AgentKey.Token"/>). Calls fail with
/// <see cref="AgentCallException"/> (or <see cref="FileNotFoundException"/> for a path the
/// container does not have); cancellation cancels the call, and a cancelled exec is killed in the
/// container with everything it started.
/// </summary>
public sealed partial class AgentClient : IDisposable
{
    private const int ChunkSize = 64 * 1024;

    private readonly GrpcChannel _channel;
    private readonly Protocol.Agent.AgentClient _agent;
    private readonly Func<string> _tokenFactory;

    public AgentClient(Uri address, Func<string> tokenFactory)
    {
        Address = address;
        _tokenFactory = tokenFactory;
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(10),
                EnableMultipleHttp2Connections = true,
                KeepAlivePingDelay = TimeSpan.FromSeconds(30),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
            },
            MaxReceiveMessageSize = 4 * 1024 * 1024,

            // The default first reconnect waits a second, which would make every agent that is still starting look a second slower.
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(50),
            MaxReconnectBackoff = TimeSpan.FromSeconds(2),
        });
        _agent = new Protocol.Agent.AgentClient(_channel);
    }

    public Uri Address { get; }

    /// <summary>
    /// Polls the agent until it answers (it may still be starting, or its pod just got its IP) and
    /// returns its version. A refused token fails at once; no answer within <paramref name="timeout"/>
    /// throws <see cref="TimeoutException"/> with the last error.
    /// </summary>
    public async Task<string> WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var last = "no answer";
        while (true)
        {
            try
            {
                var reply = await _agent.ReadyAsync(new ReadyRequest(), Options(deadline.Token)).ConfigureAwait(false);
                return reply.Version;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.Cancelled or StatusCode.DeadlineExceeded or StatusCode.Internal)
            {
                cancellationToken.ThrowIfCancellationRequested();
                last = e.Status.Detail;
            }
            catch (RpcException e)
            {
                throw Failure("ready", e, cancellationToken);
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (deadline.IsCancellationRequested)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new TimeoutException($"kubetest-agent at {Address} did not answer within {timeout.TotalSeconds:0.#} s: {last}");
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="argv"/> (no shell) with the container's environment plus <paramref name="environment"/>,
    /// in <paramref name="workingDirectory"/> (null: the container's). Output goes to <paramref name="output"/> as it
    /// comes; returns the exit code (128 + the signal when the command was killed).
    /// </summary>
    public async Task<int> ExecAsync(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string>? environment, string? workingDirectory, IAgentOutput output, CancellationToken cancellationToken = default)
    {
        var request = new ExecRequest { Argv = { argv }, WorkingDir = workingDirectory ?? "" };
        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                request.Env[name] = value;
            }
        }

        try
        {
            using var call = _agent.Exec(request, Options(cancellationToken));
            while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                var response = call.ResponseStream.Current;
                switch (response.EventCase)
                {
                    case ExecResponse.EventOneofCase.Stdout:
                        output.Write(AgentOutputStream.Stdout, response.Stdout.Span);
                        break;
                    case ExecResponse.EventOneofCase.Stderr:
                        output.Write(AgentOutputStream.Stderr, response.Stderr.Span);
                        break;
                    case ExecResponse.EventOneofCase.ExitCode:
                        return response.ExitCode;
                }
            }
        }
        catch (RpcException e)
        {
            throw Failure("exec", e, cancellationToken);
        }

        throw new AgentCallException($"kubetest-agent at {Address}: exec of {argv[0]} ended without an exit code", StatusCode.Unknown);
    }

    /// <summary>
    /// Replaces <paramref name="path"/> in the container with the single top entry of the tar
    /// <paramref name="archive"/> (read to its end). Returns the entries the agent left out.
    /// </summary>
    public async Task<IReadOnlyList<string>> CopyToAsync(string path, Stream archive, CancellationToken cancellationToken = default)
    {
        try
        {
            using var call = _agent.CopyTo(Options(cancellationToken));
            try
            {
                await call.RequestStream.WriteAsync(new CopyToRequest { Header = new CopyToHeader { Path = path } }, cancellationToken).ConfigureAwait(false);
                var buffer = new byte[ChunkSize];
                int read;
                while ((read = await archive.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await call.RequestStream.WriteAsync(new CopyToRequest { Data = ByteString.CopyFrom(buffer, 0, read) }, cancellationToken).ConfigureAwait(false);
                }

                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            }
            catch (RpcException) when (!cancellationToken.IsCancellationRequested)
            {
                // The agent ended the call before the archive was sent (it refused it); its status below says why.
            }

            var reply = await call.ResponseAsync.ConfigureAwait(false);
            return reply.Skipped;
        }
        catch (RpcException e)
        {
            throw Failure($"copy to {path}", e, cancellationToken);
        }
    }

    /// <summary>
    /// A tar of <paramref name="path"/> in the container whose single top entry is its last name, links
    /// stored as links, read as it arrives. Throws <see cref="FileNotFoundException"/> when nothing is there.
    /// </summary>
    public async Task<Stream> CopyFromAsync(string path, CancellationToken cancellationToken = default)
    {
        var call = _agent.CopyFrom(new CopyFromRequest { Path = path }, Options(cancellationToken));
        try
        {
            var any = await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false);
            return new CopyFromStream(call, any ? call.ResponseStream.Current.Data : ByteString.Empty, any, this, path);
        }
        catch (RpcException e)
        {
            call.Dispose();
            if (e.StatusCode == StatusCode.NotFound)
            {
                throw new FileNotFoundException($"kubetest-agent at {Address}: {e.Status.Detail}", path);
            }

            throw Failure($"copy from {path}", e, cancellationToken);
        }
    }

    /// <summary>
    /// Removes <paramref name="path"/> in the container: a link itself, a directory with everything below it
    /// (links not followed), only the contents of a mount point; nothing there is no error.
    /// </summary>
    public async Task RemoveAsync(string path, CancellationToken cancellationToken = default)
    {
        try
        {
            await _agent.RemoveAsync(new RemoveRequest { Path = path }, Options(cancellationToken)).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw Failure($"remove {path}", e, cancellationToken);
        }
    }

    /// <summary>Tells the agent to exit 0 (its container completes); returns once it has replied.</summary>
    public async Task FinishAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _agent.FinishAsync(new FinishRequest(), Options(cancellationToken)).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw Failure("finish", e, cancellationToken);
        }
    }

    public void Dispose() => _channel.Dispose();

    private CallOptions Options(CancellationToken cancellationToken) =>
        new(headers: new Metadata { { AgentAuth.MetadataKey, $"Bearer {_tokenFactory()}" } }, cancellationToken: cancellationToken);

    private Exception Failure(string what, RpcException e, CancellationToken cancellationToken)
    {
        if (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException($"{what} was cancelled", e, cancellationToken);
        }

        return new AgentCallException($"kubetest-agent at {Address}: {what}: {e.StatusCode}: {e.Status.Detail}", e.StatusCode, e);
    }
}
