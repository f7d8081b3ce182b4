using System.Text.Json;
using k8s;
using Kubetest.Emulator;

namespace Kubetest.Cli.Tests;

/// <summary>
/// The emulator with the TestJob CRD of <c>deploy/crd.yaml</c> installed, for <c>kubetest controller</c>: the
/// controller runs as the emulator's <c>controller</c> identity (exactly the Role of <c>deploy/</c>), the test
/// acts as an admin would (kubectl apply, reading statuses).
/// </summary>
public sealed class ControllerCluster : IAsyncLifetime
{
    public Runtimes Runtimes { get; } = new();

    public KubeEmulator Emulator => Runtimes.Emulator;

    public string Kubeconfig => Runtimes.Kubeconfig;

    public string KubectlCache { get; } = Directory.CreateTempSubdirectory("kubetest-e2e-kubectl-").FullName;

    public async Task InitializeAsync()
    {
        await Runtimes.InitializeAsync();
        Emulator.InstallCrd(await File.ReadAllTextAsync(Path.Combine(CliRunner.RepositoryRoot, "deploy", "crd.yaml")));
    }

    public async Task DisposeAsync()
    {
        await Runtimes.DisposeAsync();
        Directory.Delete(KubectlCache, recursive: true);
    }

    public IKubernetes Admin() => new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Kubeconfig, currentContext: "admin"));

    /// <summary>
    /// <c>kubectl --context admin ARGS</c>; fails the test when kubectl does. An apply or create does not validate
    /// on the client (the emulator serves no OpenAPI document); the API server still checks the CRD's schema.
    /// </summary>
    public async Task<string> KubectlAsync(params string[] args)
    {
        string[] validate = args is ["apply" or "create", ..] ? ["--validate=false"] : [];
        var (exit, stdout, stderr) = await Kubectl.RunAsync(Kubeconfig, KubectlCache, ["--context", "admin", .. args, .. validate]);
        Assert.True(exit == 0, $"kubectl {string.Join(' ', args)}: exit {exit}\n{stdout}\n{stderr}");
        return stdout;
    }

    /// <summary>The controller as its Deployment runs it, as the <c>controller</c> identity, watching <paramref name="ns"/>.</summary>
    public BackgroundCli StartController(CliRunner cli, string ns, params string[] more) =>
        cli.StartInBackground(["controller", "--kubeconfig", Kubeconfig, "--context", "controller", "--namespace", ns, .. more]);

    public async Task<JsonElement?> TestJobAsync(string ns, string name)
    {
        using var client = Admin();
        try
        {
            return await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>("kubetest.io", "v1", ns, "testjobs", name);
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Waits until the TestJob's status.phase is one of <paramref name="phases"/>; returns the TestJob.</summary>
    public async Task<JsonElement> WaitForPhaseAsync(string ns, string name, BackgroundCli controller, params string[] phases)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (true)
        {
            if (await TestJobAsync(ns, name) is { } job && Phase(job) is { } phase && phases.Contains(phase))
            {
                return job;
            }

            Assert.False(limit.IsCancellationRequested, $"testjob {ns}/{name} never reached {string.Join(" or ", phases)}\n{controller.Stderr}");
            Assert.False(controller.HasExited, $"the controller exited\n{controller.Stderr}");
            await Task.Delay(200);
        }
    }

    public async Task WaitForGoneAsync(string ns, string name, BackgroundCli controller)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (await TestJobAsync(ns, name) is not null)
        {
            Assert.False(limit.IsCancellationRequested, $"testjob {ns}/{name} is still there\n{controller.Stderr}");
            await Task.Delay(200);
        }
    }

    /// <summary>The phases of <paramref name="names"/> (null: none yet, or not there) from one list, so all as of one moment.</summary>
    public async Task<List<string?>> PhasesAsync(string ns, IEnumerable<string> names)
    {
        using var client = Admin();
        var list = await client.CustomObjects.ListNamespacedCustomObjectAsync<JsonElement>("kubetest.io", "v1", ns, "testjobs");
        var byName = list.GetProperty("items").EnumerateArray().ToDictionary(j => j.GetProperty("metadata").GetProperty("name").GetString()!, Phase);
        return [.. names.Select(n => byName.GetValueOrDefault(n))];
    }

    public static string? Phase(JsonElement job) =>
        job.TryGetProperty("status", out var status) && status.TryGetProperty("phase", out var phase) ? phase.GetString() : null;

    /// <summary>Jobs and pods left in <paramref name="ns"/>.</summary>
    public IReadOnlyList<string> LeftIn(string ns) =>
        [.. Emulator.StoredJobs().Where(j => j.Metadata.NamespaceProperty == ns).Select(j => $"job/{j.Metadata.Name}"), .. Emulator.StoredPods().Where(p => p.Metadata.NamespaceProperty == ns).Select(p => $"pod/{p.Metadata.Name}")];
}
