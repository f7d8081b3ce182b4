namespace Kubetest.Runtime.Local;

/// <summary>
/// What a local pod offers beyond <see cref="IPod"/> for a stand-in kubelet (the Kubernetes API
/// emulator): byte-exact exec with stdin, the way a container runtime's exec works.
/// </summary>
public interface IStreamingPod : IPod
{
    /// <summary>The container's own command and args with $(VAR) references expanded; throws <see cref="PodFailedException"/> when it has no command.</summary>
    IReadOnlyList<string> ContainerCommand(string container);

    /// <summary>
    /// Runs <paramref name="command"/> in <paramref name="container"/> like <see cref="IPod.ExecAsync"/>,
    /// but copies bytes: <paramref name="stdin"/> (null: closed) into the process until its end,
    /// the process's stdout and stderr into the given streams. Returns the exit code
    /// (127 when the command cannot be started). Cancellation kills the command.
    /// </summary>
    Task<int> ExecStreamAsync(string container, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> extraEnv, Stream? stdin, Stream stdout, Stream stderr, CancellationToken cancellationToken);
}
