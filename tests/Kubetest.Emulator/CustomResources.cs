using System.Text.Json.Nodes;
using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>
/// The resources of every stored CRD (namespaced scope): create, get, list, watch (also across namespaces), replace,
/// merge and JSON patch, delete with finalizers, and the status subresource, checked against the CRD's schema.
/// </summary>
internal static partial class CustomResources
{
    private const string Namespaced = "/apis/{group}/{version}/namespaces/{ns}/{plural}";

    public static void Map(IEndpointRouteBuilder app, Store store, FaultOptions faults)
    {
        app.MapGet("/apis/{group}/{version}/{plural}", (HttpContext c, string group, string version, string plural) =>
            ListOrWatch(c, store, faults, Resolve(store, group, version, plural), null));
        app.MapGet(Namespaced, (HttpContext c, string group, string version, string ns, string plural) =>
            ListOrWatch(c, store, faults, Resolve(store, group, version, plural), ns));
        app.MapPost(Namespaced, async (HttpContext c, string group, string version, string ns, string plural) =>
        {
            var (crd, served) = Resolve(store, group, version, plural);
            Authorize(c, crd, "create", null, ns, null);
            var item = Prepare(crd, served, await ReadObjectAsync(c), ns);
            await Api.WriteAsync(c, store.Custom.Add(crd, Created(crd, served, item)), 201);
        });
        app.MapGet(Namespaced + "/{name}", (HttpContext c, string group, string version, string ns, string plural, string name) =>
            Get(c, store, Resolve(store, group, version, plural), ns, name, null));
        app.MapGet(Namespaced + "/{name}/status", (HttpContext c, string group, string version, string ns, string plural, string name) =>
            Get(c, store, Resolve(store, group, version, plural, status: true), ns, name, "status"));
        app.MapPut(Namespaced + "/{name}", (HttpContext c, string group, string version, string ns, string plural, string name) =>
            ReplaceAsync(c, store, Resolve(store, group, version, plural), ns, name, status: false));
        app.MapPut(Namespaced + "/{name}/status", (HttpContext c, string group, string version, string ns, string plural, string name) =>
            ReplaceAsync(c, store, Resolve(store, group, version, plural, status: true), ns, name, status: true));
        app.MapPatch(Namespaced + "/{name}", (HttpContext c, string group, string version, string ns, string plural, string name) =>
            PatchAsync(c, store, Resolve(store, group, version, plural), ns, name, status: false));
        app.MapPatch(Namespaced + "/{name}/status", (HttpContext c, string group, string version, string ns, string plural, string name) =>
            PatchAsync(c, store, Resolve(store, group, version, plural, status: true), ns, name, status: true));
        app.MapDelete(Namespaced + "/{name}", (HttpContext c, string group, string version, string ns, string plural, string name) =>
        {
            var (crd, _) = Resolve(store, group, version, plural);
            Authorize(c, crd, "delete", null, ns, name);
            var (item, removed) = store.Custom.Delete(crd, ns, name);
            if (!removed)
            {
                return Api.WriteAsync(c, item);
            }

            return Api.WriteAsync(c, new V1Status
            {
                Kind = "Status",
                ApiVersion = "v1",
                Metadata = new V1ListMeta(),
                Status = "Success",
                Details = new V1StatusDetails { Name = name, Group = crd.Group, Kind = crd.Plural, Uid = Store.CustomObjects.Meta(item, "uid") },
            });
        });
    }

    private static (Crd Crd, CrdVersion Version) Resolve(Store store, string group, string version, string plural, bool status = false) =>
        store.Custom.Crd(group, plural) is { Namespaced: true } crd && crd.Served(version) is { } served && (!status || served.StatusSubresource)
            ? (crd, served)
            : throw NoSuchResource();

    private static void Authorize(HttpContext c, Crd crd, string verb, string? subresource, string? ns, string? name) =>
        Rbac.Authorize(Api.Identity(c), verb, crd.Group, crd.Plural, subresource, ns, name);

