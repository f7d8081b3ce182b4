using k8s.Models;
using Kubetest.Model;

namespace Kubetest.Runtime.Kubernetes.Tests;

/// <summary>
/// An agent kubetest cannot reach (here: a container that runs but never listens, as a pod IP
/// outside kubetest's network looks) fails the pod after a bounded wait with one error that says
/// where kubetest looked and what to do, and nothing is left behind.
/// </summary>
public sealed class AgentReachabilityTests() : EmulatorRuntimeTestBase("kubetest-agent-reach-")
{
    [Fact]
    public async Task An_agent_that_never_answers_fails_the_pod_naming_the_container_pod_address_and_what_to_do()
    {
        Emulator.Options.Executables["/opt/silent-agent"] = ["sh", "-c", "sleep 600", "silent-agent"];
        var lifecycle = JobLifecycle.For(RunOwner.Current(), JobLifecycle.DefaultMaxRunTime);
        await using var runtime = new KubernetesPodRuntime(Client, new KubernetesRuntimeOptions("default", TimeSpan.FromSeconds(30), lifecycle, TimeSpan.FromSeconds(2)), TimeProvider.System, Warnings.Add);
        var request = new PodRequest(
            "agent-",
            new V1ObjectMeta(),
            new V1PodSpec { Containers = [new V1Container { Name = "test0-0", Image = "app", Command = ["sh", "-c", "true"] }], RestartPolicy = "Never" },
            ["test0-0"],
            [],
            null)
        {
            Agents = new Dictionary<string, AgentSpec> { ["test0-0"] = new("/opt/silent-agent", null, 6100, []) },
        };

        var error = await Assert.ThrowsAsync<PodFailedException>(() => runtime.StartPodAsync(request, NullOutputSink.Instance, CancellationToken.None));

        Assert.True(error.Message.Contains("did not answer", StringComparison.Ordinal), error.Message);
        var pod = Assert.Single(Emulator.StartedPods);
        Assert.Contains($"kubetest-agent of container test0-0 in pod {pod.Metadata.Name} did not answer at http://127.", error.Message, StringComparison.Ordinal);
        Assert.Contains(":6100/ (port 6100) within 2 s", error.Message, StringComparison.Ordinal);
        Assert.Contains("must run where the cluster's pod network is reachable", error.Message, StringComparison.Ordinal);
        Assert.Contains("remove agent: from the manifest", error.Message, StringComparison.Ordinal);
        Assert.Empty(Emulator.Execs);
        Assert.Empty(Emulator.StoredJobs());
        Assert.Empty(Warnings);
    }
}
