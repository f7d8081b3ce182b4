using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>What clients read before anything else to learn which resources exist (legacy discovery; aggregated discovery is declined by answering plain lists).</summary>
internal static class Discovery
{
    public static void Map(IEndpointRouteBuilder app)
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
            Groups = [Group("batch"), Group("coordination.k8s.io")],
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
        app.MapGet("/apis/coordination.k8s.io/v1", (HttpContext c) => Api.WriteAsync(c, new V1APIResourceList
        {
            Kind = "APIResourceList",
            ApiVersion = "v1",
            GroupVersion = "coordination.k8s.io/v1",
            Resources = [Resource("leases", "lease", "Lease", ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"])],
        }));
    }

    private static V1APIGroup Group(string name)
    {
        var version = new V1GroupVersionForDiscovery { GroupVersion = name + "/v1", Version = "v1" };
        return new V1APIGroup { Kind = "APIGroup", ApiVersion = "v1", Name = name, Versions = [version], PreferredVersion = version };
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