    private static Task ListOrWatch(HttpContext c, Store store, FaultOptions faults, (Crd Crd, CrdVersion Version) resolved, string? ns)
    {
        var (crd, served) = resolved;
        var labels = Selector.Parse(Api.Query(c, "labelSelector"), null);
        var fields = Selector.Fields<JsonObject>(Api.Query(c, "fieldSelector"), Field);
        bool Matches(JsonObject item) => (ns is null || Store.CustomObjects.Meta(item, "namespace") == ns) && labels.Matches(Metadata(item)) && fields(item);
        if (Api.QueryFlag(c, "watch"))
        {
            Authorize(c, crd, "watch", null, ns, null);
            return Watch.ServeAsync<ObjectEvent>(c, store.Custom, (e, table) => e.Crd == crd.Name && Matches(e.Object)
                ? (e.Type, table ? CrdTable.Render(served, [e.Object], e.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)) : e.Object)
                : null, faults);
        }

        Authorize(c, crd, "list", null, ns, null);
        var (items, rv) = store.Custom.List(crd, ns);
        items = items.Where(Matches).ToList();
        if (PodTable.Wanted(c))
        {
            return Api.WriteAsync(c, CrdTable.Render(served, items, rv));
        }

        return Api.WriteAsync(c, new JsonObject
        {
            ["apiVersion"] = crd.Group + "/" + served.Name,
            ["kind"] = crd.ListKind,
            ["metadata"] = new JsonObject { ["resourceVersion"] = rv },
            ["items"] = new JsonArray([.. items]),
        });
    }

    private static Task Get(HttpContext c, Store store, (Crd Crd, CrdVersion Version) resolved, string ns, string name, string? subresource)
    {
        var (crd, served) = resolved;
        Authorize(c, crd, "get", subresource, ns, name);
        var item = store.Custom.Get(crd, ns, name) ?? throw Statuses.NotFound(crd.Plural, name, crd.Group);
        return PodTable.Wanted(c) ? Api.WriteAsync(c, CrdTable.Render(served, [item], Store.CustomObjects.Meta(item, "resourceVersion"))) : Api.WriteAsync(c, item);
    }

    private static async Task ReplaceAsync(HttpContext c, Store store, (Crd Crd, CrdVersion Version) resolved, string ns, string name, bool status)
    {
        var (crd, served) = resolved;
        Authorize(c, crd, "update", status ? "status" : null, ns, name);
        var body = Prepare(crd, served, await ReadObjectAsync(c), ns);
        await Api.WriteAsync(c, store.Custom.Update(crd, ns, name, stored => Updated(crd, served, stored, body, name, status, requireVersion: true)));
    }

    private static async Task PatchAsync(HttpContext c, Store store, (Crd Crd, CrdVersion Version) resolved, string ns, string name, bool status)
    {
        var (crd, served) = resolved;
        Authorize(c, crd, "patch", status ? "status" : null, ns, name);
        var type = c.Request.ContentType?.Split(';')[0].Trim() ?? string.Empty;
        if (type is not (JsonPatches.Merge or JsonPatches.Json))
        {
            // As the API server: strategic merge patch needs a Go type, which custom resources do not have.
            throw new StatusException(Statuses.Failure(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: {JsonPatches.Json}, {JsonPatches.Merge}, application/apply-patch+yaml"));
        }

        var patch = await ReadAsync(c);
        await Api.WriteAsync(c, store.Custom.Update(crd, ns, name, stored =>
        {
            var patched = type == JsonPatches.Merge ? JsonPatches.ApplyMerge(stored.DeepClone(), patch) : JsonPatches.ApplyJson(stored.DeepClone(), patch);
            if (patched is not JsonObject result)
            {
                throw Statuses.BadRequest("the patched object is not a JSON object");
            }

            CheckBounds(result);
            return Updated(crd, served, stored, Prepare(crd, served, result, ns), name, status, requireVersion: false);
        }));
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext c) =>
        await ReadAsync(c) as JsonObject ?? throw Statuses.BadRequest("the body of the request is not a JSON object");

    private static V1ObjectMeta Metadata(JsonObject item) => new()
    {
        Name = Store.CustomObjects.Meta(item, "name"),
        Labels = item["metadata"]?["labels"] is JsonObject labels ? labels.ToDictionary(l => l.Key, l => l.Value?.ToString() ?? string.Empty) : null,
    };

    private static Func<JsonObject, string?>? Field(string field) => field switch
    {
        "metadata.name" => i => Store.CustomObjects.Meta(i, "name"),
        "metadata.namespace" => i => Store.CustomObjects.Meta(i, "namespace"),
        _ => null,
    };
}
