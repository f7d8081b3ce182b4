using System.Security.Cryptography;
using k8s.Models;

namespace Kubetest.Runtime.Local;

/// <summary>
/// Runs pods as processes on this machine, each container sandboxed with bwrap so that a manifest
/// written for a cluster runs unchanged: the host's tools stand in for the image, volumes appear at
/// their mount paths. Disposing ends and removes every pod it started that is still there.
/// </summary>
public sealed class LocalPodRuntime : IPodRuntime, IRuntimeCleanup
{
    private const string NameSuffixCharacters = "abcdefghijklmnopqrstuvwxyz0123456789";

    private readonly string _rootDirectory;
    private readonly Action<string> _warn;
    private readonly string _noSandboxWarning;
    private readonly ProcessLauncher _launcher;
    private readonly IReadOnlyDictionary<string, ContainerImage> _images;
    private readonly string? _readOnlyRootWarning;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IPod> _pods = new(StringComparer.Ordinal);
    private IReadOnlyList<string> _leftBehind = [];
    private int _warned;
    private Reporting.IRunObserver? _events;

    /// <param name="rootDirectory">Where pods keep their state (volumes, scratch directories, copies of files); each pod uses and removes its own subdirectory.</param>
    /// <param name="mode">How to isolate containers; see <see cref="LocalSandbox.Detect"/>.</param>
    /// <param name="warn">Receives the warnings given while no run reports (<see cref="ReportTo"/>): what this mode cannot do, what cleanup left.</param>
    /// <param name="persistentRoots">
    /// Whether each sandboxed container keeps its own writable root directory for its life, so a
    /// file one exec writes outside volumes (a copy in by <c>tar x</c>) is there for the next, as in
    /// a container's writable layer. The API emulator's kubelet needs it; kubetest's own local runs
    /// place files as mounts and skip its cost (about 20 ms per container of mount points on disk).
    /// </param>
    /// <param name="noSandboxWarning">
    /// The warning given once without a sandbox; by default <see cref="LocalSandbox.NoSandboxWarning"/>
    /// (bwrap is not available), for a caller that switched the sandbox off to say so instead.
    /// </param>
    /// <param name="images">
    /// Image name → a filesystem of its own (<see cref="ContainerImage"/>) for the containers of that
    /// image; the others see the host's. The API emulator's, to run images without a shell; kubetest's
    /// own local runs have none.
    /// </param>
    /// <param name="copyOnWriteHelper">
    /// The <c>kubetest-cow</c> helper that gives sandboxed containers a writable copy-on-write root
    /// (<see cref="CopyOnWriteRoot"/>); by default the one built beside this assembly. Where it
    /// cannot work, containers keep the host's read-only view and the first pod says so once.
    /// </param>
    public LocalPodRuntime(string rootDirectory, SandboxMode mode, Action<string> warn, bool persistentRoots = false, string? noSandboxWarning = null, IReadOnlyDictionary<string, ContainerImage>? images = null, string? copyOnWriteHelper = null)
        : this(rootDirectory, mode, warn, persistentRoots, noSandboxWarning, images, copyOnWriteHelper, allowPrivilegedCopyOnWrite: true)
    {
    }

    /// <param name="allowPrivilegedCopyOnWrite">False to use the helper's user-namespace form even with CAP_SYS_ADMIN, as an unprivileged user would.</param>
    internal LocalPodRuntime(string rootDirectory, SandboxMode mode, Action<string> warn, bool persistentRoots, string? noSandboxWarning, IReadOnlyDictionary<string, ContainerImage>? images, string? copyOnWriteHelper, bool allowPrivilegedCopyOnWrite)
    {
        _images = images ?? new Dictionary<string, ContainerImage>();
        _rootDirectory = rootDirectory;
        _warn = warn;
        _noSandboxWarning = noSandboxWarning ?? LocalSandbox.NoSandboxWarning;
        string? bwrap = null;
        if (mode == SandboxMode.Bwrap)
        {
            bwrap = LocalSandbox.FindBwrap() ?? throw new InvalidOperationException("bwrap (bubblewrap) is not on PATH; use SandboxMode.None");
        }

        CopyOnWriteRoot? copyOnWrite = null;
        if (mode == SandboxMode.Bwrap)
        {
            Directory.CreateDirectory(rootDirectory);
            copyOnWrite = CopyOnWriteRoot.Detect(copyOnWriteHelper ?? CopyOnWriteRoot.DefaultHelper, rootDirectory, allowPrivilegedCopyOnWrite, out var problem);
            _readOnlyRootWarning = copyOnWrite is null
                ? $"containers see this machine's files read-only, so a write outside volumes, /tmp and the working directory fails (a container on a cluster could write there): no copy-on-write overlay can be made here ({problem})"
                : null;
        }

        _launcher = new ProcessLauncher(mode, bwrap, new HostFileSystem(), persistentRoots, copyOnWrite);
    }

