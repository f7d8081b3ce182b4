using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>Who a bearer token stands for, and what they may do.</summary>
internal sealed record Identity(string Name, string UserName, string Token, IReadOnlyList<PolicyRule>? Rules, ISet<string>? Revoked = null)
{
    public bool Allows(string verb, string group, string resource) =>
        Rules is null || (Rules.Any(r => r.Groups.Contains(group) && r.Resources.Contains(resource) && r.Verbs.Contains(verb)) && !IsRevoked(verb, resource));

    private bool IsRevoked(string verb, string resource)
    {
        if (Revoked is null)
        {
            return false;
        }

        lock (Revoked)
        {
            return Revoked.Contains(verb + " " + resource);
        }
    }
}

internal sealed record PolicyRule(string[] Groups, string[] Resources, string[] Verbs);

/// <summary>The identities the emulator knows: an admin, the service account bound to the Role of deploy/rbac.yaml, and the controller's of deploy/controller/role.yaml.</summary>
internal static class Rbac
{
    // The rules of deploy/rbac.yaml, verbatim: what the kubetest service account may do in a cluster.
    public static readonly IReadOnlyList<PolicyRule> KubetestRole =
    [
        new(["batch"], ["jobs"], ["create", "delete", "list"]),
        new([""], ["pods"], ["get", "list", "watch", "delete"]),
        new([""], ["pods/log"], ["get", "watch"]),
        new([""], ["pods/exec"], ["create"]),
        new([""], ["secrets"], ["get"]),
        new([""], ["configmaps"], ["get", "create", "update"]),
    ];

    // The rules of deploy/controller/role.yaml, verbatim: what the kubetest-controller service account may do.
    public static readonly IReadOnlyList<PolicyRule> ControllerRole =
    [
        new(["kubetest.io"], ["testjobs"], ["get", "list", "watch", "update"]),
        new(["kubetest.io"], ["testjobs/status"], ["patch"]),
        new(["batch"], ["jobs"], ["create", "delete", "list"]),
        new([""], ["pods"], ["list", "watch", "delete"]),
        new([""], ["pods/exec"], ["create"]),
        new([""], ["secrets"], ["get"]),
        new([""], ["configmaps"], ["get", "create", "update"]),
        new([""], ["events"], ["create"]),
        new(["coordination.k8s.io"], ["leases"], ["get", "create", "update"]),
    ];

    /// <param name="revoked">Live: what the kubetest and controller identities may no longer do, as "verb resource".</param>
    public static Identity[] CreateIdentities(ISet<string> revoked) =>
    [
        new("admin", "kubernetes-admin", NewToken(), null),
        new("kubetest", "system:serviceaccount:default:kubetest", NewToken(), KubetestRole, revoked),
        new("controller", "system:serviceaccount:default:kubetest-controller", NewToken(), ControllerRole, revoked),
    ];

    private static string NewToken() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();

    /// <summary>Throws the API server's 403 when <paramref name="identity"/> may not do this.</summary>
    public static void Authorize(Identity identity, string verb, string group, string resource, string? subresource, string? ns, string? name)
    {
        var full = subresource is null ? resource : resource + "/" + subresource;
        if (identity.Allows(verb, group, full))
        {
            return;
        }

        var subject = name is null ? Statuses.Qualified(full, group) : $"{Statuses.Qualified(full, group)} \"{name}\"";
        var message = $"{subject} is forbidden: User \"{identity.UserName}\" cannot {verb} resource \"{resource}\""
            + (subresource is null ? string.Empty : $" with subresource \"{subresource}\"")
            + $" in API group \"{group}\""
            + (ns is null ? " at the cluster scope" : $" in the namespace \"{ns}\"");
        throw new StatusException(Statuses.Failure(403, "Forbidden", message, new V1StatusDetails { Name = name, Group = group, Kind = resource }));
    }
}
