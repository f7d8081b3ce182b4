using k8s.Models;

namespace Kubetest.Runtime;

/// <summary>
/// The seam between the engine and where pods run (local processes, Kubernetes, …).
/// Everything above it is runtime-independent.
/// </summary>
public interface IPodRuntime
{
    /// <summary>Short name for logs: its <see cref="RuntimeKinds.Name"/>.</summary>
    string Name { get; }

    /// <summary>
    /// Creates the pod, places <see cref="PodRequest.Files"/>, runs its init containers in order
    /// and starts its sidecars. Returns once the held containers accept <see cref="IPod.ExecAsync"/>.
    /// Output of init containers and sidecars goes to <paramref name="podOutput"/>.
    /// Throws <see cref="PodFailedException"/> with the reason, and nothing else but cancellation,
    /// when the pod cannot start (an init container failed, the API server refused, …).
    /// </summary>
    Task<IPod> StartPodAsync(PodRequest request, IOutputSink podOutput, CancellationToken cancellationToken);

    /// <summary>
    /// Where the runtime says what it is waiting for (pods held Pending) as log lines of the run: the
    /// engine passes its events (masked, to the console and the log file) once per run and disposes
    /// the result when the run ends. A runtime with nothing to say ignores them.
    /// </summary>
    IDisposable ReportTo(Reporting.IRunObserver events) => NoReports.Instance;
}

/// <summary>What <see cref="IPodRuntime.ReportTo"/> returns when the runtime reports nothing.</summary>
public sealed class NoReports : IDisposable
{
    public static readonly NoReports Instance = new();

    public void Dispose()
    {
    }
}

/// <summary>A running pod. Disposing it deletes it and everything it ran: nothing is left behind.</summary>
public interface IPod : IAsyncDisposable
{
    string Name { get; }

    /// <summary>
    /// Runs <paramref name="command"/> (an argv, e.g. <c>sh -c …</c>) in a held container, with the
    /// container's env, in its workingDir. Output is streamed line by line. Returns the exit code.
    /// Cancellation kills the command. Throws <see cref="PodFailedException"/> when the pod broke
    /// (with <see cref="PodFailedException.CommandMayHaveRun"/> once the command may have started).
    /// </summary>
    Task<int> ExecAsync(string container, IReadOnlyList<string> command, IOutputSink output, CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="request"/>'s command in a held container as this runtime runs commands: with its
    /// environment, its JUnit path prepared, and within its time limit (a command past it ends timed out, with
    /// everything it started). Output as <see cref="ExecAsync"/>'s; throws as it does. By default through
    /// <c>sh</c> on top of <see cref="ExecAsync"/> (<see cref="ShellExec"/>); kubetest-agent needs no shell.
    /// </summary>
    Task<ExecOutcome> RunAsync(ExecRequest request, IOutputSink output, CancellationToken cancellationToken) =>
        ShellExec.RunAsync(this, request, output, cancellationToken);

    /// <summary>
    /// Removes <paramref name="containerPath"/> in a held container (a link itself, a directory with all below it;
    /// of a mount point only its contents). True when nothing is left there. By default <c>rm -rf</c> through
    /// <c>sh</c> (<see cref="ExecEnvironment.Clear"/>); kubetest-agent does it without a shell.
    /// </summary>
    Task<bool> RemoveAsync(string container, string containerPath, CancellationToken cancellationToken) =>
        RemoveThroughShellAsync(this, container, containerPath, cancellationToken);

    /// <summary>The default of <see cref="RemoveAsync"/>, for a pod that removes paths itself in some containers only.</summary>
    static async Task<bool> RemoveThroughShellAsync(IPod pod, string container, string containerPath, CancellationToken cancellationToken) =>
        await pod.ExecAsync(container, ExecEnvironment.Clear(containerPath), NullOutputSink.Instance, cancellationToken).ConfigureAwait(false) == 0;

    /// <summary>
    /// Copies the file, link or directory at <paramref name="containerPath"/> out of the container
    /// to <paramref name="localPath"/> (its parent exists; what is there already is merged into,
    /// links there replaced, never followed), reading only what the container itself can see: links
    /// come out as links. Returns warnings about entries left out (FIFOs, devices, entries that would
    /// escape). Throws <see cref="FileNotFoundException"/> when the container has nothing at that path.
    /// </summary>
    Task<IReadOnlyList<string>> CopyFromAsync(string container, string containerPath, string localPath, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces <paramref name="containerPath"/> in the container with a copy of a local file or
    /// directory, written by the container's own tools in its own view, so a link planted there
    /// leads nowhere the container could not write itself.
    /// </summary>
    Task CopyToAsync(string container, string localPath, string containerPath, CancellationToken cancellationToken);
}

/// <summary>
/// What to run. <see cref="Spec"/> is the pod spec as Kubernetes would see it (containers already
/// expanded per key, kubetest's own volumes taken out); <see cref="Files"/> are the files kubetest
/// places into containers before they run (artifacts, the log, the report, later repositories and tokens).
/// </summary>
/// <param name="GenerateName">Prefix for the pod's name; the runtime appends a unique suffix.</param>
/// <param name="Metadata">Labels and annotations for the pod (and its Job).</param>
/// <param name="Spec">The pod spec. Init containers run to completion in order first.</param>
/// <param name="HeldContainers">Containers of <c>Spec.Containers</c> that wait for exec instead of running their command; the others are sidecars that run their own command until the pod ends.</param>
/// <param name="Files">Local files or directories to place at a path in a container.</param>
/// <param name="TtlSecondsAfterFinished">Kept for runtimes that leave the Job to Kubernetes' TTL controller.</param>
public sealed record PodRequest(
    string GenerateName,
    V1ObjectMeta Metadata,
    V1PodSpec Spec,
    IReadOnlyList<string> HeldContainers,
    IReadOnlyList<ContainerFile> Files,
    int? TtlSecondsAfterFinished)
{
    /// <summary>
    /// Held containers that declare <c>agent</c>: on Kubernetes they run kubetest-agent instead of a
    /// wait loop and kubetest talks to it (<see cref="AgentPorts"/>); the local runtime runs their
    /// commands directly.
    /// </summary>
    public IReadOnlyDictionary<string, Model.AgentSpec> Agents { get; init; } = new Dictionary<string, Model.AgentSpec>();
}

/// <summary>Place the local file or directory <paramref name="LocalPath"/> at <paramref name="ContainerPath"/> in <paramref name="Container"/>.</summary>
public sealed record ContainerFile(string Container, string ContainerPath, string LocalPath, bool ReadOnly);

public enum OutputStream
{
    Stdout,
    Stderr,
}

/// <summary>Receives output line by line, without the line ending. Must be thread-safe.</summary>
public interface IOutputSink
{
    void WriteLine(OutputStream stream, string line);
}

/// <summary>A sink that drops everything.</summary>
public sealed class NullOutputSink : IOutputSink
{
    public static readonly NullOutputSink Instance = new();

    public void WriteLine(OutputStream stream, string line)
    {
    }
}

/// <summary>The pod could not start or broke while running; the message says why (the failing container, its exit code, its last output).</summary>
public sealed class PodFailedException : Exception
{
    public PodFailedException(string message)
        : base(message)
    {
    }

    public PodFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public PodFailedException()
    {
    }

    /// <summary>
    /// The command had started when its connection was lost, so how it ended is not known. It is
    /// never run again (tests are not idempotent); its key is reported <c>unknown</c>.
    /// </summary>
    public bool CommandMayHaveRun { get; init; }
}