    public string Name => RuntimeKind.Local.Name();

    public IReadOnlyList<string> LeftBehind => _leftBehind;

    /// <summary>While a run lasts its warnings (the one about the missing sandbox) are lines of the run, so its log file has them too.</summary>
    public IDisposable ReportTo(Reporting.IRunObserver events)
    {
        Volatile.Write(ref _events, events);
        return new Detach(this, events);
    }

    public async Task<IPod> StartPodAsync(PodRequest request, IOutputSink podOutput, CancellationToken cancellationToken)
    {
        var created = CreatePodDirectory(string.IsNullOrEmpty(request.GenerateName) ? "kubetest-" : request.GenerateName);
        var pod = await StartAsync(created, request, podOutput, setUpEveryContainer: true, cancellationToken).ConfigureAwait(false);

        // Kept so that disposing the runtime ends a pod whose own disposal failed or never came.
        _pods[created.Directory] = pod;
        return pod;
    }

    /// <summary>
    /// Ends every pod started by <see cref="StartPodAsync"/> (a pod already disposed returns at
    /// once) and removes what is left of their directories. Never throws: what could not be
    /// removed is in <see cref="LeftBehind"/> and in one warning.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        var left = new List<string>();
        foreach (var (directory, pod) in _pods)
        {
            try
            {
                await pod.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Its processes were killed before the directory failed to go; try the directory once more below.
            }

            try
            {
                if (Directory.Exists(directory))
                {
                    FileTree.Delete(directory);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                left.Add($"directory {directory} ({ex.Message})");
            }
        }

        _pods.Clear();
        if (left.Count > 0)
        {
            _leftBehind = left;
            Warn($"cleanup: could not remove {string.Join("; ", left)}; the next kubetest run removes it, or run: kubetest gc --runtime local");
        }
    }

    /// <summary>
    /// Like <see cref="StartPodAsync"/> but the pod is called exactly <paramref name="name"/>
    /// (its hostname and metadata.name), for a caller that names pods itself, as a kubelet does. Each
    /// held container is set up (its mounts resolved, its files placed) when first used, as a
    /// kubelet sets up a container when it starts it.
    /// </summary>
    public async Task<IStreamingPod> StartNamedPodAsync(string name, PodRequest request, IOutputSink podOutput, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_rootDirectory);
        var directory = Path.Combine(_rootDirectory, name);
        if (!Directory.Exists(directory) && Path.GetFileName(directory) == name)
        {
            Directory.CreateDirectory(directory);
            return (IStreamingPod)await StartAsync((name, directory), request, podOutput, setUpEveryContainer: false, cancellationToken).ConfigureAwait(false);
        }

