using System.Net;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;

namespace Kubetest.Cli.Controller;

/// <summary>
/// Runs TestJob resources. One loop decides everything, one TestJob at a time, from the object as the API server
/// has it now (level-triggered: a watch event or a finished run only says which TestJob to look at); runs execute
/// beside it, at most <paramref name="maxConcurrentRuns"/> at once, the others waiting as <c>Pending</c>, oldest first.
/// A TestJob runs once: the phase it ends in is final, and a change to its spec after it started is not run.
/// </summary>
internal sealed partial class TestJobController(TestJobClient api, ControllerLog log, int maxConcurrentRuns, string identity, TestJobPolicy policy)
{
    /// <summary>Everything is listed again this often, in case a watch missed an event.</summary>
    public static readonly TimeSpan Resync = TimeSpan.FromMinutes(5);

    private readonly Channel<Work> _queue = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, ActiveRun> _runs = new(StringComparer.Ordinal);
    private readonly List<string> _waiting = [];
    private readonly Dictionary<string, int> _retries = new(StringComparer.Ordinal);

    /// <summary>Final statuses of ended runs that could not be written yet, by TestJob (and its uid).</summary>
    private readonly Dictionary<string, (string Uid, TestJobStatus Status)> _unwritten = new(StringComparer.Ordinal);

    /// <summary>What the loop is told: look at this TestJob (<paramref name="Finished"/>: its run just ended).</summary>
    private sealed record Work(string Key, ActiveRun? Finished = null);

    /// <summary>A run in progress; <see cref="StopReason"/> is set when the controller stops it.</summary>
    private sealed class ActiveRun(TestJobObject resource) : IDisposable
    {
        public TestJobObject Resource { get; } = resource;

        public CancellationTokenSource Stop { get; } = new();

        public Task Task { get; set; } = Task.CompletedTask;

        public StopReason? StopReason { get; set; }

        /// <summary>The run's final status while it has not been written.</summary>
        public TestJobStatus? Unwritten { get; set; }

        public void Dispose() => Stop.Dispose();
    }

    private enum StopReason
    {
        Deleted,
        ControllerStopping,
    }

    /// <summary>Runs until <paramref name="stop"/>; then stops every run as SIGINT stops the CLI's, writes their status and returns.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var where = api.Namespace is null ? "every namespace" : $"namespace {api.Namespace}";
        log.Line(LogLevel.Info, $"controller {identity}: watching TestJobs in {where}, at most {maxConcurrentRuns} runs at once");
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var watcher = Task.Run(() => WatchAsync(watching.Token), CancellationToken.None);
        try
        {
            await foreach (var work in _queue.Reader.ReadAllAsync(stop).ConfigureAwait(false))
            {
                await HandleAsync(work, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            await watching.CancelAsync().ConfigureAwait(false);
            await StopRunsAsync().ConfigureAwait(false);
            await watcher.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task HandleAsync(Work work, CancellationToken stop)
    {
        try
        {
            if (work.Finished is { } finished)
            {
                _runs.Remove(work.Key);
                if (finished.Unwritten is { } status)
                {
                    _unwritten[work.Key] = (finished.Resource.Uid, status);
                }

                finished.Dispose();
            }

            await ReconcileAsync(work.Key, stop).ConfigureAwait(false);
            _retries.Remove(work.Key);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            throw;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // Changed since it was read (kubectl apply, another writer): read it again, soon.
            log.Line(LogLevel.Debug, $"{work.Key}: changed while being updated; looking again");
            _ = RequeueLaterAsync(new Work(work.Key), TimeSpan.FromMilliseconds(200), stop);
        }
        catch (Exception ex)
        {
            // Never a crash loop: the reason once in the log, the TestJob looked at again later, a little later each time.
            var attempt = _retries[work.Key] = _retries.GetValueOrDefault(work.Key) + 1;
            var delay = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Min(attempt, 6))));
            log.Once(LogLevel.Error, $"{work.Key}: {TestJobClient.Describe(ex)}");
            log.Line(LogLevel.Debug, $"{work.Key}: looked at again in {(int)delay.TotalSeconds}s (attempt {attempt})");
            _ = RequeueLaterAsync(new Work(work.Key), delay, stop);
        }

        if (work.Finished is not null)
        {
            // A slot is free: the TestJobs waiting for one, oldest first.
            await StartWaitingAsync(stop).ConfigureAwait(false);
        }
    }

    private async Task RequeueLaterAsync(Work work, TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop).ConfigureAwait(false);
            _queue.Writer.TryWrite(work);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task StartWaitingAsync(CancellationToken stop)
    {
        foreach (var key in _waiting.ToList())
        {
            if (_runs.Count >= maxConcurrentRuns)
            {
                return;
            }

            await HandleAsync(new Work(key), stop).ConfigureAwait(false);
        }
    }

    /// <summary>Lists, then follows the watch; lists again when it cannot resume (410 Gone) and every <see cref="Resync"/>.</summary>
    private async Task WatchAsync(CancellationToken stop)
    {
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var (items, version) = await api.ListAsync(stop).ConfigureAwait(false);
                foreach (var item in items.OrderBy(i => i.CreatedAt ?? DateTimeOffset.MinValue).ThenBy(i => i.Key, StringComparer.Ordinal))
                {
                    _queue.Writer.TryWrite(new Work(item.Key));
                }

                failures = 0;
                using var resync = CancellationTokenSource.CreateLinkedTokenSource(stop);
                resync.CancelAfter(Resync);
                while (!resync.IsCancellationRequested && version is not null)
                {
                    var events = 0;
                    try
                    {
                        await foreach (var (type, key, seen) in api.WatchAsync(version, resync.Token).ConfigureAwait(false))
                        {
                            events++;
                            if (type == WatchEventType.Error)
                            {
                                version = null;
                                break;
                            }

                            version = seen ?? version;
                            if (key is not null)
                            {
                                _queue.Writer.TryWrite(new Work(key));
                            }
                        }
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException && IsGone(ex))
                    {
                        version = null;
                    }

                    if (events == 0 && version is not null)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(500), resync.Token).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException)
            {
                // The resync interval ended the watch: list again.
            }
            catch (Exception ex)
            {
                failures++;
                log.Once(LogLevel.Error, $"cannot list or watch TestJobs in {(api.Namespace is null ? "every namespace" : "namespace " + api.Namespace)}: {TestJobClient.Describe(ex)}");
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Min(failures, 6)))), stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private static bool IsGone(Exception ex) =>
        ex is HttpOperationException { Response.StatusCode: HttpStatusCode.Gone } || (ex is KubernetesException k && k.Status?.Code == 410);
}
