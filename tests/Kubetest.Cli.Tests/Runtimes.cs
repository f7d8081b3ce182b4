using System.Reflection;
using Kubetest.Emulator;

namespace Kubetest.Cli.Tests;

public enum RuntimeKind
{
    Local,
    Kubernetes,

    /// <summary>The kubernetes runtime on the real cluster of <c>KUBETEST_E2E_KUBECONFIG</c> (skipped when it is not set).</summary>
    Cluster,
}

/// <summary>
/// The runtimes every end-to-end case runs on: local, kubernetes against an in-process API
/// emulator (one per test class, so a class can check that nothing was left in it), and
/// kubernetes on a real cluster when <c>KUBETEST_E2E_KUBECONFIG</c> names its kubeconfig.
/// </summary>
public sealed class Runtimes : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kubetest-e2e-emulator-").FullName;

    public const string ClusterVariable = "KUBETEST_E2E_KUBECONFIG";

    public static TheoryData<RuntimeKind> Both => new(RuntimeKind.Local, RuntimeKind.Kubernetes, RuntimeKind.Cluster);

    private static string? ClusterKubeconfig => Environment.GetEnvironmentVariable(ClusterVariable) is { Length: > 0 } path ? path : null;

    /// <summary>Where the test manifests (and example 8) install kubetest-agent; the emulator runs the built one there.</summary>
    public const string AgentPath = "/bin/kubetest-agent";

    public static readonly string AgentDll = typeof(Runtimes).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AgentDll").Value!;

    private static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    public KubeEmulator Emulator { get; private set; } = null!;

    public string Kubeconfig => Path.Combine(_directory, "kubeconfig");

    public async Task InitializeAsync()
    {
        Emulator = await KubeEmulator.StartAsync(new EmulatorOptions { StateDirectory = Path.Combine(_directory, "kubelet") });

        // As if the image had kubetest-agent at the path the manifests name: the agent this test build made.
        Emulator.Options.Executables[AgentPath] = [DotnetHost, AgentDll];
        Emulator.Options.Images[ShellLessImage.Name] = ShellLessImage.Create(Path.Combine(_directory, "agent-only-image"), AgentDll);
        Emulator.WriteKubeconfig(Kubeconfig);
    }

    public async Task DisposeAsync()
    {
        await Emulator.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // A pod directory the kubelet was still removing vanished under the walk; what is left goes now.
            if (Directory.Exists(_directory))
            {
                Directory.Delete(_directory, recursive: true);
            }
        }
    }

    /// <summary>
    /// A CLI runner that runs on <paramref name="runtime"/>. A case whose containers share files
    /// with the test through hostPath volumes cannot run on a real cluster, whose nodes are elsewhere.
    /// </summary>
    public CliRunner Cli(RuntimeKind runtime, bool sharesHostFiles = false)
    {
        Skip.If(runtime == RuntimeKind.Cluster && ClusterKubeconfig is null, $"{ClusterVariable} is not set: no real cluster to run this case on");
        Skip.If(runtime == RuntimeKind.Cluster && sharesHostFiles, "this case shares files with the test through hostPath volumes, which a real cluster's nodes do not have");
        if (runtime == RuntimeKind.Kubernetes)
        {
            // Each runner starts with no timing store, as a local runner does with its own XDG_CACHE_HOME: the tests of a
            // class share one emulator and one TestJob name, and an earlier test's durations would reorder a later one's keys.
            Emulator.DeleteConfigMaps("default");
        }

        return new(runtime switch
        {
            RuntimeKind.Local => ["--runtime", "local"],
            RuntimeKind.Kubernetes => ["--runtime", "kubernetes", "-c", Kubeconfig],
            // A real cluster keeps its ConfigMaps from one test (and one test run) to the next: its cases run without
            // the store, whose cluster behaviour the emulator's cases check.
            _ => ["--runtime", "kubernetes", "-c", ClusterKubeconfig!, "--timings-store", "none"],
        });
    }

    /// <summary>Jobs and pods that a run left in the emulator (none on the local runtime; not inspected on a real cluster).</summary>
    public IReadOnlyList<string> LeftInCluster(RuntimeKind runtime) => runtime != RuntimeKind.Kubernetes
        ? []
        : [.. Emulator.StoredJobs().Select(j => $"job/{j.Metadata.Name}"), .. Emulator.StoredPods().Select(p => $"pod/{p.Metadata.Name}")];
}
