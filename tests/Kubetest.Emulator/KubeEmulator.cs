using System.Net;
using k8s.Models;
using Kubetest.Runtime.Local;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Kubetest.Emulator;

/// <summary>
/// A Kubernetes API server on loopback, good enough for kubectl and the official client for what
/// kubetest uses, with a stand-in job controller and kubelet that run pods through the local sandbox.
/// </summary>
public sealed class KubeEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Store _store;
    private readonly JobController _controller;
    private readonly Kubelet _kubelet;
    private readonly string _stateDirectory;
    private readonly bool _ownsStateDirectory;
    private readonly string _caPem;
    private long _requests;
    private int _disposed;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _requestCounts = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentQueue<ExecRecord> _execs = new();
    private long _injected500;
    private long _injected429;
    private long _conflicts;

    private KubeEmulator(EmulatorOptions options)
    {
        Options = options;
        Identities = Rbac.CreateIdentities(options.RevokedVerbs);
        _ownsStateDirectory = options.StateDirectory is null;
        _stateDirectory = options.StateDirectory ?? Directory.CreateTempSubdirectory("kubetest-emulator-").FullName;
        _store = new Store(options.WatchHistory, options.EventsPerNamespace);
        _controller = new JobController(_store);
        var mode = options.NoSandbox ? SandboxMode.None : LocalSandbox.Detect();
        // A kubelet's containers keep what an exec wrote for the next one (kubetest copies files in by exec).
        var runtime = new LocalPodRuntime(Path.Combine(_stateDirectory, "pods"), mode, _ => { }, persistentRoots: true, images: options.Images);
        _kubelet = new Kubelet(_store, runtime, options, _controller.OnPodFinished);
        _controller.Kubelet = _kubelet;

        var certificate = Certificates.CreateServing();
        ServingCertificate = certificate;
        _caPem = Certificates.Pem(certificate);
        var builder = WebApplication.CreateSlimBuilder();
        if (Environment.GetEnvironmentVariable("KUBETEST_EMULATOR_LOG") is null)
        {
            builder.Logging.ClearProviders();
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // An exec's command travels in its URL: the API server (Go's net/http) takes request lines and headers up to
            // 1 MiB together, Kestrel only 8 KiB by default, which a batch's keys would pass.
            kestrel.Limits.MaxRequestLineSize = 1024 * 1024;
            kestrel.Limits.MaxRequestHeadersTotalSize = 1024 * 1024;
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate));
        });
        _app = builder.Build();
        _app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        Middleware.Use(_app, this, options);
        Discovery.Map(_app, _store);
        Jobs.Map(_app, _store, _controller);
        Pods.Map(_app, _store, _controller, options);
        Logs.Map(_app, _store, _controller);
        Exec.Map(_app, _store, _controller, this);
        Secrets.Map(_app, _store);
        ConfigMaps.Map(_app, _store);
        Leases.Map(_app, _store);
        Events.Map(_app, _store);
        Crds.Map(_app, _store);
        CustomResources.Map(_app, _store, options.Faults);
        _app.MapFallback((HttpContext c) => Api.WriteAsync(c, Statuses.Failure(404, "NotFound", "the server could not find the requested resource"), 404));
    }

    public EmulatorOptions Options { get; }

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>A kubeconfig whose current context is the kubetest service account (the Role of deploy/rbac.yaml); the context "admin" may do anything.</summary>
    public string Kubeconfig => Emulator.Kubeconfig.Render(BaseUri, _caPem, Identities, "kubetest");

    /// <summary>The same kubeconfig with "admin" as the current context.</summary>
    public string AdminKubeconfig => Emulator.Kubeconfig.Render(BaseUri, _caPem, Identities, "admin");

    /// <summary>API requests served so far (authenticated ones, faults included).</summary>
    public long RequestCount => Interlocked.Read(ref _requests);

    public long Injected500Count => Interlocked.Read(ref _injected500);

    public long Injected429Count => Interlocked.Read(ref _injected429);

    /// <summary>Writes refused with 409 Conflict because they were based on an old resourceVersion.</summary>
    public long ConflictCount => Interlocked.Read(ref _conflicts);

    internal IReadOnlyList<Identity> Identities { get; }

    /// <summary>The self-signed certificate the emulator serves (and trusts as its CA).</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2 ServingCertificate { get; }

    public static async Task<KubeEmulator> StartAsync(EmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        var emulator = new KubeEmulator(options ?? new EmulatorOptions());
        await emulator._app.StartAsync(cancellationToken);
        var address = emulator._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)).Port;
        emulator.BaseUri = new Uri($"https://127.0.0.1:{port}/");
        return emulator;
    }

    /// <summary>Writes <see cref="Kubeconfig"/> (or the admin one) to <paramref name="path"/>.</summary>
    public void WriteKubeconfig(string path, string identity = "kubetest") =>
        File.WriteAllText(path, Emulator.Kubeconfig.Render(BaseUri, _caPem, Identities, identity));

    /// <summary>The pods stored now (copies), to check what a client left behind.</summary>
    public IReadOnlyList<V1Pod> StoredPods() => _store.ListPods(null).Items;

    /// <summary>The jobs stored now (copies).</summary>
    public IReadOnlyList<V1Job> StoredJobs() => _store.ListJobs(null).Items;

    /// <summary>The ConfigMaps stored now in <paramref name="ns"/> (copies).</summary>
    public IReadOnlyList<V1ConfigMap> StoredConfigMaps(string ns) => _store.ConfigMaps.List(ns).Items;

    /// <summary>Installs a CustomResourceDefinition from its YAML as an admin's kubectl apply would (checked and established the same way).</summary>
    public void InstallCrd(string yaml)
    {
        var crd = k8s.KubernetesYaml.Deserialize<V1CustomResourceDefinition>(yaml);
        Crds.Create(_store, System.Text.Encoding.UTF8.GetBytes(k8s.KubernetesJson.Serialize(crd)));
    }

    /// <summary>The custom resources of <paramref name="plural"/> (the CRD's group) stored now in <paramref name="ns"/>, as JSON.</summary>
    public IReadOnlyList<System.Text.Json.Nodes.JsonObject> StoredCustomResources(string group, string plural, string ns) =>
        _store.Custom.Crd(group, plural) is { } crd ? _store.Custom.List(crd, ns).Items : [];

    /// <summary>Deletes every ConfigMap of <paramref name="ns"/> as an admin would, so that the next client starts with none (a test's own timing store).</summary>
    public void DeleteConfigMaps(string ns)
    {
        foreach (var map in _store.ConfigMaps.List(ns).Items)
        {
            _store.ConfigMaps.Remove(ns, map.Metadata.Name);
        }
    }

    /// <summary>Creates an Opaque Secret as an admin would (its values never pass through a command line).</summary>
    public void CreateSecret(string ns, string name, IReadOnlyDictionary<string, string> data) => _store.PutSecret(new V1Secret
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Type = "Opaque",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Uid = Guid.NewGuid().ToString(), CreationTimestamp = DateTime.UtcNow },
        Data = data.ToDictionary(kv => kv.Key, kv => System.Text.Encoding.UTF8.GetBytes(kv.Value)),
    });

    /// <summary>Deletes a pod as an admin would (its processes are killed), e.g. mid-run.</summary>
    public Task DeletePodAsync(string ns, string name) => _controller.DeletePodAsync(ns, name, 0);

    /// <summary>Requests served so far by kind ("GET /api/v1/namespaces/{ns}/pods?watch", "POST …/jobs", …), to see what a client spends its requests on.</summary>
    public IReadOnlyDictionary<string, long> RequestCounts => new Dictionary<string, long>(_requestCounts);

    /// <summary>Every exec the emulator ran, in order: which container of which pod ran what, and whether it read stdin (how files travel).</summary>
    public IReadOnlyList<ExecRecord> Execs => [.. _execs];

    /// <summary>Every pod that was started, as created (spec and metadata; deleted ones too), to check the pod spec a client made after its run.</summary>
    public IReadOnlyList<V1Pod> StartedPods => [.. _kubelet.Started];

    internal void RecordExec(ExecRecord exec) => _execs.Enqueue(exec);

    /// <summary>Set once disposing began: new requests get no answer.</summary>
    internal bool IsStopping => Volatile.Read(ref _disposed) == 1;

    internal void CountRequest(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value ?? string.Empty;
        var key = $"{context.Request.Method} {route}{(Api.QueryFlag(context, "watch") ? "?watch" : string.Empty)}";
        _requestCounts.AddOrUpdate(key, 1, (_, n) => n + 1);
    }

    internal void CountConflict() => Interlocked.Increment(ref _conflicts);

    internal void CountFault(int code) => Interlocked.Increment(ref code == 500 ? ref _injected500 : ref _injected429);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // Deadlines and TTLs first, so none fires into a stopping emulator; then pods: killing their
        // processes ends the exec sessions the server would wait for. From here on no new request
        // is answered, as from a server that went away.
        await _controller.DisposeAsync();
        await _kubelet.DisposeAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_ownsStateDirectory)
        {
            FileTree.Delete(_stateDirectory);
        }
    }
}

/// <summary>One exec the emulator ran.</summary>
public sealed record ExecRecord(string Pod, string Container, IReadOnlyList<string> Command, bool Stdin);
