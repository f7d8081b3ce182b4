using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>What clients read before anything else to learn which resources exist (legacy discovery; aggregated discovery is declined by answering plain lists).</summary>
internal static class Discovery
{
    public static void Map(IEndpointRouteBuilder app, Store store)
    {
        app.MapGet("/version", (HttpContext c) => Api.WriteAsync(c, new VersionInfo
        {
            Major = "1",
            Minor = "32",
            GitVersion = "v1.32.0-kubetest-emulator",
            GitCommit = "0000000000000000000000000000000000000000",
            GitTreeState = "clean",
            BuildDate = "2026-01-01T00:00:00Z",
            GoVersion = "go1.23",
            Compiler = "gc",
            Platform = "linux/amd64",
        }));
        app.MapGet("/api", (HttpContext c) => Api.WriteAsync(c, new V1APIVersions
        {
            Kind = "APIVersions",
            Versions = ["v1"],
            ServerAddressByClientCIDRs = [new V1ServerAddressByClientCIDR { ClientCIDR = "0.0.0.0/0", ServerAddress = c.Request.Host.Value ?? "127.0.0.1" }],
        }));
        app.MapGet("/apis", (HttpContext c) => Api.WriteAsync(c, new V1APIGroupList
        {
            Kind = "APIGroupList",
            ApiVersion = "v1",
            Groups = [Group("batch"), Group("coordination.k8s.io"), Group(Crd.ApiGroup), .. CustomGroups(store).Select(g => Group(g.Key, [.. g.Value]))],
        }));
        app.MapGet("/api/v1", (HttpContext c) => Api.WriteAsync(c, new V1APIResourceList
        {
            Kind = "APIResourceList",
            GroupVersion = "v1",
            Resources =
            [
                Resource("configmaps", "configmap", "ConfigMap", ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], ["cm"]),
                Resource("events", "event", "Event", ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], ["ev"]),
                Resource("pods", "pod", "Pod", ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], ["po"], ["all"]),
                Resource("pods/exec", string.Empty, "PodExecOptions", ["create", "get"]),
                Resource("pods/log", string.Empty, "Pod", ["get"]),
                Resource("pods/status", string.Empty, "Pod", ["get", "patch", "update"]),
                Resource("secrets", "secret", "Secret", ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]),
            ],
        }));
        app.MapGet("/apis/batch", (HttpContext c) => Api.WriteAsync(c, Group("batch")));
        app.MapGet("/apis/coordination.k8s.io", (HttpContext c) => Api.WriteAsync(c, Group("coordination.k8s.io")));
        app.MapGet("/apis/batch/v1", (HttpContext c) => Api.WriteAsync(c, new V1APIResourceList
        {
            Kind = "APIResourceList",
            ApiVersion = "v1",
            GroupVersion = "batch/v1",
            Resources =
            [
                Resource("jobs", "job", "Job", ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], null, ["all"]),
                Resource("jobs/status", string.Empty, "Job", ["get", "patch", "update"]),
            ],
        }));
        app.MapGet("/apis/" + Crd.ApiGroup, (HttpContext c) => Api.WriteAsync(c, Group(Crd.ApiGroup)));
        app.MapGet("/apis/" + Crd.ApiGroup + "/v1", (HttpContext c) => Api.WriteAsync(c, new V1APIResourceList
        {
            Kind = "APIResourceList",
            ApiVersion = "v1",
            GroupVersion = Crd.ApiGroup + "/v1",
            Resources =
            [
                Cluster(Resource("customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition", ["create", "delete", "get", "list"], ["crd", "crds"], ["api-extensions"])),
                Cluster(Resource("customresourcedefinitions/status", string.Empty, "CustomResourceDefinition", ["get"])),
            ],
        }));
        app.MapGet("/apis/{group}", (HttpContext c, string group) =>
            Api.WriteAsync(c, CustomGroups(store).TryGetValue(group, out var versions) ? Group(group, [.. versions]) : NotFound()));
        app.MapGet("/apis/{group}/{version}", (HttpContext c, string group, string version) =>
        {
            var crds = store.Custom.Crds().Items.Where(crd => crd.Group == group && crd.Served(version) is not null).ToList();
            if (crds.Count == 0)
            {
                throw new StatusException(NotFound());
            }

            return Api.WriteAsync(c, new V1APIResourceList
            {
                Kind = "APIResourceList",
                ApiVersion = "v1",
                GroupVersion = group + "/" + version,
                Resources = [.. crds.SelectMany(crd => CustomResources(crd, crd.Served(version)!))],
            });
        });
        app.MapGet("/apis/coordination.k8s.io/v1", (HttpContext c) => Api.WriteAsync(c, new V1APIResourceList
        {
            Kind = "APIResourceList",
            ApiVersion = "v1",
            GroupVersion = "coordination.k8s.io/v1",
            Resources = [Resource("leases", "lease", "Lease", ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"])],
        }));
    }

    private static V1APIGroup Group(string name, IReadOnlyList<string>? versions = null)
    {
        var list = (versions ?? ["v1"]).Select(v => new V1GroupVersionForDiscovery { GroupVersion = name + "/" + v, Version = v }).ToList();
        return new V1APIGroup { Kind = "APIGroup", ApiVersion = "v1", Name = name, Versions = list, PreferredVersion = list[0] };
    }

    private static V1Status NotFound() => Statuses.Failure(404, "NotFound", "the server could not find the requested resource");

    /// <summary>The groups of the stored CRDs, each with its served versions.</summary>
    private static Dictionary<string, List<string>> CustomGroups(Store store) =>
        store.Custom.Crds().Items.GroupBy(crd => crd.Group).ToDictionary(
            g => g.Key,
            g => g.SelectMany(crd => crd.Versions.Where(v => v.Served).Select(v => v.Name)).Distinct().ToList(),
            StringComparer.Ordinal);

    private static IEnumerable<V1APIResource> CustomResources(Crd crd, CrdVersion version)
    {
        var main = Resource(crd.Plural, crd.Singular, crd.Kind, ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"], [.. crd.ShortNames], [.. crd.Categories]);
        main.Namespaced = crd.Namespaced;
        yield return main;
        if (version.StatusSubresource)
        {
            var status = Resource(crd.Plural + "/status", string.Empty, crd.Kind, ["get", "patch", "update"]);
            status.Namespaced = crd.Namespaced;
            yield return status;
        }
    }

    private static V1APIResource Cluster(V1APIResource resource)
    {
        resource.Namespaced = false;
        return resource;
    }

    private static V1APIResource Resource(string name, string singular, string kind, string[] verbs, string[]? shortNames = null, string[]? categories = null) => new()
    {
        Name = name,
        SingularName = singular,
        Namespaced = true,
        Kind = kind,
        Verbs = verbs,
        ShortNames = shortNames,
        Categories = categories,
    };
}
