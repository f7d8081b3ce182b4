using k8s.Models;
using Kubetest.Model;
using Kubetest.Runtime;

namespace Kubetest.Runtime.Kubernetes.Tests;

/// <summary>Containers with <c>agent</c> run kubetest-agent on ports allocated per pod as goccy/kubejob does, with the run's public key.</summary>
public class AgentJobShapeTests
{
    private static readonly JobLifecycle Lifecycle = JobLifecycle.For(new RunOwner("abc123def456", "ci", 1, 2, DateTimeOffset.UnixEpoch), TimeSpan.FromHours(1));

    private static PodRequest Request(AgentSpec agent, AgentSpec? finalizerAgent = null, IReadOnlyList<ContainerFile>? files = null)
    {
        var keys = Enumerable.Range(0, 4).Select(i => $"test0-{i}").ToList();
        var containers = keys.Select(k => new V1Container { Name = k, Image = "app", Command = ["sh", "-c"], Args = ["make test"] })
            .Prepend(new V1Container { Name = "db", Image = "postgres", Command = ["postgres"] })
            .Append(new V1Container { Name = "finalizer", Image = "tools", Command = ["sh", "-c", "true"] })
            .ToList();
        var agents = keys.ToDictionary(k => k, _ => agent);
        if (finalizerAgent is not null)
        {
            agents["finalizer"] = finalizerAgent;
        }

        return new PodRequest("job-", new V1ObjectMeta(), new V1PodSpec { Containers = containers }, [.. keys, "finalizer"], files ?? [], null) { Agents = agents };
    }

    [Fact]
    public void Ports_go_up_by_one_per_agent_container_in_order_from_the_start_port_skipping_excluded_ones()
    {
        var request = Request(new AgentSpec("/bin/kubetest-agent", "30m", 6000, [6000, 6002, 6003]), new AgentSpec("/opt/agent", null, null, []));

        var containers = KubernetesJob.Create(request, "ci", Lifecycle, "PUBLIC KEY PEM").Spec.Template.Spec.Containers;

        Assert.Equal(
            [("test0-0", "6001"), ("test0-1", "6004"), ("test0-2", "6005"), ("test0-3", "6006"), ("finalizer", "6007")],
            containers.Where(c => c.Name != "db").Select(c => (c.Name, c.Args[1])));
        Assert.Equal(["/bin/kubetest-agent"], containers[1].Command);
        Assert.Equal(["--port", "6001", "--timeout", "30m"], containers[1].Args);
        Assert.Equal(["/opt/agent"], containers[^1].Command);
        Assert.Equal(["--port", "6007"], containers[^1].Args);
        Assert.All(containers.Skip(1), c => Assert.Equal("PUBLIC KEY PEM", c.Env.Single(e => e.Name == "AGENT_PUBLIC_KEY_PEM").Value));
        Assert.Equal(["postgres"], containers[0].Command);
        Assert.Null(containers[0].Env);
    }

    [Fact]
    public void Without_a_start_port_agents_start_at_5000_and_each_pod_counts_from_there()
    {
        var request = Request(new AgentSpec("/bin/kubetest-agent", null, null, []));

        Assert.Equal([5000, 5001, 5002, 5003], AgentPorts.Allocate(request).Select(a => a.Port));
        Assert.Equal([5000, 5001, 5002, 5003], AgentPorts.Allocate(request).Select(a => a.Port));
    }

    [Fact]
    public void A_held_container_without_agent_keeps_the_wait_loop()
    {
        var request = Request(new AgentSpec("/bin/kubetest-agent", null, null, []));

        var finalizer = KubernetesJob.Create(request, "ci", Lifecycle, "PEM").Spec.Template.Spec.Containers[^1];

        Assert.Equal(KubernetesJob.HoldCommand(Lifecycle.MaxRunTime), finalizer.Command);
        Assert.Null(finalizer.Env);
    }

    [Fact]
    public void Files_of_agent_containers_skip_the_pre_init_and_its_image_is_a_container_without_agent()
    {
        var files = new List<ContainerFile>
        {
            new("test0-0", "/work/repo", "/run/repo", ReadOnly: true),
            new("finalizer", "/work/repo", "/run/repo", ReadOnly: true),
        };
        var request = Request(new AgentSpec("/bin/kubetest-agent", null, null, []), files: files);

        var spec = KubernetesJob.Create(request, "ci", Lifecycle, "PEM").Spec.Template.Spec;

        Assert.Equal([files[0]], KubernetesJob.AgentFiles(request));
        var preInit = Assert.Single(spec.InitContainers);
        Assert.Equal("tools", preInit.Image);
        Assert.Null(spec.Containers.Single(c => c.Name == "test0-0").VolumeMounts);
        Assert.Single(spec.Containers.Single(c => c.Name == "finalizer").VolumeMounts);
    }

    [Fact]
    public void A_pod_without_agents_has_no_public_key()
    {
        var request = Request(new AgentSpec("/bin/kubetest-agent", null, null, [])) with { Agents = new Dictionary<string, AgentSpec>() };

        var json = k8s.KubernetesJson.Serialize(KubernetesJob.Create(request, "ci", Lifecycle));

        Assert.DoesNotContain("AGENT_PUBLIC_KEY_PEM", json, StringComparison.Ordinal);
    }
}
