using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Core.Tests.Engine;

/// <summary>What one exec is about, for the test's script: the pod, the container, the key as the container's env holds it ($ doubled) or, on a queue mode worker, as the exec's env wrapper gives it, the argv, and which run of this key (or, without a key, of this container) it is.</summary>
internal sealed record ExecContext(string Pod, string Container, string? Key, IReadOnlyList<string> Command, int Attempt);

/// <summary>
/// How a scripted exec ends: the lines it prints, its exit code, and the files it leaves in its
/// container; or, with <see cref="Lost"/>, the connection is lost after the command started.
/// </summary>
internal sealed record ExecOutcome(int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr, IReadOnlyDictionary<string, string> Files, string? Lost = null)
{
    public static readonly ExecOutcome Success = Exit(0);

    public static ExecOutcome Exit(int exitCode, params string[] stdout) => new(exitCode, stdout, [], new Dictionary<string, string>());

    /// <summary>The command started, then the pod went away: how it ended is not known, and the pod is dead from then on.</summary>
    public static ExecOutcome ConnectionLost(string message) => Exit(0) with { Lost = message };

    public ExecOutcome WithFile(string containerPath, string content) =>
        this with { Files = new Dictionary<string, string>(Files) { [containerPath] = content } };
}

/// <summary>Something that happened in the fake, in the order it happened.</summary>
internal abstract record FakeAction(string Pod);

internal sealed record PodStartAction(string Pod, PodRequest Request, string? FailedWith) : FakeAction(Pod);

/// <summary>An exec: <see cref="Env"/> is the container's env in the pod spec, <see cref="Key"/> the value of the key env variable in it ($ doubled).</summary>
internal sealed record ExecAction(string Pod, string Container, IReadOnlyList<string> Command, IReadOnlyDictionary<string, string> Env, string? Key, int Attempt) : FakeAction(Pod);

internal sealed record CopyFromAction(string Pod, string Container, string ContainerPath, string LocalPath, bool Found) : FakeAction(Pod);

internal sealed record CopyToAction(string Pod, string Container, string LocalPath, string ContainerPath) : FakeAction(Pod);

internal sealed record DisposeAction(string Pod) : FakeAction(Pod);

/// <summary>
/// An in-memory <see cref="IPodRuntime"/>: no processes. Every start, exec, copy and disposal is
/// recorded in order; what execs do is scripted by the test.
/// </summary>
internal sealed class FakePodRuntime(string keyEnv = "TASK_KEY") : IPodRuntime
{
    private readonly object _gate = new();
    private readonly List<FakeAction> _actions = [];
    private readonly List<FakePod> _pods = [];
    private readonly Dictionary<string, int> _runs = new(StringComparer.Ordinal);
    private int _podCount;

    public string Name => "fake";

    public string KeyEnv => keyEnv;

    /// <summary>What an exec prints, leaves behind and exits with. Default: nothing, exit 0.</summary>
    public Func<ExecContext, ExecOutcome> OnExec { get; set; } = _ => ExecOutcome.Success;

    /// <summary>A task the exec waits for before it ends (a test's gate), or null to end at once. Cancellation ends the wait.</summary>
    public Func<ExecContext, Task?> HoldExec { get; set; } = _ => null;

    /// <summary>Why a pod cannot start (it throws <see cref="PodFailedException"/> with that message), or null to start it.</summary>
    public Func<PodRequest, string?> FailStart { get; set; } = _ => null;

    /// <summary>Files (container path → content) a container of a pod has from the start, e.g. a sidecar's log.</summary>
    public Func<PodRequest, string, IReadOnlyDictionary<string, string>?> ContainerFiles { get; set; } = (_, _) => null;

    public IReadOnlyList<FakeAction> Actions
    {
        get
        {
            lock (_gate)
            {
                return [.. _actions];
            }
        }
    }

    /// <summary>Every pod that started, in start order.</summary>
    public IReadOnlyList<FakePod> Pods
    {
        get
        {
            lock (_gate)
            {
                return [.. _pods];
            }
        }
    }

    /// <summary>Every request, started or not, in order.</summary>
    public IReadOnlyList<PodStartAction> Starts => [.. Actions.OfType<PodStartAction>()];

    public IReadOnlyList<ExecAction> Execs => [.. Actions.OfType<ExecAction>()];

    public IReadOnlyList<ExecAction> ExecsOfKey(string key) => [.. Execs.Where(e => e.Key == key)];

    public Task<IPod> StartPodAsync(PodRequest request, IOutputSink podOutput, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var reason = FailStart(request);
        lock (_gate)
        {
            var name = $"{request.GenerateName}{++_podCount:D5}";
            _actions.Add(new PodStartAction(name, request, reason));
            if (reason is not null)
            {
                throw new PodFailedException(reason);
            }

            var pod = new FakePod(this, name, request);
            _pods.Add(pod);
            return Task.FromResult<IPod>(pod);
        }
    }

    internal void Record(FakeAction action)
    {
        lock (_gate)
        {
            _actions.Add(action);
        }
    }

    internal ExecAction RecordExec(string pod, string container, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> env)
    {
        lock (_gate)
        {
            // A queue mode worker gets its key through the exec's environment: the value after the wrapper's name.
            var wrapper = command.ToList().IndexOf("kubetest-key");
            var key = wrapper >= 0 && wrapper + 1 < command.Count ? command[wrapper + 1] : env.GetValueOrDefault(keyEnv);
            var run = key is null ? $"container {container}" : $"key {key}";
            var attempt = _runs[run] = _runs.GetValueOrDefault(run) + 1;
            var exec = new ExecAction(pod, container, command, env, key, attempt);
            _actions.Add(exec);
            return exec;
        }
    }
}

