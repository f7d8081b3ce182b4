namespace Kubetest.Agent.Client;

public enum AgentOutputStream
{
    Stdout,
    Stderr,
}

/// <summary>Receives a command's output as the agent sends it: chunks of bytes, not lines, in the order they came.</summary>
public interface IAgentOutput
{
    void Write(AgentOutputStream stream, ReadOnlySpan<byte> chunk);
}
