using System.Net;
using k8s;
using k8s.Models;

namespace Kubetest.Emulator.Tests;

/// <summary>coordination.k8s.io/v1 leases as leader election uses them: create, get, list, replace with resourceVersion conflicts, delete, RBAC.</summary>
public class LeaseTests : EmulatorTestBase
{
    private static readonly DateTime Acquired = new(2026, 12, 7, 5, 0, 0, 123, 456, DateTimeKind.Utc);

    [Fact]
    public async Task A_created_lease_reads_back_with_its_holder_times_and_transitions_and_lists_and_deletes()
    {
        using var controller = ClientAs("controller");
        await controller.CoordinationV1.CreateNamespacedLeaseAsync(Lease("kubetest-controller", "replica-a"), Ns);

        var read = await controller.CoordinationV1.ReadNamespacedLeaseAsync("kubetest-controller", Ns);
        // The controller's Role has neither list nor delete on leases (leader election needs neither).
        var list = await Admin.CoordinationV1.ListNamespacedLeaseAsync(Ns);
        await Admin.CoordinationV1.DeleteNamespacedLeaseAsync("kubetest-controller", Ns);

        Assert.Equal(("coordination.k8s.io/v1", "Lease"), (read.ApiVersion, read.Kind));
        Assert.Equal("replica-a", read.Spec.HolderIdentity);
        Assert.Equal(15, read.Spec.LeaseDurationSeconds);
        Assert.Equal(Acquired, read.Spec.AcquireTime);
        Assert.Equal(Acquired.AddSeconds(10), read.Spec.RenewTime);
        Assert.Equal(3, read.Spec.LeaseTransitions);
        Assert.False(string.IsNullOrEmpty(read.Metadata.Uid));
        Assert.Equal("kubetest-controller", Assert.Single(list.Items).Metadata.Name);
        await FailsAsync(() => controller.CoordinationV1.ReadNamespacedLeaseAsync("kubetest-controller", Ns), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Renew_time_goes_on_the_wire_as_a_micro_time()
    {
        await Admin.CoordinationV1.CreateNamespacedLeaseAsync(Lease("kubetest-controller", "replica-a"), Ns);

        var json = await RawClient("admin").GetStringAsync(new Uri("/apis/coordination.k8s.io/v1/namespaces/default/leases/kubetest-controller", UriKind.Relative));

        Assert.Contains("\"acquireTime\":\"2026-12-07T05:00:00.123456Z\"", json, StringComparison.Ordinal);
        Assert.Contains("\"renewTime\":\"2026-12-07T05:00:10.123456Z\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_replicas_updating_from_the_same_read_the_second_is_409_conflict_and_the_first_holds_the_lease()
    {
        using var controller = ClientAs("controller");
        await controller.CoordinationV1.CreateNamespacedLeaseAsync(Lease("kubetest-controller", "replica-a"), Ns);
        var first = await controller.CoordinationV1.ReadNamespacedLeaseAsync("kubetest-controller", Ns);
        var second = await controller.CoordinationV1.ReadNamespacedLeaseAsync("kubetest-controller", Ns);
        first.Spec.HolderIdentity = "replica-b";
        first.Spec.LeaseTransitions = 4;
        second.Spec.HolderIdentity = "replica-c";

        await controller.CoordinationV1.ReplaceNamespacedLeaseAsync(first, "kubetest-controller", Ns);
        var status = await FailsAsync(() => controller.CoordinationV1.ReplaceNamespacedLeaseAsync(second, "kubetest-controller", Ns), HttpStatusCode.Conflict);

        Assert.Equal("Conflict", status.Reason);
        Assert.Equal("Operation cannot be fulfilled on leases.coordination.k8s.io \"kubetest-controller\": the object has been modified; please apply your changes to the latest version and try again", status.Message);
        var held = await controller.CoordinationV1.ReadNamespacedLeaseAsync("kubetest-controller", Ns);
        Assert.Equal(("replica-b", 4), (held.Spec.HolderIdentity, held.Spec.LeaseTransitions));
    }

    [Fact]
    public async Task A_second_lease_of_the_same_name_is_409_already_exists()
    {
        await Admin.CoordinationV1.CreateNamespacedLeaseAsync(Lease("kubetest-controller", "replica-a"), Ns);

        var status = await FailsAsync(() => Admin.CoordinationV1.CreateNamespacedLeaseAsync(Lease("kubetest-controller", "replica-b"), Ns), HttpStatusCode.Conflict);

        Assert.Equal(("AlreadyExists", "leases.coordination.k8s.io \"kubetest-controller\" already exists"), (status.Reason, status.Message));
    }

    [Theory]
    [InlineData("Bad_Name", "metadata.name")]
    [InlineData("../escape", "metadata.name")]
    public async Task A_lease_with_an_invalid_name_is_422_naming_the_field(string name, string field)
    {
        var status = await FailsAsync(() => Admin.CoordinationV1.CreateNamespacedLeaseAsync(Lease(name, "replica-a"), Ns), HttpStatusCode.UnprocessableEntity);

        Assert.Equal(field, Assert.Single(status.Details.Causes).Field);
        Assert.Empty((await Admin.CoordinationV1.ListNamespacedLeaseAsync(Ns)).Items);
    }

    [Fact]
    public async Task A_lease_duration_of_zero_and_negative_transitions_are_422_naming_both_fields()
    {
        var lease = Lease("kubetest-controller", "replica-a");
        lease.Spec.LeaseDurationSeconds = 0;
        lease.Spec.LeaseTransitions = -1;

        var status = await FailsAsync(() => Admin.CoordinationV1.CreateNamespacedLeaseAsync(lease, Ns), HttpStatusCode.UnprocessableEntity);

        Assert.Equal(["spec.leaseDurationSeconds", "spec.leaseTransitions"], status.Details.Causes.Select(c => c.Field));
    }

    [Fact]
    public async Task The_kubetest_identity_has_no_right_to_leases_and_a_revoked_update_is_403_for_the_controller()
    {
        using var controller = ClientAs("controller");
        var read = await controller.CoordinationV1.CreateNamespacedLeaseAsync(Lease("kubetest-controller", "replica-a"), Ns);
        Emulator.Options.RevokedVerbs.Add("update leases");

        var kubetest = await FailsAsync(() => Client.CoordinationV1.ReadNamespacedLeaseAsync("kubetest-controller", Ns), HttpStatusCode.Forbidden);
        var revoked = await FailsAsync(() => controller.CoordinationV1.ReplaceNamespacedLeaseAsync(read, "kubetest-controller", Ns), HttpStatusCode.Forbidden);

        Assert.Equal("leases.coordination.k8s.io \"kubetest-controller\" is forbidden: User \"system:serviceaccount:default:kubetest\" cannot get resource \"leases\" in API group \"coordination.k8s.io\" in the namespace \"default\"", kubetest.Message);
        Assert.Equal(("Forbidden", 403), (revoked.Reason, revoked.Code));
        Assert.Equal("leases.coordination.k8s.io \"kubetest-controller\" is forbidden: User \"system:serviceaccount:default:kubetest-controller\" cannot update resource \"leases\" in API group \"coordination.k8s.io\" in the namespace \"default\"", revoked.Message);
        await Admin.CoordinationV1.ReplaceNamespacedLeaseAsync(read, "kubetest-controller", Ns);
    }

    private static V1Lease Lease(string name, string holder) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = holder,
            LeaseDurationSeconds = 15,
            AcquireTime = Acquired,
            RenewTime = Acquired.AddSeconds(10),
            LeaseTransitions = 3,
        },
    };
}