/// <summary>A pod of <see cref="FakePodRuntime"/>: each container is a map of file paths to contents.</summary>
internal sealed class FakePod : IPod
{
    private readonly FakePodRuntime _runtime;
    private readonly object _gate = new();
    private readonly Dictionary<(string Container, string Path), string> _files = [];
    private string? _lostWith;
    private int _disposals;

    public FakePod(FakePodRuntime runtime, string name, PodRequest request)
    {
        _runtime = runtime;
        Name = name;
        Request = request;
        foreach (var container in request.Spec.Containers)
        {
            foreach (var (path, content) in runtime.ContainerFiles(request, container.Name) ?? new Dictionary<string, string>())
            {
                _files[(container.Name, path)] = content;
            }
        }

        // The files placed into containers, as the step saw them when it started (the report for a postStep, …).
        foreach (var file in request.Files.Where(f => File.Exists(f.LocalPath)))
        {
            _files[(file.Container, file.ContainerPath)] = File.ReadAllText(file.LocalPath);
        }
    }

    public string Name { get; }

    public PodRequest Request { get; }

    public IEnumerable<string> ContainerNames => Request.Spec.Containers.Select(c => c.Name);

    public bool Disposed => Volatile.Read(ref _disposals) > 0;

    public string? FileIn(string container, string path)
    {
        lock (_gate)
        {
            return _files.GetValueOrDefault((container, path));
        }
    }

    public async Task<int> ExecAsync(string container, IReadOnlyList<string> command, IOutputSink output, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        var spec = Request.Spec.Containers.SingleOrDefault(c => c.Name == container)
            ?? throw new InvalidOperationException($"pod {Name} has no container {container}");
        var env = (spec.Env ?? []).ToDictionary(e => e.Name, e => e.Value ?? "", StringComparer.Ordinal);
        var exec = _runtime.RecordExec(Name, container, command, env);
        ThrowIfLost();
        if (!Request.HeldContainers.Contains(container))
        {
            throw new InvalidOperationException($"container {container} of pod {Name} is not held: it runs its own command");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var context = new ExecContext(Name, container, exec.Key, command, exec.Attempt);
        if (_runtime.HoldExec(context) is { } hold)
        {
            await hold.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (command.Count > 0 && command[^2] == "kubetest-clear")
        {
            // A queue mode worker's artifact path cleared between keys: what is there goes.
            lock (_gate)
            {
                var path = command[^1].TrimEnd('/');
                foreach (var file in _files.Keys.Where(f => f.Container == container && (f.Path == path || f.Path.StartsWith(path + "/", StringComparison.Ordinal))).ToList())
                {
                    _files.Remove(file);
                }
            }

            return 0;
        }

        var outcome = _runtime.OnExec(context);
        foreach (var line in outcome.Stdout)
        {
            output.WriteLine(OutputStream.Stdout, line);
        }

        foreach (var line in outcome.Stderr)
        {
            output.WriteLine(OutputStream.Stderr, line);
        }

        lock (_gate)
        {
            foreach (var (path, content) in outcome.Files)
            {
                _files[(container, path)] = content;
            }

            if (outcome.Lost is not null)
            {
                _lostWith = outcome.Lost;
                throw new PodFailedException(outcome.Lost) { CommandMayHaveRun = true };
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return outcome.ExitCode;
    }

    public async Task<IReadOnlyList<string>> CopyFromAsync(string container, string containerPath, string localPath, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        List<(string Relative, string Content)> found;
        lock (_gate)
        {
            var directory = containerPath.TrimEnd('/') + "/";
            found = _files
                .Where(f => f.Key.Container == container && (f.Key.Path == containerPath || f.Key.Path.StartsWith(directory, StringComparison.Ordinal)))
                .Select(f => (f.Key.Path == containerPath ? "" : f.Key.Path[directory.Length..], f.Value))
                .ToList();
        }

        _runtime.Record(new CopyFromAction(Name, container, containerPath, localPath, found.Count > 0));
        ThrowIfLost();
        if (found.Count == 0)
        {
            throw new FileNotFoundException($"{containerPath}: no such file or directory in container {container}");
        }

        foreach (var (relative, content) in found)
        {
            var path = relative.Length == 0 ? localPath : Path.Combine(localPath, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, content, cancellationToken).ConfigureAwait(false);
        }

        return [];
    }

    public Task CopyToAsync(string container, string localPath, string containerPath, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        _runtime.Record(new CopyToAction(Name, container, localPath, containerPath));
        ThrowIfLost();
        if (File.Exists(localPath))
        {
            lock (_gate)
            {
                _files[(container, containerPath)] = File.ReadAllText(localPath);
            }
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        Interlocked.Increment(ref _disposals);
        _runtime.Record(new DisposeAction(Name));
        return ValueTask.CompletedTask;
    }

    /// <summary>After a lost connection the pod is gone: nothing more runs in it.</summary>
    private void ThrowIfLost()
    {
        lock (_gate)
        {
            if (_lostWith is not null)
            {
                throw new PodFailedException($"pod {Name} is gone: {_lostWith}");
            }
        }
    }
}

/// <summary>Keeps every event of the run, in order, from any thread.</summary>
internal sealed class RecordingObserver : IRunObserver
{
    private readonly List<RunEvent> _events = [];

    public IReadOnlyList<RunEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public void On(RunEvent runEvent)
    {
        lock (_events)
        {
            _events.Add(runEvent);
        }
    }

    public IReadOnlyList<T> Of<T>()
        where T : RunEvent => [.. Events.OfType<T>()];
}
