using k8s;
using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>How one simple namespaced resource is served: where, under which names, checked how, listed as what.</summary>
internal sealed record ResourceApi<T>(
    string GroupVersion,
    string Resource,
    string Kind,
    Store.Objects<T> Objects,
    Action<T> Validate,
    Func<List<T>, V1ListMeta, object> ToList,
    Func<string, Func<T, string?>?> Fields)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public string Group => GroupVersion.Contains('/', StringComparison.Ordinal) ? GroupVersion[..GroupVersion.IndexOf('/', StringComparison.Ordinal)] : string.Empty;

    public string Collection => (Group.Length == 0 ? "/api/" : "/apis/") + GroupVersion + "/namespaces/{ns}/" + Resource;
}

/// <summary>create (generateName too), get, list (label and field selectors), replace (resourceVersion conflicts) and delete, as the API server serves them.</summary>
internal static class NamespacedResource
{
    public static void Map<T>(IEndpointRouteBuilder app, ResourceApi<T> api)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        app.MapPost(api.Collection, async (HttpContext c, string ns) =>
        {
            Authorize(c, api, "create", ns, null);
            var item = Prepare(api, await Api.ReadAsync<T>(c), ns);
            if (string.IsNullOrEmpty(item.Metadata.Name) && !string.IsNullOrEmpty(item.Metadata.GenerateName))
            {
                item.Metadata.Name = item.Metadata.GenerateName + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()[..5];
            }

            api.Validate(item);
            item.Metadata.Uid = Guid.NewGuid().ToString();
            item.Metadata.CreationTimestamp = DateTime.UtcNow;
            await Api.WriteAsync(c, api.Objects.Add(item), 201);
        });
        app.MapGet(api.Collection, (HttpContext c, string ns) =>
        {
            Authorize(c, api, "list", ns, null);
            var labels = Selector.Parse(Api.Query(c, "labelSelector"), null);
            var fields = Selector.Fields(Api.Query(c, "fieldSelector"), api.Fields);
            var (items, rv) = api.Objects.List(ns);
            return Api.WriteAsync(c, api.ToList(items.Where(i => labels.Matches(i.Metadata) && fields(i)).ToList(), new V1ListMeta { ResourceVersion = rv }));
        });
        app.MapGet(api.Collection + "/{name}", (HttpContext c, string ns, string name) =>
        {
            Authorize(c, api, "get", ns, name);
            return Api.WriteAsync(c, api.Objects.Get(ns, name) ?? throw Statuses.NotFound(api.Resource, name, api.Group));
        });
        app.MapPut(api.Collection + "/{name}", async (HttpContext c, string ns, string name) =>
        {
            Authorize(c, api, "update", ns, name);
            var item = await Api.ReadAsync<T>(c);
            if (item.Metadata?.NamespaceProperty is { Length: > 0 } bodyNs && bodyNs != ns)
            {
                throw Statuses.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            item = Prepare(api, item, ns);
            if (item.Metadata.Name != name)
            {
                throw Statuses.BadRequest($"the name of the object ({item.Metadata.Name}) does not match the name on the URL ({name})");
            }

            api.Validate(item);
            await Api.WriteAsync(c, api.Objects.Replace(item));
        });
        app.MapDelete(api.Collection + "/{name}", (HttpContext c, string ns, string name) =>
        {
            Authorize(c, api, "delete", ns, name);
            var removed = api.Objects.Remove(ns, name) ?? throw Statuses.NotFound(api.Resource, name, api.Group);
            return Api.WriteAsync(c, new V1Status
            {
                Kind = "Status",
                ApiVersion = "v1",
                Metadata = new V1ListMeta(),
                Status = "Success",
                Details = new V1StatusDetails { Name = name, Group = api.Group.Length == 0 ? null : api.Group, Kind = api.Resource, Uid = removed.Metadata.Uid },
            });
        });
    }

    private static void Authorize<T>(HttpContext c, ResourceApi<T> api, string verb, string ns, string? name)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        Rbac.Authorize(Api.Identity(c), verb, api.Group, api.Resource, null, ns, name);

    private static T Prepare<T>(ResourceApi<T> api, T item, string ns)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        item.Metadata ??= new V1ObjectMeta();
        item.Metadata.NamespaceProperty = ns;
        item.ApiVersion = api.GroupVersion;
        item.Kind = api.Kind;
        return item;
    }
}
