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
    private readonly Action<V1Pod> _finished;
    private readonly ConcurrentDictionary<string, PodRun> _runs = new(StringComparer.Ordinal);

    public Kubelet(Store store, LocalPodRuntime runtime, FaultOptions faults, Action<V1Pod> finished)
    {
        _store = store;
        _runtime = runtime;
        _faults = faults;
        _finished = finished;
    }

    public PodRun? Find(string ns, string name) => _runs.TryGetValue(ns + "/" + name, out var run) ? run : null;

    public void Start(V1Pod pod)
    {
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

            Update(run, p => PodPhases.Scheduled(p));
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
