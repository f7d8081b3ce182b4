using System.Collections.Concurrent;
using k8s.Models;
using Kubetest.Runtime;
using Kubetest.Runtime.Local;

namespace Kubetest.Emulator;

/// <summary>One pod as the kubelet runs it: its local sandbox and the output of its containers.</summary>
internal sealed class PodRun
{
    public PodRun(V1Pod pod)
    {
        Namespace = pod.Namespace();
        Name = pod.Name();
        foreach (var container in (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers))
        {
            Logs[container.Name] = new ContainerLog();
        }
    }

    public string Namespace { get; }

    public string Name { get; }

    public CancellationTokenSource Stopping { get; } = new();

    public Dictionary<string, ContainerLog> Logs { get; } = new(StringComparer.Ordinal);

    /// <summary>Set once the containers run; exec goes here.</summary>
    public IStreamingPod? Local { get; set; }

    public Task Running { get; set; } = Task.CompletedTask;
}

/// <summary>
/// The stand-in kubelet: runs each pod's containers through the local sandbox and reports their
/// progress in the pod's status (Pending → Running → Succeeded/Failed), as a node would.
/// </summary>
internal sealed class Kubelet : IAsyncDisposable
{
    public const string NodeName = "kubetest-emulator";

    private readonly Store _store;
    private readonly LocalPodRuntime _runtime;
    private readonly FaultOptions _faults;
    private readonly EmulatorOptions _options;
    private readonly Action<V1Pod> _finished;
    private readonly ConcurrentDictionary<string, PodRun> _runs = new(StringComparer.Ordinal);

    /// <summary>
    /// Tells kubetest-agent which address to listen on (its <c>AgentAuth.ListenAddressVariable</c>):
    /// pods here share the host's network, so each listens on its own pod IP, and two pods' agents on
    /// port 5000 do not collide, as they would not in their own network namespaces on a cluster.
    /// </summary>
    public const string AgentAddressVariable = "KUBETEST_AGENT_ADDRESS";

    /// <summary>
    /// The next pod IP's number, shared by every emulator of this process and started at a random place per
    /// process: emulators of parallel test classes (and test assemblies) must not hand two pods the same address,
    /// or an agent of one would be reached by a run of another (or fail to bind its port).
    /// </summary>
    private static int _podIps = Random.Shared.Next(PodIpCount);

    private const int PodIpCount = 254 * 256 * 254;

    public Kubelet(Store store, LocalPodRuntime runtime, EmulatorOptions options, Action<V1Pod> finished)
    {
        _store = store;
        _runtime = runtime;
        _options = options;
        _faults = options.Faults;
        _finished = finished;
    }

    /// <summary>Every pod the kubelet was given, as it was then (its spec as created), in order.</summary>
    public ConcurrentQueue<V1Pod> Started { get; } = new();

    public PodRun? Find(string ns, string name) => _runs.TryGetValue(ns + "/" + name, out var run) ? run : null;

    public void Start(V1Pod pod)
    {
        Started.Enqueue(Store.Clone(pod));
        var run = new PodRun(pod);
        _runs[pod.Namespace() + "/" + pod.Name()] = run;
        run.Running = Task.Run(() => RunAsync(pod, run));
    }

