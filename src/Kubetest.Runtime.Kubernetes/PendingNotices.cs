using Kubetest.Model;
using Kubetest.Reporting;

namespace Kubetest.Runtime.Kubernetes;

/// <summary>
/// Says which pods are Pending, why, and how long <c>--pending-timeout</c> still gives them: one
/// <c>[INFO]</c> line for all of them, the first once a pod has been Pending for
/// <paramref name="firstAfter"/> (a pod that starts normally is never named), then one every
/// <paramref name="interval"/> while any is. Without it a wrong image waited silently for minutes.
/// </summary>
internal sealed class PendingNotices : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<Waiting> _waiting = [];
    private readonly TimeProvider _time;
    private readonly TimeSpan _pendingTimeout;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _firstAfter;
    private readonly ITimer _timer;
    private IRunObserver? _events;
    private DateTimeOffset? _lastLine;

    public PendingNotices(TimeProvider time, TimeSpan pendingTimeout, TimeSpan interval, TimeSpan firstAfter)
    {
        _time = time;
        _pendingTimeout = pendingTimeout;
        _interval = interval;

        // A short timeout still gets its line before it fails.
        _firstAfter = firstAfter < pendingTimeout / 2 ? firstAfter : pendingTimeout / 2;
        _timer = time.CreateTimer(_ => Tick(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The run's events get the lines until the result is disposed.</summary>
    public IDisposable ReportTo(IRunObserver events)
    {
        lock (_lock)
        {
            _events = events;
        }

        return new Detach(this, events);
    }

    /// <summary>A wait for the pod of <paramref name="jobName"/> begins; disposing the result ends it.</summary>
    public Waiting Track(string jobName)
    {
        var waiting = new Waiting(this, jobName, _time.GetUtcNow());
        lock (_lock)
        {
            _waiting.Add(waiting);
            Schedule(waiting.Since);
        }

        return waiting;
    }

    public void Dispose() => _timer.Dispose();

    private void Tick()
    {
        string? line = null;
        IRunObserver? events;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var due = _waiting.Where(w => now - w.Since >= _firstAfter).ToList();
            if (due.Count > 0 && (_lastLine is null || now - _lastLine >= _interval))
            {
                line = Line(due, now);
                _lastLine = now;
            }

            events = _events;
            Schedule(now);
        }

        if (line is not null)
        {
            events?.On(new LogEvent(LogLevel.Info, line));
        }
    }

    /// <summary>Sets the timer to the next moment a line may be due; stops it when no pod waits.</summary>
    private void Schedule(DateTimeOffset now)
    {
        if (_waiting.Count == 0)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        var firstDue = _waiting.Min(w => w.Since) + _firstAfter;
        var next = _lastLine is { } last && last + _interval > firstDue ? last + _interval : firstDue;
        _timer.Change(next > now ? next - now : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private string Line(List<Waiting> due, DateTimeOffset now)
    {
        var pods = due.Select(w =>
        {
            var left = w.Since + _pendingTimeout - now;
            return $"{w.Name} ({w.Reason}), {GoDuration.Format(left > TimeSpan.Zero ? GoDuration.WholeSecondsUp(left) : TimeSpan.Zero)} left";
        });
        var count = due.Count == 1 ? "1 Pending pod" : $"{due.Count} Pending pods";
        return $"waiting for {count} (each given up after --pending-timeout {GoDuration.Format(_pendingTimeout)}): {string.Join("; ", pods)}";
    }

    /// <summary>The short reason a pod is Pending: a waiting container's (ImagePullBackOff), an unmet condition's (Unschedulable), else its phase.</summary>
    internal static string Reason(V1PodStatus? status)
    {
        if (status is null)
        {
            return "no status yet";
        }

        var containers = (status.InitContainerStatuses ?? []).Concat(status.ContainerStatuses ?? []);
        var waiting = containers.Where(c => c.State?.Waiting?.Reason is not null).ToList();
        if ((waiting.FirstOrDefault(c => c.State.Waiting.Reason is not ("ContainerCreating" or "PodInitializing")) ?? waiting.FirstOrDefault()) is { } container)
        {
            return $"{container.State.Waiting.Reason} in container {container.Name}";
        }

        return status.Conditions?.FirstOrDefault(c => c.Status == "False" && c.Reason is not null)?.Reason ?? status.Reason ?? status.Phase ?? "Pending";
    }

    /// <summary>One wait: what the pod is called and why it waits, as last seen.</summary>
    internal sealed class Waiting(PendingNotices owner, string jobName, DateTimeOffset since) : IDisposable
    {
        public DateTimeOffset Since { get; } = since;

        public string Name { get; private set; } = $"job {jobName}";

        public string Reason { get; private set; } = "no pod yet";

        public void Update(V1Pod pod)
        {
            lock (owner._lock)
            {
                Name = pod.Metadata?.Name ?? Name;
                Reason = PendingNotices.Reason(pod.Status);
            }
        }

        public void Dispose()
        {
            lock (owner._lock)
            {
                owner._waiting.Remove(this);
                owner.Schedule(owner._time.GetUtcNow());
            }
        }
    }

    private sealed class Detach(PendingNotices owner, IRunObserver events) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._lock)
            {
                if (owner._events == events)
                {
                    owner._events = null;
                }
            }
        }
    }
}
