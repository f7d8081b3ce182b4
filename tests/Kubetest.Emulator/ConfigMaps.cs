using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>core/v1 configmaps: create, get, list, replace (with resourceVersion conflicts), delete.</summary>
internal static class ConfigMaps
{
    public static void Map(IEndpointRouteBuilder app, Store store)
    {
        const string Collection = "/api/v1/namespaces/{ns}/configmaps";
        app.MapPost(Collection, async (HttpContext c, string ns) =>
        {
            Rbac.Authorize(Api.Identity(c), "create", string.Empty, "configmaps", null, ns, null);
            var configMap = Prepare(await Api.ReadAsync<V1ConfigMap>(c), ns);
            if (string.IsNullOrEmpty(configMap.Metadata.Name) && !string.IsNullOrEmpty(configMap.Metadata.GenerateName))
            {
                configMap.Metadata.Name = configMap.Metadata.GenerateName + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()[..5];
            }

            Validation.ConfigMap(configMap);
            configMap.Metadata.Uid = Guid.NewGuid().ToString();
            configMap.Metadata.CreationTimestamp = DateTime.UtcNow;
            await Api.WriteAsync(c, store.AddConfigMap(configMap), 201);
        });
        app.MapGet(Collection, (HttpContext c, string ns) =>
        {
            Rbac.Authorize(Api.Identity(c), "list", string.Empty, "configmaps", null, ns, null);
            var selector = Selector.Parse(Api.Query(c, "labelSelector"), null);
            var (items, rv) = store.ListConfigMaps(ns);
            return Api.WriteAsync(c, new V1ConfigMapList
            {
                ApiVersion = "v1",
                Kind = "ConfigMapList",
                Metadata = new V1ListMeta { ResourceVersion = rv },
                Items = items.Where(m => selector.Matches(m.Metadata)).ToList(),
            });
        });
        app.MapGet(Collection + "/{name}", (HttpContext c, string ns, string name) =>
        {
            Rbac.Authorize(Api.Identity(c), "get", string.Empty, "configmaps", null, ns, name);
            return Api.WriteAsync(c, store.GetConfigMap(ns, name) ?? throw Statuses.NotFound("configmaps", name));
        });
        app.MapPut(Collection + "/{name}", async (HttpContext c, string ns, string name) =>
        {
            Rbac.Authorize(Api.Identity(c), "update", string.Empty, "configmaps", null, ns, name);
            var configMap = await Api.ReadAsync<V1ConfigMap>(c);
            if (configMap.Metadata?.NamespaceProperty is { Length: > 0 } bodyNs && bodyNs != ns)
            {
                throw Statuses.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            configMap = Prepare(configMap, ns);
            if (configMap.Metadata.Name != name)
            {
                throw Statuses.BadRequest($"the name of the object ({configMap.Metadata.Name}) does not match the name on the URL ({name})");
            }

            Validation.ConfigMap(configMap);
            await Api.WriteAsync(c, store.ReplaceConfigMap(configMap));
        });
        app.MapDelete(Collection + "/{name}", (HttpContext c, string ns, string name) =>
        {
            Rbac.Authorize(Api.Identity(c), "delete", string.Empty, "configmaps", null, ns, name);
            var removed = store.RemoveConfigMap(ns, name) ?? throw Statuses.NotFound("configmaps", name);
            return Api.WriteAsync(c, new V1Status
            {
                Kind = "Status",
                ApiVersion = "v1",
                Metadata = new V1ListMeta(),
                Status = "Success",
                Details = new V1StatusDetails { Name = name, Kind = "configmaps", Uid = removed.Metadata.Uid },
            });
        });
    }

    private static V1ConfigMap Prepare(V1ConfigMap configMap, string ns)
    {
        configMap.Metadata ??= new V1ObjectMeta();
        configMap.Metadata.NamespaceProperty = ns;
        configMap.ApiVersion = "v1";
        configMap.Kind = "ConfigMap";
        return configMap;
    }
}
