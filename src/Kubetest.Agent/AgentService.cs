using Grpc.Core;
using Kubetest.Agent.Protocol;
using Kubetest.Files;

namespace Kubetest.Agent;

/// <summary>The calls of <c>agent.proto</c>; <see cref="AuthInterceptor"/> has checked the token before any of them runs.</summary>
public sealed partial class AgentService(AgentShutdown shutdown) : Protocol.Agent.AgentBase
{
    public static readonly string Version = typeof(AgentService).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public override Task<ReadyResponse> Ready(ReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ReadyResponse { Version = Version });

    /// <summary>Replies, then the agent stops and exits 0 (once the reply is out, so the client sees it).</summary>
    public override Task<FinishResponse> Finish(FinishRequest request, ServerCallContext context)
    {
        context.GetHttpContext().Response.OnCompleted(() =>
        {
            shutdown.Finish();
            return Task.CompletedTask;
        });
        return Task.FromResult(new FinishResponse());
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    /// <summary>An absolute path naming a file or directory (not "/", not ending in "." or "..").</summary>
    private static string CheckPath(string path, string field)
    {
        if (!path.StartsWith('/'))
        {
            throw Invalid($"{field}: {(path.Length == 0 ? "missing" : $"{path} is not an absolute path")}");
        }

        try
        {
            TarCommands.NameOf(path);
        }
        catch (ArgumentException)
        {
            throw Invalid($"{field}: {path} does not name a file or directory");
        }

        return path.TrimEnd('/');
    }
}
