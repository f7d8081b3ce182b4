using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>coordination.k8s.io/v1 leases, what leader election takes turns on: create, get, list, replace (with resourceVersion conflicts), delete.</summary>
internal static class Leases
{
    public static void Map(IEndpointRouteBuilder app, Store store) => NamespacedResource.Map(app, new ResourceApi<V1Lease>(
        "coordination.k8s.io/v1",
        "leases",
        "Lease",
        store.Leases,
        Validation.Lease,
        (items, meta) => new V1LeaseList { ApiVersion = "coordination.k8s.io/v1", Kind = "LeaseList", Metadata = meta, Items = items },
        Selector.MetadataField<V1Lease>));
}
