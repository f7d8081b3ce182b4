using k8s.Models;

namespace Kubetest.Runtime.Local;

/// <summary>Everything the pod knows about one of its containers, prepared once at pod start.</summary>
internal sealed class LocalContainer
{
    private readonly Lazy<IReadOnlyList<string>> _sandboxArguments;

    public LocalContainer(V1Container spec, ContainerFileSystem fileSystem, ContainerEnvironment environment, Func<ContainerFileSystem, IReadOnlyList<string>> sandboxArguments)
    {
        Spec = spec;
        FileSystem = fileSystem;
        Environment = environment;

        // Lazily: a pod may hold thousands of containers, each exec'd once, and building the
        // arguments stats host paths; the result is reused by every later exec of the container.
        _sandboxArguments = new Lazy<IReadOnlyList<string>>(() => sandboxArguments(fileSystem));
    }

    public string Name => Spec.Name;

    public V1Container Spec { get; }

    public ContainerFileSystem FileSystem { get; }

    public ContainerEnvironment Environment { get; }

    /// <summary>The bwrap arguments before "--" and the command.</summary>
    public IReadOnlyList<string> SandboxArguments => _sandboxArguments.Value;

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
