using k8s.Models;

namespace Kubetest.Emulator;

internal static class Jobs
{
    public static void Map(IEndpointRouteBuilder app, Store store, JobController controller)
    {
        const string Collection = "/apis/batch/v1/namespaces/{ns}/jobs";
        app.MapPost(Collection, async (HttpContext c, string ns) =>
        {
            Rbac.Authorize(Api.Identity(c), "create", "batch", "jobs", null, ns, null);
            var job = await Api.ReadAsync<V1Job>(c);
            await Api.WriteAsync(c, controller.Create(ns, job), 201);
        });
        app.MapGet(Collection, (HttpContext c, string ns) =>
        {
            Rbac.Authorize(Api.Identity(c), "list", "batch", "jobs", null, ns, null);
            var selector = Selector.Parse(Api.Query(c, "labelSelector"), null);
            var (items, rv) = store.ListJobs(ns);
            return Api.WriteAsync(c, new V1JobList
            {
                ApiVersion = "batch/v1",
                Kind = "JobList",
                Metadata = new V1ListMeta { ResourceVersion = rv },
                Items = items.Where(j => selector.Matches(j.Metadata)).ToList(),
            });
        });
        app.MapGet(Collection + "/{name}", (HttpContext c, string ns, string name) =>
        {
            Rbac.Authorize(Api.Identity(c), "get", "batch", "jobs", null, ns, name);
            return Api.WriteAsync(c, store.GetJob(ns, name) ?? throw Statuses.NotFound("jobs", name, "batch"));
        });
        app.MapDelete(Collection + "/{name}", async (HttpContext c, string ns, string name) =>
        {
            Rbac.Authorize(Api.Identity(c), "delete", "batch", "jobs", null, ns, name);
            var options = await Api.ReadOptionalAsync<V1DeleteOptions>(c);
            var orphanDependents = options?.OrphanDependents ?? (bool.TryParse(Api.Query(c, "orphanDependents"), out var o) ? o : null);
            var policy = options?.PropagationPolicy ?? Api.Query(c, "propagationPolicy")
                ?? (orphanDependents is { } orphan ? (orphan ? "Orphan" : "Background") : null);
            var job = await controller.DeleteAsync(ns, name, policy);
            await Api.WriteAsync(c, new V1Status
            {
                Kind = "Status",
                ApiVersion = "v1",
                Metadata = new V1ListMeta(),
                Status = "Success",
                Details = new V1StatusDetails { Name = name, Group = "batch", Kind = "jobs", Uid = job.Metadata.Uid },
            });
        });
    }
}
