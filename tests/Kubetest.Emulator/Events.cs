using k8s.Models;

namespace Kubetest.Emulator;

/// <summary>core/v1 events: create, get, list (by involvedObject fields, as kubectl describe asks), replace, delete; a bounded number per namespace.</summary>
internal static class Events
{
    public static void Map(IEndpointRouteBuilder app, Store store) => NamespacedResource.Map(app, new ResourceApi<Corev1Event>(
        "v1",
        "events",
        "Event",
        store.Events,
        Validation.Event,
        (items, meta) => new Corev1EventList { ApiVersion = "v1", Kind = "EventList", Metadata = meta, Items = items },
        Field));

    // The field selectors the API server supports on events.
    private static Func<Corev1Event, string?>? Field(string field) => field switch
    {
        "involvedObject.kind" => e => e.InvolvedObject?.Kind,
        "involvedObject.namespace" => e => e.InvolvedObject?.NamespaceProperty,
        "involvedObject.name" => e => e.InvolvedObject?.Name,
        "involvedObject.uid" => e => e.InvolvedObject?.Uid,
        "involvedObject.apiVersion" => e => e.InvolvedObject?.ApiVersion,
        "involvedObject.resourceVersion" => e => e.InvolvedObject?.ResourceVersion,
        "involvedObject.fieldPath" => e => e.InvolvedObject?.FieldPath,
        "reason" => e => e.Reason,
        "reportingComponent" => e => e.ReportingComponent,
        "source" => e => e.Source?.Component,
        "type" => e => e.Type,
        _ => Selector.MetadataField<Corev1Event>(field),
    };
}
