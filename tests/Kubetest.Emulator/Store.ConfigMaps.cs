using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>ConfigMaps, Leases and Events: simple namespaced objects with the API server's optimistic concurrency; custom resources; who owns what.</summary>
internal sealed partial class Store
{
    public Store(int historyLimit, int eventsPerNamespace)
    {
        _historyLimit = historyLimit;
        ConfigMaps = new(this, "configmaps", string.Empty, null);
        Leases = new(this, "leases", "coordination.k8s.io", null);
        Events = new(this, "events", string.Empty, eventsPerNamespace);
        Custom = new(this);
        // What the garbage collector deletes when an owner goes (Jobs would be one more entry).
        _dependents = [ConfigMaps.RemoveOwnedBy, Events.RemoveOwnedBy];
    }

    private readonly Func<string, string, int>[] _dependents;

    public CustomObjects Custom { get; } = null!;

    /// <summary>Deletes the objects of <paramref name="ns"/> that list <paramref name="ownerUid"/> in their ownerReferences.</summary>
    public int CollectDependents(string ns, string ownerUid)
    {
        if (ownerUid.Length == 0)
        {
            return 0;
        }

        lock (_lock)
        {
            return _dependents.Sum(remove => remove(ns, ownerUid));
        }
    }

    public Objects<V1ConfigMap> ConfigMaps { get; } = null!;

    public Objects<V1Lease> Leases { get; } = null!;

    public Objects<Corev1Event> Events { get; } = null!;
}
