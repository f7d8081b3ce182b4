namespace Kubetest.Agent;

/// <summary>How the agent ends: Finish (exit 0), or <c>--timeout</c> passing first (exit 1).</summary>
public sealed class AgentShutdown
{
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Finished => _finished.Task;

    public void Finish() => _finished.TrySetResult();
}
