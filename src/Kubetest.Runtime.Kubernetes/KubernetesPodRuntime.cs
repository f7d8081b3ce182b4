using System.Net;
using k8s.Autorest;
using Kubetest.Agent.Client;
using Polly;

namespace Kubetest.Runtime.Kubernetes;

/// <param name="Lifecycle">The run's owner, deadline and TTL, stamped on every Job.</param>
/// <param name="AgentReadyTimeout">How long kubetest waits for a running pod's kubetest-agent to answer (default 60 s).</param>
public sealed record KubernetesRuntimeOptions(string Namespace, TimeSpan PendingTimeout, JobLifecycle Lifecycle, TimeSpan? AgentReadyTimeout = null)
{
    /// <summary>How often, while pods are Pending, a line names them (see <see cref="PendingNotices"/>).</summary>
    public TimeSpan PendingNoticeInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a pod is Pending before the first such line (at most half the pending timeout): a pod that starts normally is never named.</summary>
    public TimeSpan PendingNoticeAfter { get; init; } = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan DefaultAgentReadyTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a pod may stay Pending when <c>--pending-timeout</c> is not given.</summary>
    public static readonly TimeSpan DefaultPendingTimeout = TimeSpan.FromMinutes(10);
}

/// <summary>
/// Runs pods as Kubernetes Jobs through the official client: one Job per pod of the plan, held
/// containers kept alive by a wait loop and driven by exec, files moved as tar over exec; a held
/// container with <c>agent</c> runs kubetest-agent instead and is driven over gRPC at the pod's IP,
/// authenticated by tokens of the run's own RSA key (<see cref="AgentKey"/>).
/// Disposing deletes every Job this runtime created that is still there, never throws, and warns
/// once about anything it could not delete.
/// </summary>
public sealed class KubernetesPodRuntime : IPodRuntime, IRuntimeCleanup
{
    private readonly IKubernetes _client;
    private readonly KubernetesRuntimeOptions _options;
    private readonly ResiliencePipeline _retry;
    private readonly PodWaiter _waiter;
    private readonly PendingNotices _notices;
    private readonly PodExec _exec;
    private readonly JobCleanup _cleanup;
    private readonly Action<string> _warn;
    private readonly Lazy<AgentKey> _agentKey;
    private IReadOnlyList<string> _leftBehind = [];

