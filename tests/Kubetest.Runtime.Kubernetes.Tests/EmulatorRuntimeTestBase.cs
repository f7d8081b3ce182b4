using k8s;
using Kubetest.Emulator;

namespace Kubetest.Runtime.Kubernetes.Tests;

/// <summary>
/// A fresh API emulator for each test and the kubernetes runtime on it, through the official
/// client as the kubetest identity; everything is removed when the test ends.
/// </summary>
public abstract class EmulatorRuntimeTestBase(string directoryPrefix) : IAsyncLifetime
{
    /// <summary>The test's own directory (kubeconfig, files to copy, hostPath volumes).</summary>
    protected string Root { get; } = Directory.CreateTempSubdirectory(directoryPrefix).FullName;

    protected KubeEmulator Emulator { get; private set; } = null!;

    protected k8s.Kubernetes Client { get; private set; } = null!;

    protected KubernetesPodRuntime Runtime { get; private set; } = null!;

    /// <summary>What the runtime warned about (cleanup it could not do, …).</summary>
    protected List<string> Warnings { get; } = [];

    public async Task InitializeAsync()
    {
        Emulator = await KubeEmulator.StartAsync(new EmulatorOptions());
        var kubeconfig = Path.Combine(Root, "kubeconfig");
        Emulator.WriteKubeconfig(kubeconfig);
        Client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        var lifecycle = JobLifecycle.For(RunOwner.Current(), JobLifecycle.DefaultMaxRunTime);
        Runtime = new KubernetesPodRuntime(Client, new KubernetesRuntimeOptions("default", TimeSpan.FromSeconds(30), lifecycle), TimeProvider.System, Warnings.Add);
    }

    public async Task DisposeAsync()
    {
        await Runtime.DisposeAsync();
        Client.Dispose();
        await Emulator.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
}
