using System.Net.Http.Headers;
using k8s;
using k8s.Models;
using Kubetest.Emulator;

namespace Kubetest.Emulator.Tests;

/// <summary>A fresh emulator per test, kubeconfigs for both identities, and clients for them.</summary>
public abstract class EmulatorTestBase : IAsyncLifetime
{
    protected const string Ns = "default";

    private readonly EmulatorOptions _options;

    protected EmulatorTestBase(EmulatorOptions? options = null)
    {
        _options = options ?? new EmulatorOptions();
        Directory = System.IO.Directory.CreateTempSubdirectory("kubetest-emulator-tests-").FullName;
    }

    protected string Directory { get; }

    protected KubeEmulator Emulator { get; private set; } = null!;

    /// <summary>The kubeconfig of the kubetest service account (current context), which also holds the admin context.</summary>
    protected string KubeconfigPath => Path.Combine(Directory, "kubeconfig");

    protected Kubernetes Client { get; private set; } = null!;

    protected Kubernetes Admin { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        Emulator = await KubeEmulator.StartAsync(_options);
        Emulator.WriteKubeconfig(KubeconfigPath);
        Client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));
        Admin = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath, currentContext: "admin"));
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        Admin.Dispose();
        await Emulator.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    protected static V1Job Job(string? generateName, params V1Container[] containers) => new()
    {
        ApiVersion = "batch/v1",
        Kind = "Job",
        Metadata = new V1ObjectMeta { GenerateName = generateName },
        Spec = new V1JobSpec
        {
            BackoffLimit = 0,
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "emulator-test" } },
                Spec = new V1PodSpec { RestartPolicy = "Never", Containers = containers },
            },
        },
    };

    protected static V1Container Container(string name, string script, params (string Name, string Value)[] env) => new()
    {
        Name = name,
        Image = "alpine:3",
        Command = ["sh", "-c", script],
        Env = env.Select(e => new V1EnvVar { Name = e.Name, Value = e.Value }).ToList(),
    };

    /// <summary>Creates a job and returns its (only) pod once it exists.</summary>
    protected async Task<V1Pod> CreateJobPodAsync(V1Job job)
    {
        var created = await Client.BatchV1.CreateNamespacedJobAsync(job, Ns);
        var pods = await Client.CoreV1.ListNamespacedPodAsync(Ns, labelSelector: "job-name=" + created.Name());
        return Assert.Single(pods.Items);
    }

    /// <summary>Polls the pod until <paramref name="condition"/> holds; fails after the deadline with the last status seen.</summary>
    protected async Task<V1Pod> WaitForPodAsync(string name, Func<V1Pod, bool> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        V1Pod pod;
        do
        {
            pod = await Client.CoreV1.ReadNamespacedPodAsync(name, Ns);
            if (condition(pod))
            {
                return pod;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"pod {name} never reached the expected state; last phase {pod.Status?.Phase}: {KubernetesJson.Serialize(pod.Status)}");
        return pod;
    }

    /// <summary>Awaits a call that the emulator must refuse with <paramref name="expected"/>, and returns its Status.</summary>
    protected static async Task<V1Status> FailsAsync<T>(Func<Task<T>> call, System.Net.HttpStatusCode expected)
    {
        var ex = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(call);
        Assert.Equal(expected, ex.Response.StatusCode);
        return KubernetesJson.Deserialize<V1Status>(ex.Response.Content);
    }

    /// <summary>A client with the given identity of the kubeconfig (kubetest, admin, controller).</summary>
    protected Kubernetes ClientAs(string identity) =>
        new(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath, currentContext: identity));

    /// <summary>A raw HTTPS client for the emulator (trusting its certificate) with the given identity's token.</summary>
    protected HttpClient RawClient(string identity = "kubetest")
    {
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == Emulator.ServingCertificate.GetCertHashString() };
        var client = new HttpClient(handler) { BaseAddress = Emulator.BaseUri };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Emulator.Identities.First(i => i.Name == identity).Token);
        return client;
    }
}
