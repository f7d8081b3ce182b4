using k8s.Models;

namespace Kubetest.Runtime.Local;

/// <summary>Everything the pod knows about one of its containers, prepared once at pod start.</summary>
internal sealed class LocalContainer
{
    private readonly Lazy<SandboxCommand> _sandbox;
    private int _execs;

    public LocalContainer(V1Container spec, ContainerFileSystem fileSystem, ContainerEnvironment environment, Func<ContainerFileSystem, SandboxCommand> sandbox)
    {
        Spec = spec;
        FileSystem = fileSystem;
        Environment = environment;

        // Lazily: a pod may hold thousands of containers, each exec'd once, and building the
        // arguments stats host paths; the result is reused by every later exec of the container.
        _sandbox = new Lazy<SandboxCommand>(() => sandbox(fileSystem));
    }

    public string Name => Spec.Name;

    public V1Container Spec { get; }

    public ContainerFileSystem FileSystem { get; }

    public ContainerEnvironment Environment { get; }

    /// <summary>Its overlays and the bwrap arguments before "--" and the command.</summary>
    public SandboxCommand Sandbox => _sandbox.Value;

    /// <summary>A number no other exec of this container had.</summary>
    public int NextExecNumber() => Interlocked.Increment(ref _execs);

    /// <summary>The container's own command and args with $(VAR) references expanded, as Kubernetes runs them.</summary>
    public List<string> Command()
    {
        if (Spec.Command is not { Count: > 0 })
        {
            throw new PodFailedException($"container {Name} has no command: the local runtime has no image entrypoint to run");
        }

        return Spec.Command.Concat(Spec.Args ?? [])
            .Select(argument => ContainerEnvironment.Expand(argument, Environment.Declared))
            .ToList();
    }
}