    /// <summary>Kills the pod's processes and removes its sandbox.</summary>
    public async Task StopAsync(string ns, string name)
    {
        if (!_runs.TryRemove(ns + "/" + name, out var run))
        {
            return;
        }

        await run.Stopping.CancelAsync();
        await run.Running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (run.Local is { } local)
        {
            await local.DisposeAsync();
        }

        run.Stopping.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var key in _runs.Keys.ToList())
        {
            var parts = key.Split('/', 2);
            await StopAsync(parts[0], parts[1]);
        }
    }

    private async Task RunAsync(V1Pod pod, PodRun run)
    {
        var token = run.Stopping.Token;
        try
        {
            if (HeldPending(pod))
            {
                return;
            }

            var podIp = NextPodIp();
            Update(run, p => PodPhases.Scheduled(p, podIp));
            var inits = pod.Spec.InitContainers ?? [];
            if (inits.Concat(pod.Spec.Containers).FirstOrDefault(c => c.Command is not { Count: > 0 }) is { } imageOnly)
            {
                Finish(run, p => PodPhases.NoCommand(p, imageOnly.Name));
                return;
            }

            // Init containers are started here as held containers too and run one by one like the
            // others, so that each has its own log and status, as a kubelet reports them.
            var spec = Store.Clone(pod.Spec);
            spec.Containers = [.. inits.Select(Store.Clone), .. spec.Containers];
            spec.InitContainers = null;
            foreach (var container in spec.Containers)
            {
                container.Env = [.. container.Env ?? [], new V1EnvVar { Name = AgentAddressVariable, Value = podIp }];
                if (container.Command is [var program, ..] && _options.Executables.TryGetValue(program, out var installed))
                {
                    container.Command = [.. installed, .. container.Command.Skip(1)];
                }
            }

            var request = new PodRequest(pod.Name(), pod.Metadata, spec, spec.Containers.Select(c => c.Name).ToList(), [], null);
            IStreamingPod local;
            try
            {
                local = await _runtime.StartNamedPodAsync(pod.Name(), request, NullOutputSink.Instance, token);
            }
            catch (PodFailedException e)
            {
                Finish(run, p => PodPhases.Unstartable(p, e.Message));
                return;
            }

            run.Local = local;
            foreach (var init in inits)
            {
                var started = DateTime.UtcNow;
                Update(run, p => PodPhases.InitRunning(p, init.Name, started));
                var (exitCode, message) = await RunCommandAsync(run, local, init.Name, token);
                if (exitCode != 0)
                {
                    await local.DisposeAsync();
                    Finish(run, p => PodPhases.InitFailed(p, init.Name, exitCode, started, message));
                    return;
                }

                Update(run, p => PodPhases.InitCompleted(p, init.Name, started));
            }

            Update(run, PodPhases.Started);
            var containers = pod.Spec.Containers.Select(c => RunContainerAsync(run, local, c.Name, token)).ToList();
            var exitCodes = await Task.WhenAll(containers);
            await local.DisposeAsync();
            run.Local = null;
            Finish(run, p => p.Status.Phase = exitCodes.All(code => code == 0) ? "Succeeded" : "Failed");
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Deleted while it ran: the deletion reports the end.
        }
    }

    private async Task<int> RunContainerAsync(PodRun run, IStreamingPod local, string container, CancellationToken token)
    {
        var started = DateTime.UtcNow;
        var (exitCode, message) = await RunCommandAsync(run, local, container, token);
        Update(run, p => PodPhases.ContainerTerminated(p, container, exitCode, started, message));
        return exitCode;
    }

    /// <summary>Runs the container's own command, its stdout and stderr going to its log.</summary>
    private static async Task<(int ExitCode, string? Message)> RunCommandAsync(PodRun run, IStreamingPod local, string container, CancellationToken token)
    {
        var log = run.Logs[container];
        try
        {
            using var output = log.Writer();
            return (await local.ExecStreamAsync(container, local.ContainerCommand(container), new Dictionary<string, string>(), null, output, output, token), null);
        }
        catch (PodFailedException e)
        {
            return (128, e.Message);
        }
        finally
        {
            log.Close();
        }
    }

    /// <summary>
    /// A loopback address of its own for each pod (127.0.0.0/8 all reaches this host), so that what
    /// listens in one pod is reached at that pod's IP, as on a cluster; unique across the emulators of the process.
    /// </summary>
    private string NextPodIp()
    {
        var n = (int)((uint)Interlocked.Increment(ref _podIps) % PodIpCount);
        return $"127.{1 + (n / (254 * 256) % 254)}.{n / 254 % 256}.{1 + (n % 254)}";
    }

    private bool HeldPending(V1Pod pod)
    {
        if (_faults.HoldPendingReason is not { } reason)
        {
            return false;
        }

        var jobName = pod.Metadata.Labels?.TryGetValue("job-name", out var j) == true ? j : string.Empty;
        if (_faults.HoldPendingJobPattern is { } pattern && !pattern.IsMatch(jobName))
        {
            return false;
        }

        _store.UpdatePod(pod.Namespace(), pod.Name(), p => PodPhases.HoldPending(p, reason));
        return true;
    }

    private void Update(PodRun run, Action<V1Pod> change) => _store.UpdatePod(run.Namespace, run.Name, change);

    private void Finish(PodRun run, Action<V1Pod> change)
    {
        if (run.Stopping.IsCancellationRequested)
        {
            return;
        }

        if (_store.UpdatePod(run.Namespace, run.Name, change) is { } pod)
        {
            _finished(pod);
        }
    }
}
