using k8s.Models;

namespace Kubetest.Emulator;

internal static class Pods
{
    public static void Map(IEndpointRouteBuilder app, Store store, JobController controller, EmulatorOptions options)
    {
        const string Collection = "/api/v1/namespaces/{ns}/pods";
        app.MapGet(Collection, (HttpContext c, string ns) =>
        {
            var selector = Selector.Parse(Api.Query(c, "labelSelector"), Api.Query(c, "fieldSelector"));
            if (Api.QueryFlag(c, "watch"))
            {
                Rbac.Authorize(Api.Identity(c), "watch", string.Empty, "pods", null, ns, null);
                return Watch.ServeAsync(c, store, ns, selector, options.Faults);
            }

            Rbac.Authorize(Api.Identity(c), "list", string.Empty, "pods", null, ns, null);
            var (items, rv) = store.ListPods(ns);
            var list = new V1PodList
            {
                ApiVersion = "v1",
                Kind = "PodList",
                Metadata = new V1ListMeta { ResourceVersion = rv.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                Items = items.Where(selector.Matches).OrderBy(p => p.Name(), StringComparer.Ordinal).ToList(),
            };
            return PodTable.Wanted(c) ? Api.WriteAsync(c, PodTable.Render(list)) : Api.WriteAsync(c, list);
        });
        app.MapGet(Collection + "/{name}", (HttpContext c, string ns, string name) =>
        {
            Rbac.Authorize(Api.Identity(c), "get", string.Empty, "pods", null, ns, name);
            var pod = store.GetPod(ns, name) ?? throw Statuses.NotFound("pods", name);
            if (PodTable.Wanted(c))
            {
                return Api.WriteAsync(c, PodTable.Render(new V1PodList { Metadata = new V1ListMeta { ResourceVersion = pod.ResourceVersion() }, Items = [pod] }));
            }

            return Api.WriteAsync(c, pod);
        });
        app.MapDelete(Collection + "/{name}", async (HttpContext c, string ns, string name) =>
        {
            Rbac.Authorize(Api.Identity(c), "delete", string.Empty, "pods", null, ns, name);
            var body = await Api.ReadOptionalAsync<V1DeleteOptions>(c);
            var grace = body?.GracePeriodSeconds
                ?? (long.TryParse(Api.Query(c, "gracePeriodSeconds"), out var g) ? g : null);
            await Api.WriteAsync(c, await controller.DeletePodAsync(ns, name, grace));
        });
    }
}
