using Kubetest.Emulator;

namespace Kubetest.Cli.Tests;

public enum RuntimeKind
{
    Local,
    Kubernetes,
}

/// <summary>
/// The runtimes every end-to-end case runs on: local, and kubernetes against an in-process API
/// emulator (one per test class, so a class can check that nothing was left in it).
/// </summary>
public sealed class Runtimes : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kubetest-e2e-emulator-").FullName;

    public static TheoryData<RuntimeKind> Both => new(RuntimeKind.Local, RuntimeKind.Kubernetes);

    public KubeEmulator Emulator { get; private set; } = null!;

    public string Kubeconfig => Path.Combine(_directory, "kubeconfig");

    public async Task InitializeAsync()
    {
        Emulator = await KubeEmulator.StartAsync(new EmulatorOptions { StateDirectory = Path.Combine(_directory, "kubelet") });
        Emulator.WriteKubeconfig(Kubeconfig);
    }

    public async Task DisposeAsync()
    {
        await Emulator.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A CLI runner that runs on <paramref name="runtime"/>.</summary>
    public CliRunner Cli(RuntimeKind runtime) =>
        new(runtime == RuntimeKind.Local ? ["--runtime", "local"] : ["--runtime", "kubernetes", "-c", Kubeconfig]);

    /// <summary>Jobs and pods that a run left in the emulator (none on the local runtime).</summary>
    public IReadOnlyList<string> LeftInCluster(RuntimeKind runtime) => runtime == RuntimeKind.Local
        ? []
        : [.. Emulator.StoredJobs().Select(j => $"job/{j.Metadata.Name}"), .. Emulator.StoredPods().Select(p => $"pod/{p.Metadata.Name}")];
}
