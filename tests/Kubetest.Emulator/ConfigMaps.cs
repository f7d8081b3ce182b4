using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>core/v1 configmaps: create, get, list, replace (with resourceVersion conflicts), delete.</summary>
internal static class ConfigMaps
{
    public static void Map(IEndpointRouteBuilder app, Store store) => NamespacedResource.Map(app, new ResourceApi<V1ConfigMap>(
        "v1",
        "configmaps",
        "ConfigMap",
        store.ConfigMaps,
        Validation.ConfigMap,
        (items, meta) => new V1ConfigMapList { ApiVersion = "v1", Kind = "ConfigMapList", Metadata = meta, Items = items },
        Selector.MetadataField<V1ConfigMap>));
}