    /// <param name="warn">Receives the one warning about Jobs and pods that could not be deleted.</param>
    public KubernetesPodRuntime(IKubernetes client, KubernetesRuntimeOptions options, TimeProvider time, Action<string> warn)
    {
        _client = client;
        _options = options;
        _warn = warn;
        _retry = ApiRetry.Create(time);
        _cleanup = new JobCleanup(client, options.Namespace, time);
        _notices = new PendingNotices(time, options.PendingTimeout, options.PendingNoticeInterval, options.PendingNoticeAfter);
        _waiter = new PodWaiter(client, options.Namespace, _retry, time, _notices);
        _exec = new PodExec(client, options.Namespace, time);
        _agentKey = new Lazy<AgentKey>(() => AgentKey.Create(time), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Name => RuntimeKind.Kubernetes.Name();

    public IReadOnlyList<string> LeftBehind => _leftBehind;

    public IDisposable ReportTo(Reporting.IRunObserver events) => _notices.ReportTo(events);

    public async Task<IPod> StartPodAsync(PodRequest request, IOutputSink podOutput, CancellationToken cancellationToken)
    {
        var links = PreInit.Links(request.Files);
        if (links.FirstOrDefault(f => !request.HeldContainers.Contains(f.Container)) is { } unplaceable)
        {
            throw new PodFailedException(
                $"cannot place {unplaceable.ContainerPath} in container {unplaceable.Container}: what goes there is a symbolic link, which the kubernetes runtime can place only in the containers kubetest runs commands in");
        }

        var agents = AgentPorts.Allocate(request);
        var job = agents.Count == 0
            ? KubernetesJob.Create(request, _options.Namespace, _options.Lifecycle)
            : KubernetesJob.Create(request, _options.Namespace, _options.Lifecycle, _agentKey.Value.PublicKeyPem);

        // The name is chosen here, not by generateName, so a create retried after a lost reply
        // finds its own Job (409) instead of leaving a second one behind.
        job.Metadata.Name = request.GenerateName + RandomSuffix();
        job.Metadata.GenerateName = null;
        var jobName = job.Metadata.Name;
        _cleanup.Track(jobName, null);
        var connected = new List<AgentContainer>();
        try
        {
            await CreateAsync(job, cancellationToken).ConfigureAwait(false);
            if (PreInit.For(KubernetesJob.PreInitFiles(request)) is { } preInit)
            {
                var waiting = await _waiter.WaitPreInitAsync(jobName, _options.PendingTimeout, cancellationToken).ConfigureAwait(false);
                _cleanup.Track(jobName, waiting.Metadata.Name);
                await new TarCopy(_exec).FillPreInitAsync(waiting.Metadata.Name, preInit, cancellationToken).ConfigureAwait(false);
            }

            var pod = await _waiter.WaitRunningAsync(jobName, request.HeldContainers, _options.PendingTimeout, cancellationToken).ConfigureAwait(false);
            var podName = pod.Metadata.Name;
            _cleanup.Track(jobName, podName);
            await ConnectAgentsAsync(pod, agents, connected, cancellationToken).ConfigureAwait(false);
            var running = new KubernetesPod(jobName, podName, _exec, _cleanup, connected.ToDictionary(a => a.Name, StringComparer.Ordinal));
            connected = [];

            // Links cannot be subPaths (see PreInit.Links); an agent container's files all go through its agent.
            foreach (var file in links.Concat(KubernetesJob.AgentFiles(request)).Distinct())
            {
                try
                {
                    await running.CopyToAsync(file.Container, file.LocalPath, file.ContainerPath, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    await running.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }

            return running;
        }
        catch (Exception ex)
        {
            foreach (var agent in connected)
            {
                agent.Dispose();
            }

            // Never throws: a Job that could not be deleted stays tracked for DisposeAsync.
            await _cleanup.DeleteAsync(jobName).ConfigureAwait(false);
            if (ex is HttpOperationException http)
            {
                throw new PodFailedException($"job {jobName}: the API server answered {(int)http.Response.StatusCode} {StatusMessage(http)}", ex);
            }

            // One seam: whatever kept the pod from starting reaches the engine as PodFailedException, on every runtime.
            if (ex is PodFailedException || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw;
            }

            throw new PodFailedException($"job {jobName}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Connects to each agent of the pod at the pod's IP and waits until all answer. Each connection
    /// joins <paramref name="connected"/> at once, so a failure leaves none open.
    /// </summary>
    private async Task ConnectAgentsAsync(V1Pod pod, IReadOnlyList<AgentEndpoint> agents, List<AgentContainer> connected, CancellationToken cancellationToken)
    {
        if (agents.Count == 0)
        {
            return;
        }

        var ip = pod.Status?.PodIP;
        if (string.IsNullOrEmpty(ip))
        {
            throw new PodFailedException($"pod {pod.Metadata.Name} runs but has no IP yet (status.podIP), so kubetest cannot reach its kubetest-agent");
        }

        var key = _agentKey.Value;
        foreach (var endpoint in agents)
        {
            var address = new UriBuilder(Uri.UriSchemeHttp, ip, endpoint.Port).Uri;
            connected.Add(new AgentContainer(pod.Metadata.Name, endpoint, new AgentClient(address, key.Token)));
        }

        var timeout = _options.AgentReadyTimeout ?? KubernetesRuntimeOptions.DefaultAgentReadyTimeout;
        await Task.WhenAll(connected.Select(a => a.WaitReadyAsync(timeout, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes whatever is left (a run that was stopped mid-way, a pod whose deletion failed) and
    /// warns once, naming each object that may remain and how to remove it. Never throws.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        var left = await _cleanup.DeleteAllAsync().ConfigureAwait(false);
        _notices.Dispose();
        if (_agentKey.IsValueCreated)
        {
            _agentKey.Value.Dispose();
        }

        try
        {
            _exec.Dispose();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or IOException or InvalidOperationException)
        {
            // Open exec sessions of a dead server may fail to close; nothing is left by that.
        }

        if (left.Count == 0)
        {
            return;
        }

        var ns = _options.Namespace;
        _leftBehind = [.. left.Select(l => $"{l.Objects} in namespace {ns}")];
        var lifecycle = _options.Lifecycle;
        _warn(
            $"cleanup: could not delete {string.Join("; ", left.Select(l => $"{l.Objects} ({l.Reason})"))} in namespace {ns}. "
            + $"They may be left; their pods end by themselves {Duration(lifecycle.MaxRunTime)} after they started (activeDeadlineSeconds). "
            + $"Remove them now with: kubetest gc -n {ns} (or kubectl delete jobs -n {ns} -l {JobLifecycle.RunLabel}={lifecycle.Owner.RunId})");
    }

    private static string Duration(TimeSpan span) => span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours)
        ? $"{span.TotalHours:0}h"
        : span.TotalMinutes >= 1 && span.TotalMinutes == Math.Floor(span.TotalMinutes) ? $"{span.TotalMinutes:0}m" : $"{Math.Ceiling(span.TotalSeconds):0}s";

    private async Task CreateAsync(V1Job job, CancellationToken cancellationToken)
    {
        var attempt = 0;
        try
        {
            await _retry.ExecuteAsync(
                async ct =>
                {
                    attempt++;
                    try
                    {
                        await _client.BatchV1.CreateNamespacedJobAsync(job, _options.Namespace, cancellationToken: ct).ConfigureAwait(false);
                    }
                    catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict && attempt > 1)
                    {
                        // An earlier attempt went through although its reply was lost.
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            throw new PodFailedException($"could not create job {job.Metadata.Name}: {(int)ex.Response.StatusCode} {StatusMessage(ex)}", ex);
        }
    }

    /// <summary>The message of the Status an API server answered with, or the exception's own.</summary>
    public static string StatusMessage(HttpOperationException ex)
    {
        try
        {
            return KubernetesJson.Deserialize<V1Status>(ex.Response.Content)?.Message ?? ex.Message;
        }
        catch (System.Text.Json.JsonException)
        {
            return ex.Message;
        }
    }

    private static string RandomSuffix()
    {
        const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Create(5, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[System.Security.Cryptography.RandomNumberGenerator.GetInt32(Alphabet.Length)];
            }
        });
    }
}
