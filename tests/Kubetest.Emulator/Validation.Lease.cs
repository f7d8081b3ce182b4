using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>The API server's Lease and Event checks that a client can get wrong.</summary>
internal static partial class Validation
{
    public static void Lease(V1Lease lease)
    {
        var causes = new List<V1StatusCause>();
        ObjectName(lease.Metadata, causes);
        if (lease.Spec?.LeaseDurationSeconds is <= 0 and var duration)
        {
            causes.Add(Invalid("spec.leaseDurationSeconds", duration.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be greater than 0"));
        }

        if (lease.Spec?.LeaseTransitions is < 0 and var transitions)
        {
            causes.Add(Invalid("spec.leaseTransitions", transitions.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be greater than or equal to 0"));
        }

        Throw(causes, "Lease", lease.Metadata, "coordination.k8s.io");
    }

    public static void Event(Corev1Event e)
    {
        var causes = new List<V1StatusCause>();
        ObjectName(e.Metadata, causes);
        if (e.InvolvedObject?.NamespaceProperty is { Length: > 0 } involved && involved != e.Metadata.NamespaceProperty)
        {
            causes.Add(Invalid("involvedObject.namespace", involved, "does not match event.namespace"));
        }

        Throw(causes, "Event", e.Metadata, null);
    }

    private static void Throw(List<V1StatusCause> causes, string kind, V1ObjectMeta? metadata, string? group)
    {
        if (causes.Count > 0)
        {
            throw Statuses.Invalid(kind, metadata?.Name ?? metadata?.GenerateName ?? string.Empty, causes, group);
        }
    }
}
