namespace Kubetest.Runtime.Kubernetes;

/// <summary>
/// A pod of a Job that kubetest created; disposing finishes its agents and deletes the Job and its
/// pod. Containers with an agent are driven through it, the others by exec through the API server.
/// </summary>
internal sealed class KubernetesPod(
    string jobName,
    string podName,
    PodExec exec,
    JobCleanup cleanup,
    IReadOnlyDictionary<string, AgentContainer> agents) : IPod
{
    private int _disposed;

    public string Name => podName;

    public Task<int> ExecAsync(string container, IReadOnlyList<string> command, IOutputSink output, CancellationToken cancellationToken) =>
        agents.TryGetValue(container, out var agent)
            ? agent.ExecAsync(command, null, output, cancellationToken)
            : exec.RunLinesAsync(podName, container, command, output, cancellationToken);

    /// <summary>In an agent's container without a shell (<see cref="AgentContainer.RunAsync"/>); elsewhere as every runtime does.</summary>
    public Task<ExecOutcome> RunAsync(ExecRequest request, IOutputSink output, CancellationToken cancellationToken) =>
        agents.TryGetValue(request.Container, out var agent)
            ? agent.RunAsync(request, output, cancellationToken)
            : ShellExec.RunAsync(this, request, output, cancellationToken);

    public async Task<bool> RemoveAsync(string container, string containerPath, CancellationToken cancellationToken)
    {
        if (agents.TryGetValue(container, out var agent))
        {
            await agent.RemoveAsync(containerPath, cancellationToken).ConfigureAwait(false);
            return true;
        }

        return await IPod.RemoveThroughShellAsync(this, container, containerPath, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<string>> CopyFromAsync(string container, string containerPath, string localPath, CancellationToken cancellationToken) =>
        agents.TryGetValue(container, out var agent)
            ? agent.CopyFromAsync(containerPath, localPath, cancellationToken)
            : new TarCopy(exec).CopyFromAsync(podName, container, containerPath, localPath, cancellationToken);

    public Task CopyToAsync(string container, string localPath, string containerPath, CancellationToken cancellationToken) =>
        agents.TryGetValue(container, out var agent)
            ? agent.CopyToAsync(localPath, containerPath, cancellationToken)
            : new TarCopy(exec).CopyToAsync(podName, container, localPath, containerPath, cancellationToken);

    /// <summary>
    /// Finishes each agent (it exits 0 and its container completes, where a wait loop would be
    /// ended), then deletes the Job and its pod; never throws: what could not be deleted stays with
    /// the runtime, which tries again and warns.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await Task.WhenAll(agents.Values.Select(a => a.FinishAsync())).ConfigureAwait(false);
        foreach (var agent in agents.Values)
        {
            agent.Dispose();
        }

        await cleanup.DeleteAsync(jobName).ConfigureAwait(false);
    }
}
