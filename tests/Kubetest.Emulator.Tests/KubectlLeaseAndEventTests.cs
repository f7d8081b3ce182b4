using k8s;
using k8s.Models;

namespace Kubetest.Emulator.Tests;

/// <summary>The real kubectl on the emulator's leases and events: what a controller writes shows in kubectl get and describe.</summary>
public class KubectlLeaseAndEventTests : EmulatorTestBase
{
    public KubectlLeaseAndEventTests()
    {
        Kubectl.Path();
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> Run(params string[] arguments) =>
        Kubectl.RunAsync(KubeconfigPath, Path.Combine(Directory, "kubectl-cache"), arguments);

    [Fact]
    public async Task Kubectl_gets_the_leases_a_client_created_with_their_holder()
    {
        using var controller = ClientAs("controller");
        await controller.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease { Metadata = new V1ObjectMeta { Name = "kubetest-controller" }, Spec = new V1LeaseSpec { HolderIdentity = "replica-a", LeaseDurationSeconds = 15 } }, Ns);

        // Listing is the admin's: the controller's Role gets its own lease by name only.
        var list = await Run("--context", "admin", "get", "leases", "-n", "default");
        var holder = await Run("--context", "controller", "get", "lease", "kubetest-controller", "-o", "jsonpath={.spec.holderIdentity}");
        var forbidden = await Run("get", "leases", "-n", "default");

        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Matches("(?m)^kubetest-controller +", list.Stdout);
        Assert.Equal("replica-a", holder.Stdout);
        Assert.Contains("Error from server (Forbidden)", forbidden.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_gets_the_events_a_client_recorded_and_selects_them_by_involved_object()
    {
        using var controller = ClientAs("controller");
        foreach (var (name, involved, reason) in new[] { ("run-a.1", "run-a", "Started"), ("run-b.1", "run-b", "KeyFailed") })
        {
            await controller.CoreV1.CreateNamespacedEventAsync(
                new Corev1Event
                {
                    Metadata = new V1ObjectMeta { Name = name },
                    InvolvedObject = new V1ObjectReference { Kind = "TestJob", Name = involved, NamespaceProperty = Ns, ApiVersion = "kubetest.io/v1" },
                    Reason = reason,
                    Message = $"{reason} for {involved}",
                    Type = "Normal",
                    LastTimestamp = DateTime.UtcNow,
                },
                Ns);
        }

        // Reading events is the admin's (kubectl describe's): the controller's Role only creates them.
        var all = await Run("--context", "admin", "get", "events", "-n", "default");
        var columns = await Run("--context", "admin", "get", "events", "-n", "default", "-o", "custom-columns=REASON:.reason,OBJECT:.involvedObject.name,MESSAGE:.message", "--no-headers");
        var runB = await Run("--context", "admin", "get", "events", "-n", "default", "--field-selector", "involvedObject.name=run-b", "-o", "name");

        Assert.True(all.ExitCode == 0, all.Stderr);
        Assert.Matches("(?m)^run-a.1 +", all.Stdout);
        Assert.Matches("(?m)^run-b.1 +", all.Stdout);
        Assert.Matches("(?m)^Started +run-a +Started for run-a$", columns.Stdout);
        Assert.Matches("(?m)^KeyFailed +run-b +KeyFailed for run-b$", columns.Stdout);
        Assert.True(runB.ExitCode == 0, runB.Stderr);
        Assert.Equal("event/run-b.1", runB.Stdout.Trim());
    }
}
