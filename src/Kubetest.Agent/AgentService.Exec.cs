using System.ComponentModel;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Kubetest.Agent.Protocol;

namespace Kubetest.Agent;

public sealed partial class AgentService
{
    private const int ChunkSize = 32 * 1024;

    /// <summary>
    /// Runs the argv (no shell) and streams its stdout and stderr as they come, the exit code last.
    /// A cancelled call (the client cancelled or went away) kills the command's whole process group.
    /// </summary>
    public override async Task Exec(ExecRequest request, IServerStreamWriter<ExecResponse> responseStream, ServerCallContext context)
    {
        if (request.Argv.Count == 0)
        {
            throw Invalid("argv: empty; the command to run is missing");
        }

        var workingDir = request.WorkingDir.Length == 0 ? null : request.WorkingDir;
        if (workingDir is not null && !Directory.Exists(workingDir))
        {
            throw Invalid($"working_dir: {workingDir} is not a directory here");
        }

        var cancellationToken = context.CancellationToken;
        AgentCommand command;
        try
        {
            command = AgentCommand.Start(request.Argv, request.Env, workingDir);
        }
        catch (Win32Exception e)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"cannot start {request.Argv[0]}: {e.Message}"));
        }

        using (command)
        using (cancellationToken.Register(command.Kill))
        {
            // One writer at a time on the response stream; bounded, so a chatty command waits for a slow client.
            var events = Channel.CreateBounded<ExecResponse>(new BoundedChannelOptions(16) { SingleReader = true });
            var sending = SendAsync(events.Reader, responseStream, cancellationToken);
            try
            {
                await Task.WhenAll(
                    PumpAsync(command.Stdout, bytes => new ExecResponse { Stdout = bytes }, events.Writer, cancellationToken),
                    PumpAsync(command.Stderr, bytes => new ExecResponse { Stderr = bytes }, events.Writer, cancellationToken)).ConfigureAwait(false);
                var exitCode = await command.WaitAsync(cancellationToken).ConfigureAwait(false);
                await events.Writer.WriteAsync(new ExecResponse { ExitCode = exitCode }, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                events.Writer.TryComplete();
                await sending.ConfigureAwait(false);
            }
        }
    }

    private static async Task PumpAsync(Stream output, Func<ByteString, ExecResponse> wrap, ChannelWriter<ExecResponse> events, CancellationToken cancellationToken)
    {
        var buffer = new byte[ChunkSize];
        int read;
        while ((read = await output.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await events.WriteAsync(wrap(ByteString.CopyFrom(buffer, 0, read)), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task SendAsync(ChannelReader<ExecResponse> events, IServerStreamWriter<ExecResponse> responseStream, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var response in events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(response, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The call is gone; the producers see the same token.
        }
    }
}
