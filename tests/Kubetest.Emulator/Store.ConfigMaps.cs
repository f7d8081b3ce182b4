using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>ConfigMaps, Leases and Events: simple namespaced objects with the API server's optimistic concurrency.</summary>
internal sealed partial class Store
{
    public Store(int historyLimit, int eventsPerNamespace)
    {
        _historyLimit = historyLimit;
        ConfigMaps = new(this, "configmaps", string.Empty, null);
        Leases = new(this, "leases", "coordination.k8s.io", null);
        Events = new(this, "events", string.Empty, eventsPerNamespace);
    }

    public Objects<V1ConfigMap> ConfigMaps { get; } = null!;

    public Objects<V1Lease> Leases { get; } = null!;

    public Objects<Corev1Event> Events { get; } = null!;
}
