using System.Net;
using k8s;
using k8s.Models;
using Kubetest.Emulator;

namespace Kubetest.Emulator.Tests;

/// <summary>core/v1 events as a controller records them and kubectl describe reads them: create, get, list by involvedObject, delete, a cap per namespace.</summary>
public class EventTests : EmulatorTestBase
{
    public EventTests()
        : base(new EmulatorOptions { EventsPerNamespace = 5 })
    {
    }

    [Fact]
    public async Task Events_listed_by_involved_object_name_and_kind_are_only_that_objects()
    {
        using var controller = ClientAs("controller");
        await controller.CoreV1.CreateNamespacedEventAsync(Event("run-a.1", "TestJob", "run-a", "Started"), Ns);
        await controller.CoreV1.CreateNamespacedEventAsync(Event("run-a.2", "TestJob", "run-a", "KeyFailed"), Ns);
        await controller.CoreV1.CreateNamespacedEventAsync(Event("run-b.1", "TestJob", "run-b", "Started"), Ns);
        await controller.CoreV1.CreateNamespacedEventAsync(Event("run-a.3", "Pod", "run-a", "Scheduled"), Ns);

        // The controller only records events; reading them back is kubectl describe's (here the admin's).
        var runA = await Admin.CoreV1.ListNamespacedEventAsync(Ns, fieldSelector: "involvedObject.name=run-a,involvedObject.kind=TestJob,involvedObject.namespace=default");
        var notStarted = await Admin.CoreV1.ListNamespacedEventAsync(Ns, fieldSelector: "reason!=Started");

        Assert.Equal(["run-a.1", "run-a.2"], runA.Items.Select(e => e.Metadata.Name));
        Assert.Equal(["run-a.2", "run-a.3"], notStarted.Items.Select(e => e.Metadata.Name));
    }

    [Fact]
    public async Task An_event_reads_back_and_is_gone_after_delete()
    {
        using var controller = ClientAs("controller");
        var created = await controller.CoreV1.CreateNamespacedEventAsync(Event("run-a.1", "TestJob", "run-a", "Started"), Ns);

        var read = await Admin.CoreV1.ReadNamespacedEventAsync("run-a.1", Ns);
        await Admin.CoreV1.DeleteNamespacedEventAsync("run-a.1", Ns);

        Assert.Equal(("v1", "Event", "Started", "Normal"), (read.ApiVersion, read.Kind, read.Reason, read.Type));
        Assert.Equal(("TestJob", "run-a"), (read.InvolvedObject.Kind, read.InvolvedObject.Name));
        Assert.Equal(created.Metadata.Uid, read.Metadata.Uid);
        await FailsAsync(() => Admin.CoreV1.ReadNamespacedEventAsync("run-a.1", Ns), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Beyond_the_cap_per_namespace_the_oldest_events_are_dropped_and_the_newest_kept()
    {
        for (var i = 1; i <= 8; i++)
        {
            await Admin.CoreV1.CreateNamespacedEventAsync(Event($"run-a.{i}", "TestJob", "run-a", "KeyFailed"), Ns);
        }

        var other = Event("other.1", "TestJob", "other", "Started");
        other.InvolvedObject.NamespaceProperty = "other";
        await Admin.CoreV1.CreateNamespacedEventAsync(other, "other");

        var kept = await Admin.CoreV1.ListNamespacedEventAsync(Ns);

        Assert.Equal(["run-a.4", "run-a.5", "run-a.6", "run-a.7", "run-a.8"], kept.Items.Select(e => e.Metadata.Name));
        Assert.Single((await Admin.CoreV1.ListNamespacedEventAsync("other")).Items);
        await FailsAsync(() => Admin.CoreV1.ReadNamespacedEventAsync("run-a.1", Ns), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_unsupported_field_selector_is_400_naming_the_field()
    {
        var status = await FailsAsync(() => Admin.CoreV1.ListNamespacedEventAsync(Ns, fieldSelector: "message=secret"), HttpStatusCode.BadRequest);

        Assert.Equal("field label not supported: message", status.Message);
    }

    [Fact]
    public async Task An_event_about_an_object_of_another_namespace_is_422_and_not_stored()
    {
        var e = Event("run-a.1", "TestJob", "run-a", "Started");
        e.InvolvedObject.NamespaceProperty = "kube-system";

        var status = await FailsAsync(() => Admin.CoreV1.CreateNamespacedEventAsync(e, Ns), HttpStatusCode.UnprocessableEntity);

        Assert.Equal("involvedObject.namespace", Assert.Single(status.Details.Causes).Field);
        Assert.Empty((await Admin.CoreV1.ListNamespacedEventAsync(Ns)).Items);
    }

    [Fact]
    public async Task The_kubetest_identity_may_not_record_events_and_a_revoked_create_is_403_for_the_controller()
    {
        using var controller = ClientAs("controller");
        Emulator.Options.RevokedVerbs.Add("create events");

        var kubetest = await FailsAsync(() => Client.CoreV1.CreateNamespacedEventAsync(Event("run-a.1", "TestJob", "run-a", "Started"), Ns), HttpStatusCode.Forbidden);
        var revoked = await FailsAsync(() => controller.CoreV1.CreateNamespacedEventAsync(Event("run-a.1", "TestJob", "run-a", "Started"), Ns), HttpStatusCode.Forbidden);

        Assert.Equal("events is forbidden: User \"system:serviceaccount:default:kubetest\" cannot create resource \"events\" in API group \"\" in the namespace \"default\"", kubetest.Message);
        Assert.Equal("Forbidden", revoked.Reason);
        Assert.Empty((await Admin.CoreV1.ListNamespacedEventAsync(Ns)).Items);
    }

    private static Corev1Event Event(string name, string kind, string involved, string reason) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        InvolvedObject = new V1ObjectReference { Kind = kind, Name = involved, NamespaceProperty = "default", ApiVersion = "kubetest.io/v1" },
        Reason = reason,
        Message = $"{reason} for {involved}",
        Type = "Normal",
        Source = new V1EventSource { Component = "kubetest-controller" },
    };
}
