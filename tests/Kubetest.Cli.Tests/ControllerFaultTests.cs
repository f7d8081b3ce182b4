using System.Text.Json;

namespace Kubetest.Cli.Tests;

/// <summary>The controller against an API server that fails: its own emulator, so the faults touch no other test.</summary>
public sealed class ControllerFaultTests(ControllerCluster cluster) : IClassFixture<ControllerCluster>
{
    [Fact]
    public async Task TestJobs_end_correctly_while_the_API_server_answers_500_and_429_and_drops_watches()
    {
        const string ns = "ctl-faults";
        using var cli = cluster.Runtimes.Cli(RuntimeKind.Kubernetes);
        var state = Directory.CreateDirectory(Path.Combine(cli.Root, "state")).FullName;
        var names = new[] { "flaky-api-1", "flaky-api-2", "flaky-api-3" };
        await using var controller = cluster.StartController(cli, ns);
        await controller.WaitForLineAsync($"holds lease {ns}/kubetest-controller");
        foreach (var name in names)
        {
            var manifest = Manifests.Strategy(
                ["a", "b"],
                $"echo {name}-$TASK_KEY >> /state/ran",
                scheduler: "maxContainersPerPod: 2",
                extraPodSpec: $"volumes:\n  - name: state\n    hostPath:\n      path: {state}",
                extraContainer: "volumeMounts:\n  - name: state\n    mountPath: /state")
                .Replace("name: e2e\n", $"name: {name}\n  namespace: {ns}\n", StringComparison.Ordinal);
            await cluster.KubectlAsync("apply", "-f", cli.Write(name + ".yaml", manifest));
        }

        var faults = cluster.Emulator.Options.Faults;
        var phases = new Dictionary<string, JsonElement>();
        (faults.InternalErrorRate, faults.TooManyRequestsRate, faults.DropWatchAfter) = (0.1, 0.1, TimeSpan.FromSeconds(3));
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            while (phases.Count < names.Length)
            {
                Assert.False(limit.IsCancellationRequested, $"{string.Join(", ", phases.Keys)} ended\n{controller.Stderr}");
                Assert.False(controller.HasExited, controller.Stderr);
                foreach (var name in names.Where(n => !phases.ContainsKey(n)))
                {
                    try
                    {
                        if (await cluster.TestJobAsync(ns, name) is { } job && ControllerCluster.Phase(job) is "Succeeded" or "Failed" or "Error")
                        {
                            phases[name] = job;
                        }
                    }
                    catch (k8s.Autorest.HttpOperationException)
                    {
                        // The test reads through the same failing API server.
                    }
                }

                await Task.Delay(300);
            }
        }
        finally
        {
            (faults.InternalErrorRate, faults.TooManyRequestsRate, faults.DropWatchAfter) = (0, 0, null);
        }

        foreach (var (name, job) in phases)
        {
            Assert.True(ControllerCluster.Phase(job) == "Succeeded", $"{name}: {job}\n{controller.Stderr}");
            Assert.Equal(2, job.GetProperty("status").GetProperty("successNum").GetInt32());
            Assert.Equal($"kubetest-report-{name}", job.GetProperty("status").GetProperty("reportConfigMap").GetString());
            Assert.Contains(cluster.Emulator.StoredConfigMaps(ns), m => m.Metadata.Name == $"kubetest-report-{name}");
        }

        // Every key ran exactly once, whatever was retried.
        Assert.Equal(
            names.SelectMany(n => new[] { $"{n}-a", $"{n}-b" }).Order(StringComparer.Ordinal),
            File.ReadAllLines(Path.Combine(state, "ran")).Order(StringComparer.Ordinal));
        using var wait = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (cluster.LeftIn(ns).Count > 0 && !wait.IsCancellationRequested)
        {
            await Task.Delay(200);
        }

        Assert.Empty(cluster.LeftIn(ns));
        Assert.False(controller.HasExited, controller.Stderr);
    }
}
