using System.Text.Json.Nodes;
using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>apiextensions.k8s.io/v1 customresourcedefinitions (cluster-scoped): create, get, list, delete (with every resource of it).</summary>
internal static class Crds
{
    private const string Collection = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
    private const string Resource = "customresourcedefinitions";

    // A CRD is read without a depth limit (the reader does not recurse) so that a too deep schema is a 422 naming it;
    // the rest of it must then be shallow enough to be written back out.
    private const int MaxCrdDepth = 1_000_000;
    private const int MaxStoredDepth = (2 * Schema.MaxDepth) + 16;

    public static void Map(IEndpointRouteBuilder app, Store store)
    {
        app.MapPost(Collection, async (HttpContext c) =>
        {
            Authorize(c, "create", null);
            var body = await CustomResources.ReadBytesAsync(c);
            await Api.WriteAsync(c, Create(store, body).Json, 201);
        });
        app.MapGet(Collection, (HttpContext c) =>
        {
            Authorize(c, Api.QueryFlag(c, "watch") ? "watch" : "list", null);
            if (Api.QueryFlag(c, "watch"))
            {
                throw Statuses.MethodNotAllowed("the emulator does not watch customresourcedefinitions");
            }

            var labels = Selector.Parse(Api.Query(c, "labelSelector"), null);
            var fields = Selector.Fields<Crd>(Api.Query(c, "fieldSelector"), f => f == "metadata.name" ? crd => crd.Name : null);
            var (items, rv) = store.Custom.Crds();
            var list = new JsonObject
            {
                ["kind"] = "CustomResourceDefinitionList",
                ["apiVersion"] = Crd.ApiGroup + "/v1",
                ["metadata"] = new JsonObject { ["resourceVersion"] = rv },
                ["items"] = new JsonArray([.. items.Where(i => fields(i) && labels.Matches(Meta(i))).Select(i => i.Json.DeepClone())]),
            };
            return Api.WriteAsync(c, list);
        });
        app.MapGet(Collection + "/{name}", (HttpContext c, string name) =>
        {
            Authorize(c, "get", name);
            return Api.WriteAsync(c, (store.Custom.Crd(name) ?? throw Statuses.NotFound(Resource, name, Crd.ApiGroup)).Json);
        });
        app.MapDelete(Collection + "/{name}", (HttpContext c, string name) =>
        {
            Authorize(c, "delete", name);
            var removed = store.Custom.RemoveCrd(name) ?? throw Statuses.NotFound(Resource, name, Crd.ApiGroup);
            return Api.WriteAsync(c, removed.Json);
        });
    }

    /// <summary>Checks, establishes and stores a CRD from its JSON body (what kubectl apply sends, or a test as admin).</summary>
    public static Crd Create(Store store, byte[] body)
    {
        if (CustomResources.Parse(body, MaxCrdDepth) is not JsonObject json)
        {
            throw Statuses.BadRequest("the body of the request is not a JSON object");
        }

        if (json["apiVersion"]?.ToString() is { } apiVersion && apiVersion != Crd.ApiGroup + "/v1")
        {
            throw Statuses.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({Crd.ApiGroup}/v1)");
        }

        var crd = Crd.Parse(json);
        if (!CustomResources.Shallow(body, MaxStoredDepth))
        {
            throw CustomResources.Invalid("CustomResourceDefinition", Crd.ApiGroup, crd.Name, [new V1StatusCause { Reason = "FieldValueForbidden", Field = "spec", Message = $"Forbidden: nests deeper than {MaxStoredDepth} levels" }]);
        }

        ((JsonObject)json["metadata"]!).Remove("resourceVersion");
        return store.Custom.AddCrd(crd);
    }

    private static V1ObjectMeta Meta(Crd crd) => new()
    {
        Name = crd.Name,
        Labels = crd.Json["metadata"]?["labels"] is JsonObject labels ? labels.ToDictionary(l => l.Key, l => l.Value?.ToString() ?? string.Empty) : null,
    };

    private static void Authorize(HttpContext c, string verb, string? name) =>
        Rbac.Authorize(Api.Identity(c), verb, Crd.ApiGroup, Resource, null, null, name);
}
