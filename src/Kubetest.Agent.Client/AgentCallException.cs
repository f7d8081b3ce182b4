using Grpc.Core;

namespace Kubetest.Agent.Client;

/// <summary>An agent call that failed: the agent refused it (<see cref="StatusCode.Unauthenticated"/>, bad arguments) or could not be reached.</summary>
public sealed class AgentCallException(string message, StatusCode status, Exception? inner = null) : Exception(message, inner)
{
    public StatusCode Status { get; } = status;
}
