using System.Threading.Channels;
using k8s;
using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>A pod watch event as it was at <see cref="ResourceVersion"/>; <see cref="Pod"/> is a frozen copy.</summary>
internal sealed record PodEvent(long ResourceVersion, string Type, V1Pod Pod);

/// <summary>
/// The emulator's etcd: jobs, pods, secrets, configmaps, leases and events under one lock, one resourceVersion counter for
/// everything, and a bounded history of pod events so that watches can resume.
/// </summary>
internal sealed partial class Store : IWatchSource<PodEvent>
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, V1Job> _jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, V1Pod> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, V1Secret> _secrets = new(StringComparer.Ordinal);
    private readonly LinkedList<PodEvent> _history = new();
    private readonly List<Channel<PodEvent>> _watchers = [];
    private readonly int _historyLimit;
    private long _resourceVersion = 1000;

    // Events up to this resourceVersion have left the history: a watch from before it is too old.
    private long _compacted;

    public long ResourceVersion
    {
        get
        {
            lock (_lock)
            {
                return _resourceVersion;
            }
        }
    }

    public static T Clone<T>(T value) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(value));

    private static string Key(string ns, string name) => ns + "/" + name;

    public V1Job AddJob(V1Job job)
    {
        lock (_lock)
        {
            var key = Key(job.Namespace(), job.Name());
            if (_jobs.ContainsKey(key))
            {
                throw Statuses.AlreadyExists("jobs", job.Name(), "batch");
            }

            job.Metadata.ResourceVersion = Next();
            _jobs[key] = Clone(job);
            return job;
        }
    }

    public V1Job? GetJob(string ns, string name)
    {
        lock (_lock)
        {
            return _jobs.TryGetValue(Key(ns, name), out var job) ? Clone(job) : null;
        }
    }

    public (List<V1Job> Items, string ResourceVersion) ListJobs(string? ns)
    {
        lock (_lock)
        {
            return (_jobs.Values.Where(j => ns is null || j.Namespace() == ns).Select(Clone).ToList(), _resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public V1Job? UpdateJob(string ns, string name, Action<V1Job> change)
    {
        lock (_lock)
        {
            if (!_jobs.TryGetValue(Key(ns, name), out var job))
            {
                return null;
            }

            change(job);
            job.Metadata.ResourceVersion = Next();
            return Clone(job);
        }
    }

    public V1Job? RemoveJob(string ns, string name)
    {
        lock (_lock)
        {
            return _jobs.Remove(Key(ns, name), out var job) ? job : null;
        }
    }

    public V1Pod AddPod(V1Pod pod)
    {
        lock (_lock)
        {
            var key = Key(pod.Namespace(), pod.Name());
            if (_pods.ContainsKey(key))
            {
                throw Statuses.AlreadyExists("pods", pod.Name());
            }

            pod.Metadata.ResourceVersion = Next();
            _pods[key] = Clone(pod);
            Publish("ADDED", pod);
            return Clone(pod);
        }
    }

    public V1Pod? GetPod(string ns, string name)
    {
        lock (_lock)
        {
            return _pods.TryGetValue(Key(ns, name), out var pod) ? Clone(pod) : null;
        }
    }

    public (List<V1Pod> Items, long ResourceVersion) ListPods(string? ns)
    {
        lock (_lock)
        {
            return (_pods.Values.Where(p => ns is null || p.Namespace() == ns).Select(Clone).ToList(), _resourceVersion);
        }
    }

    /// <summary>Applies <paramref name="change"/> to the stored pod and emits MODIFIED; null when the pod is gone.</summary>
    public V1Pod? UpdatePod(string ns, string name, Action<V1Pod> change)
    {
        lock (_lock)
        {
            if (!_pods.TryGetValue(Key(ns, name), out var pod))
            {
                return null;
            }

            change(pod);
            pod.Metadata.ResourceVersion = Next();
            Publish("MODIFIED", pod);
            return Clone(pod);
        }
    }

    public V1Pod? RemovePod(string ns, string name)
    {
        lock (_lock)
        {
            if (!_pods.Remove(Key(ns, name), out var pod))
            {
                return null;
            }

            pod.Metadata.ResourceVersion = Next();
            Publish("DELETED", pod);
            return Clone(pod);
        }
    }

    public void PutSecret(V1Secret secret)
    {
        lock (_lock)
        {
            var key = Key(secret.Namespace(), secret.Name());
            if (_secrets.ContainsKey(key))
            {
                throw Statuses.AlreadyExists("secrets", secret.Name());
            }

            secret.Metadata.ResourceVersion = Next();
            _secrets[key] = Clone(secret);
        }
    }

    public V1Secret? GetSecret(string ns, string name)
    {
        lock (_lock)
        {
            return _secrets.TryGetValue(Key(ns, name), out var secret) ? Clone(secret) : null;
        }
    }

    /// <summary>
    /// Registers a watcher. With <paramref name="since"/>, the backlog is every event after it
    /// (null when the history no longer reaches back that far); without, the backlog is an ADDED
    /// for every current pod, as the API server does for a watch without a resourceVersion.
    /// </summary>
    public (Channel<PodEvent> Channel, List<PodEvent>? Backlog) Watch(long? since)
    {
        lock (_lock)
        {
            List<PodEvent>? backlog;
            if (since is { } rv && rv < _resourceVersion)
            {
                backlog = rv < _compacted ? null : _history.Where(e => e.ResourceVersion > rv).ToList();
            }
            else if (since is not null)
            {
                backlog = [];
            }
            else
            {
                backlog = _pods.Values.Select(p => new PodEvent(_resourceVersion, "ADDED", Clone(p))).ToList();
            }

            var channel = Channel.CreateUnbounded<PodEvent>(new UnboundedChannelOptions { SingleReader = true });
            if (backlog is not null)
            {
                _watchers.Add(channel);
            }

            return (channel, backlog);
        }
    }

    public void Unwatch(Channel<PodEvent> channel)
    {
        lock (_lock)
        {
            _watchers.Remove(channel);
        }
    }

    private string Next() => (++_resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private void Publish(string type, V1Pod pod)
    {
        var e = new PodEvent(_resourceVersion, type, Clone(pod));
        _history.AddLast(e);
        while (_history.Count > _historyLimit)
        {
            _compacted = _history.First!.Value.ResourceVersion;
            _history.RemoveFirst();
        }

        foreach (var watcher in _watchers)
        {
            watcher.Writer.TryWrite(e);
        }
    }
}