        throw new ArgumentException($"a pod called {name} exists already or the name is not a plain file name", nameof(name));
    }

    /// <param name="setUpEveryContainer">Whether each container is set up (mounts, files) once the init containers ran, so that a problem fails the start; else when first used.</param>
    private async Task<IPod> StartAsync((string Name, string Directory) created, PodRequest request, IOutputSink podOutput, bool setUpEveryContainer, CancellationToken cancellationToken)
    {
        if ((_launcher.Mode == SandboxMode.None || _readOnlyRootWarning is not null) && Interlocked.Exchange(ref _warned, 1) == 0)
        {
            Warn(_launcher.Mode == SandboxMode.None ? _noSandboxWarning : _readOnlyRootWarning!);
        }

        var (name, directory) = created;
        LocalPod? pod = null;
        try
        {
            pod = CreatePod(request, name, directory, podOutput);
            foreach (var init in request.Spec.InitContainers ?? [])
            {
                await RunInitContainerAsync(pod, pod.Container(init.Name), podOutput, cancellationToken).ConfigureAwait(false);
            }

            var held = request.HeldContainers.ToHashSet(StringComparer.Ordinal);
            foreach (var spec in request.Spec.Containers.Where(c => setUpEveryContainer || !held.Contains(c.Name)))
            {
                var container = pod.Container(spec.Name);
                if (!held.Contains(spec.Name))
                {
                    StartOrFail(() => pod.Launch(container, container.Command(), null, podOutput), container);
                }
            }

            return pod;
        }
        catch (Exception ex)
        {
            if (pod is not null)
            {
                await pod.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                FileTree.Delete(directory);
            }

            // One seam: whatever kept the pod from starting reaches the engine as PodFailedException, on every runtime.
            if (ex is PodFailedException || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw;
            }

            throw new PodFailedException($"pod {name}: {ex.Message}", ex);
        }
    }

    private LocalPod CreatePod(PodRequest request, string name, string directory, IOutputSink podOutput)
    {
        var volumes = PodVolumes.Create(request.Spec.Volumes, directory);
        var identity = new PodIdentity(name, Guid.NewGuid().ToString(), request.Metadata, request.Spec.ServiceAccountName);
        var baseVariables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",

            // In the sandbox the host's /root stands in for the image's; without it, the user's HOME is all there is.
            ["HOME"] = _launcher.Mode == SandboxMode.Bwrap ? "/root" : Environment.GetEnvironmentVariable("HOME") ?? "/root",
            ["HOSTNAME"] = name,
        };

        var specs = (request.Spec.InitContainers ?? []).Concat(request.Spec.Containers ?? []).ToList();
        var known = specs.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        if (request.Files.FirstOrDefault(f => !known.Contains(f.Container)) is { } stray)
        {
            throw new PodFailedException($"cannot place {stray.LocalPath} in container {stray.Container}: the pod has no such container");
        }

        var containers = new Dictionary<string, Lazy<LocalContainer>>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            containers[spec.Name] = new Lazy<LocalContainer>(() =>
            {
                var environment = ContainerEnvironment.Create(spec, identity, baseVariables);
                var fileSystem = ContainerFileSystem.Create(
                    spec,
                    Path.Combine(directory, "containers", spec.Name),
                    volumes,
                    request.Files.Where(f => f.Container == spec.Name),
                    _launcher.Mode,
                    environment.Declared,
                    message => podOutput.WriteLine(OutputStream.Stderr, message),
                    spec.Image is { } image ? _images.GetValueOrDefault(image) : null,
                    _launcher.CopyOnWrite);
                return new LocalContainer(spec, fileSystem, environment, fs => _launcher.SandboxArguments(fs, name));
            });
        }

        return new LocalPod(name, directory, containers, _launcher);
    }

    private static async Task RunInitContainerAsync(LocalPod pod, LocalContainer container, IOutputSink podOutput, CancellationToken cancellationToken)
    {
        var tail = new TailSink(podOutput, lines: 10);
        var process = StartOrFail(() => pod.Launch(container, container.Command(), null, tail), container);
        var exitCode = await process.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            var lastLines = tail.Text();
            throw new PodFailedException(
                $"init container {container.Name} failed with exit code {exitCode}"
                + (lastLines is null ? " and no output" : "; its last output:" + Environment.NewLine + lastLines.Replace("\n", Environment.NewLine, StringComparison.Ordinal)));
        }
    }

    private static RunningProcess StartOrFail(Func<RunningProcess> start, LocalContainer container)
    {
        try
        {
            return start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new PodFailedException($"container {container.Name} could not be started: {e.Message}", e);
        }
    }

    private (string Name, string Directory) CreatePodDirectory(string generateName)
    {
        Directory.CreateDirectory(_rootDirectory);
        while (true)
        {
            var name = generateName + RandomNumberGenerator.GetString(NameSuffixCharacters, 5);
            var directory = Path.Combine(_rootDirectory, name);

            // The manifest validator allows only DNS-1123 names; this keeps any other caller inside the root too.
            if (Path.GetFileName(directory) != name)
            {
                throw new ArgumentException($"the pod name prefix \"{generateName}\" is not a plain file name", nameof(generateName));
            }

            if (!Directory.Exists(directory))
            {
                Directory.CreateDirectory(directory);
                return (name, directory);
            }
        }
    }

    private void Warn(string message)
    {
        if (Volatile.Read(ref _events) is { } events)
        {
            events.On(new Reporting.LogEvent(Reporting.LogLevel.Warn, message));
        }
        else
        {
            _warn(message);
        }
    }

    /// <summary>Ends a run's reports, unless another run took them over since.</summary>
    private sealed class Detach(LocalPodRuntime runtime, Reporting.IRunObserver events) : IDisposable
    {
        public void Dispose() => Interlocked.CompareExchange(ref runtime._events, null, events);
    }
}
