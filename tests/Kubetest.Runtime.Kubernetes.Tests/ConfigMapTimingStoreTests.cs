using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Kubetest.Emulator;
using Kubetest.Reporting;

namespace Kubetest.Runtime.Kubernetes.Tests;

/// <summary>The timing store on the API emulator as the kubetest service account: reads, read-modify-write, conflicts, RBAC.</summary>
public sealed class ConfigMapTimingStoreTests : IAsyncLifetime
{
    private const string Ns = "default";
    private readonly EmulatorOptions _options = new();
    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-timings-").FullName;
    private readonly List<k8s.Kubernetes> _clients = [];
    private KubeEmulator _emulator = null!;

    private string KubeconfigPath => Path.Combine(_root, "kubeconfig");

    public async Task InitializeAsync()
    {
        _emulator = await KubeEmulator.StartAsync(_options);
        _emulator.WriteKubeconfig(KubeconfigPath);
    }

    public async Task DisposeAsync()
    {
        _clients.ForEach(c => c.Dispose());
        await _emulator.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Reading_a_store_that_was_never_written_gives_null_and_creates_nothing()
    {
        var store = Store("myjob");

        Assert.Null(await store.ReadAsync(CancellationToken.None));
        Assert.Empty(_emulator.StoredConfigMaps(Ns));
        Assert.Equal("ConfigMap default/kubetest-timings-myjob", store.Name);
    }

    [Fact]
    public async Task An_update_creates_the_configmap_and_the_next_update_and_read_see_its_document()
    {
        var store = Store("myjob");
        string? seen = "unset";

        await store.UpdateAsync((_, _) => "{\"a\":1}", CancellationToken.None);
        await store.UpdateAsync((current, _) => { seen = current; return current + "+"; }, CancellationToken.None);

        Assert.Equal("{\"a\":1}", seen);
        Assert.Equal("{\"a\":1}+", await store.ReadAsync(CancellationToken.None));
        var configMap = Assert.Single(_emulator.StoredConfigMaps(Ns));
        Assert.Equal("kubetest-timings-myjob", configMap.Name());
        Assert.Equal(["timings.json.gz"], configMap.BinaryData.Keys);
        Assert.Equal("{\"a\":1}+", Gunzip(configMap.BinaryData["timings.json.gz"]));
        Assert.True(configMap.Data is null or { Count: 0 });
    }

    [Fact]
    public async Task The_configmap_says_kubetest_owns_it_without_the_label_kubetest_gc_deletes_by()
    {
        await Store("myjob").UpdateAsync((_, _) => "{}", CancellationToken.None);

        var labels = Assert.Single(_emulator.StoredConfigMaps(Ns)).Labels();
        Assert.Equal("kubetest", labels["app.kubernetes.io/managed-by"]);
        Assert.Equal("timings", labels["kubetest.io/store"]);
        Assert.DoesNotContain(JobLifecycle.TestJobLabel, labels.Keys);
        Assert.DoesNotContain(JobLifecycle.RunLabel, labels.Keys);
    }

    [Fact]
    public async Task An_update_keeps_the_other_keys_and_labels_someone_put_in_the_configmap()
    {
        var admin = Client("admin");
        await admin.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = "kubetest-timings-myjob", Labels = new Dictionary<string, string> { ["team"] = "ci" } },
                Data = new Dictionary<string, string> { ["notes"] = "kept" },
            },
            Ns);

        await Store("myjob").UpdateAsync((current, _) => current ?? "fresh", CancellationToken.None);

        var configMap = Assert.Single(_emulator.StoredConfigMaps(Ns));
        Assert.Equal("kept", configMap.Data["notes"]);
        Assert.Equal("fresh", Gunzip(configMap.BinaryData["timings.json.gz"]));
        Assert.Equal("ci", configMap.Labels()["team"]);
    }

    [Fact]
    public async Task Eight_runs_updating_at_once_from_the_same_version_all_land_after_retrying_their_conflicts()
    {
        await Store("myjob").UpdateAsync((_, _) => string.Empty, CancellationToken.None);
        var gate = new ReadGate(8);
        var store = Store("myjob", Client("kubetest", gate));

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => store.UpdateAsync((current, _) => current + $"run{i};", CancellationToken.None))));

        var lines = (await Store("myjob").ReadAsync(CancellationToken.None))!.Split(';', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"run{i}").Order(), lines.Order());
        Assert.True(_emulator.ConflictCount >= 7, $"the first round of 8 writes on one resourceVersion should give 7 conflicts, saw {_emulator.ConflictCount}");
    }

    [Fact]
    public async Task Two_runs_that_both_find_no_configmap_both_land_when_one_create_meets_the_other()
    {
        var gate = new ReadGate(2);
        var store = Store("myjob", Client("kubetest", gate));

        await Task.WhenAll(Task.Run(() => store.UpdateAsync((current, _) => current + "a;", CancellationToken.None)), Task.Run(() => store.UpdateAsync((current, _) => current + "b;", CancellationToken.None)));

        var document = await store.ReadAsync(CancellationToken.None);
        Assert.True(document is "a;b;" or "b;a;", document);
    }

    [Fact]
    public async Task A_transient_server_error_on_the_write_is_retried_and_the_update_lands_once()
    {
        var store = Store("myjob");
        await store.UpdateAsync((_, _) => "a;", CancellationToken.None);
        var flaky = new FailFirstWrite();

        await Store("myjob", Client("kubetest", flaky)).UpdateAsync((current, _) => current + "b;", CancellationToken.None);

        Assert.Equal(1, flaky.Failed);
        Assert.Equal("a;b;", await store.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task An_update_that_meets_a_conflict_every_time_gives_up_after_five_rounds_with_one_line()
    {
        await Store("myjob").UpdateAsync((_, _) => "a;", CancellationToken.None);
        var calls = 0;

        var ex = await Assert.ThrowsAsync<TimingStoreException>(() => Store("myjob", Client("kubetest", new AlwaysConflict())).UpdateAsync((current, _) => { calls++; return current + "b;"; }, CancellationToken.None));

        Assert.Equal("ConfigMap default/kubetest-timings-myjob: cannot update it: other runs changed it 5 times while this one tried to write it", ex.Message);
        Assert.Equal(ConfigMapTimingStore.Attempts, calls);
        Assert.Equal("a;", await Store("myjob").ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Without_configmap_rights_reading_fails_with_one_line_naming_the_configmap_and_the_verb_and_no_token()
    {
        Revoke("get configmaps", "create configmaps", "update configmaps");

        var ex = await Assert.ThrowsAsync<TimingStoreException>(() => Store("myjob").ReadAsync(CancellationToken.None));

        Assert.Equal("ConfigMap default/kubetest-timings-myjob: cannot get configmaps in namespace default: forbidden (the Role needs get, create, update on configmaps; see deploy/rbac.yaml)", ex.Message);
        Assert.All(Tokens(), token => Assert.DoesNotContain(token, ex.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_role_that_may_read_but_not_create_fails_the_first_update_naming_create_and_stores_nothing()
    {
        Revoke("create configmaps");

        var ex = await Assert.ThrowsAsync<TimingStoreException>(() => Store("myjob").UpdateAsync((_, _) => "{}", CancellationToken.None));

        Assert.Equal("ConfigMap default/kubetest-timings-myjob: cannot create configmaps in namespace default: forbidden (the Role needs get, create, update on configmaps; see deploy/rbac.yaml)", ex.Message);
        Assert.Empty(_emulator.StoredConfigMaps(Ns));
    }

    [Fact]
    public async Task A_role_that_may_not_update_fails_the_second_update_naming_update_and_keeps_the_first_document()
    {
        var store = Store("myjob");
        await store.UpdateAsync((_, _) => "first", CancellationToken.None);
        Revoke("update configmaps");

        var ex = await Assert.ThrowsAsync<TimingStoreException>(() => store.UpdateAsync((_, _) => "second", CancellationToken.None));

        Assert.Contains("cannot update configmaps in namespace default: forbidden", ex.Message, StringComparison.Ordinal);
        Assert.Equal("first", await store.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_document_that_other_keys_push_over_the_configmap_size_limit_fails_with_the_api_servers_reason()
    {
        await Client("admin").CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "kubetest-timings-myjob" }, Data = new Dictionary<string, string> { ["notes"] = new string('n', 1000 * 1000) } },
            Ns);

        var ex = await Assert.ThrowsAsync<TimingStoreException>(() => Store("myjob").UpdateAsync((_, _) => Incompressible(100_000), CancellationToken.None));

        Assert.StartsWith("ConfigMap default/kubetest-timings-myjob: cannot update it: the API server answered 422 ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Too long: must have at most 1048576 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Null(Assert.Single(_emulator.StoredConfigMaps(Ns)).BinaryData);
    }

    [Fact]
    public async Task A_document_that_ignores_its_byte_budget_is_refused_after_the_last_round_and_nothing_is_written()
    {
        var calls = 0;

        var ex = await Assert.ThrowsAsync<TimingStoreException>(() => Store("myjob").UpdateAsync((_, _) => { calls++; return Incompressible(1_300_000); }, CancellationToken.None));

        Assert.StartsWith("ConfigMap default/kubetest-timings-myjob: cannot update it: its document is ", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith(" bytes compressed, more than 900000", ex.Message, StringComparison.Ordinal);
        Assert.Equal(ConfigMapTimingStore.SizeRounds, calls);
        Assert.Empty(_emulator.StoredConfigMaps(Ns));
    }

    [Fact]
    public async Task An_unreachable_api_server_fails_with_one_line_naming_the_configmap()
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath);
        config.Host = "https://127.0.0.1:1";
        using var client = new k8s.Kubernetes(config);

        var ex = await Assert.ThrowsAsync<TimingStoreException>(() => new ConfigMapTimingStore(client, Ns, "myjob").ReadAsync(CancellationToken.None));

        Assert.StartsWith("ConfigMap default/kubetest-timings-myjob: cannot get it: the API server did not answer (", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public async Task Thirty_thousand_test_ids_of_eighty_characters_are_all_saved_compressed_and_read_back()
    {
        var durations = Enumerable.Range(0, 30_000).ToDictionary(NodeId, i => i / 1000.0, StringComparer.Ordinal);
        TimingDocument? saved = null;

        await Store("myjob").UpdateAsync((current, limits) => (saved = TimingDocument.Empty.Merge(durations, limits)).ToJson(), CancellationToken.None);
        var (read, problem) = TimingDocument.Parse(await Store("myjob").ReadAsync(CancellationToken.None), ConfigMapTimingStore.ConfigMapLimits);

        Assert.Null(problem);
        Assert.Equal(0, saved!.DroppedForSize);
        Assert.Equal(80, NodeId(29_999).Length);
        Assert.Equal(durations, read!.Durations());
        var gzip = Assert.Single(_emulator.StoredConfigMaps(Ns)).BinaryData["timings.json.gz"];
        Assert.True(gzip.Length < ConfigMapTimingStore.MaxCompressedBytes, $"{gzip.Length} bytes compressed");
        Assert.True(Encoding.UTF8.GetByteCount(Gunzip(gzip)) > 1024 * 1024, "uncompressed it would not fit in a ConfigMap");
    }

    [Fact]
    public async Task A_document_too_big_compressed_keeps_the_keys_seen_last_and_stays_under_the_bound()
    {
        var old = Enumerable.Range(0, 8_000).ToDictionary(_ => Incompressible(80), _ => 1.0, StringComparer.Ordinal);
        var recent = Enumerable.Range(0, 10_000).ToDictionary(_ => Incompressible(80), _ => 2.0, StringComparer.Ordinal);
        TimingDocument? saved = null;
        Func<string?, TimingLimits, string> Merging(Dictionary<string, double> durations) =>
            (current, limits) => (saved = (TimingDocument.Parse(current, limits).Document ?? TimingDocument.Empty).Merge(durations, limits)).ToJson();

        await Store("myjob").UpdateAsync(Merging(old), CancellationToken.None);
        Assert.Equal(0, saved!.DroppedForSize);
        await Store("myjob").UpdateAsync(Merging(recent), CancellationToken.None);

        var gzip = Assert.Single(_emulator.StoredConfigMaps(Ns)).BinaryData["timings.json.gz"];
        var read = TimingDocument.Parse(Gunzip(gzip), ConfigMapTimingStore.ConfigMapLimits).Document!;
        Assert.True(gzip.Length <= ConfigMapTimingStore.MaxCompressedBytes, $"{gzip.Length} bytes compressed");
        Assert.All(recent.Keys, key => Assert.Contains(key, read.Keys.Keys));
        var oldKept = read.Keys.Keys.Count(old.ContainsKey);
        Assert.InRange(oldKept, 1, old.Count - 1);
        Assert.Equal(old.Count - oldKept, saved!.DroppedForSize);
        Assert.Equal(recent.Count + oldKept, read.Keys.Count);
    }

    [Fact]
    public async Task A_configmap_an_older_kubetest_wrote_as_plain_json_is_read_and_the_next_update_rewrites_it_compressed()
    {
        await Client("admin").CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "kubetest-timings-myjob" }, Data = new Dictionary<string, string> { ["timings.json"] = "old;", ["notes"] = "kept" } },
            Ns);
        var store = Store("myjob");

        var read = await store.ReadAsync(CancellationToken.None);
        await store.UpdateAsync((current, _) => current + "new;", CancellationToken.None);

        Assert.Equal("old;", read);
        var configMap = Assert.Single(_emulator.StoredConfigMaps(Ns));
        Assert.Equal("old;new;", Gunzip(configMap.BinaryData["timings.json.gz"]));
        Assert.Equal(["notes"], configMap.Data.Keys);
        Assert.Equal("old;new;", await store.ReadAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData("bomb", "its binaryData timings.json.gz unpacks to more than 16777216 bytes")]
    [InlineData("not gzip", "its binaryData timings.json.gz is not gzip-compressed UTF-8 text")]
    [InlineData("latin-1", "its binaryData timings.json.gz is not gzip-compressed UTF-8 text")]
    public async Task Binary_data_kubetest_cannot_unpack_is_unreadable_with_its_reason_and_the_next_update_replaces_it(string kind, string reason)
    {
        var bytes = kind switch
        {
            "bomb" => GzipBomb(),
            "latin-1" => Gzip([0x7B, 0xE9, 0x7D]),
            _ => Encoding.UTF8.GetBytes("{\"version\":1}"),
        };
        await Client("admin").CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "kubetest-timings-myjob" }, BinaryData = new Dictionary<string, byte[]> { ["timings.json.gz"] = bytes } },
            Ns);
        var store = Store("myjob");
        string? seen = "unset";

        var ex = await Assert.ThrowsAsync<UnreadableTimingDocumentException>(() => store.ReadAsync(CancellationToken.None));
        await store.UpdateAsync((current, _) => { seen = current; return "fresh"; }, CancellationToken.None);

        Assert.Equal(reason, ex.Message);
        Assert.Null(seen);
        Assert.Equal("fresh", await store.ReadAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData("MyJob")]
    [InlineData("my_job with spaces/../../etc")]
    [InlineData("ünïcödé-jöb")]
    [InlineData("")]
    public async Task A_testjob_name_that_is_no_valid_object_name_still_gets_a_store_of_its_own(string testJobName)
    {
        var store = Store(testJobName);

        await store.UpdateAsync((_, _) => testJobName + "!", CancellationToken.None);
        await Store("myjob").UpdateAsync((_, _) => "other", CancellationToken.None);

        Assert.Equal(testJobName + "!", await store.ReadAsync(CancellationToken.None));
        Assert.Equal(testJobName, _emulator.StoredConfigMaps(Ns).Single(m => m.Name() != "kubetest-timings-myjob").Annotations()["kubetest.io/timings-of"]);
    }

    [Fact]
    public async Task A_replace_that_names_a_resource_version_already_replaced_is_refused_with_409_conflict()
    {
        var client = Client("kubetest");
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "x" }, Data = new Dictionary<string, string> { ["k"] = "1" } }, Ns);
        var read = await client.CoreV1.ReadNamespacedConfigMapAsync("x", Ns);
        read.Data["k"] = "2";
        var replaced = await client.CoreV1.ReplaceNamespacedConfigMapAsync(read, "x", Ns);

        read.Data["k"] = "3";
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReplaceNamespacedConfigMapAsync(read, "x", Ns));

        Assert.NotEqual(read.ResourceVersion(), replaced.ResourceVersion());
        Assert.Equal(HttpStatusCode.Conflict, ex.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(ex.Response.Content);
        Assert.Equal("Conflict", status.Reason);
        Assert.Equal("Operation cannot be fulfilled on configmaps \"x\": the object has been modified; please apply your changes to the latest version and try again", status.Message);
        Assert.Equal("2", (await client.CoreV1.ReadNamespacedConfigMapAsync("x", Ns)).Data["k"]);
    }

    private static string Gunzip(byte[] gzip)
    {
        using var unzip = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        using var reader = new StreamReader(unzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var packed = new MemoryStream();
        using (var zip = new GZipStream(packed, CompressionLevel.SmallestSize))
        {
            zip.Write(bytes);
        }

        return packed.ToArray();
    }

    /// <summary>1 GiB of zeros in under 1 MiB: 64 gzip members of 16 MiB each, one after the other, as gzip allows.</summary>
    private static byte[] GzipBomb()
    {
        var member = Gzip(new byte[16 * 1024 * 1024]);
        var bomb = Enumerable.Repeat(member, 64).SelectMany(m => m).ToArray();
        Assert.True(bomb.Length < 1024 * 1024, $"{bomb.Length} bytes");
        return bomb;
    }

    /// <summary>Pytest node ids of 80 characters that share their module and class prefixes, as a test-level suite's keys do.</summary>
    private static string NodeId(int i) => $"numpy/_core/tests/test_multiarray.py::TestMethods{i / 500:D3}::test_sort_{i:D6}[float64-".PadRight(79, 'x') + "]";

    /// <summary>Random base64 text: gzip cannot shrink it below three quarters of its size.</summary>
    private static string Incompressible(int chars) => Convert.ToBase64String(RandomNumberGenerator.GetBytes(chars))[..chars];

    private ConfigMapTimingStore Store(string testJobName, k8s.Kubernetes? client = null) => new(client ?? Client("kubetest"), Ns, testJobName);

    private k8s.Kubernetes Client(string context, params DelegatingHandler[] handlers)
    {
        var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath, currentContext: context), handlers);
        _clients.Add(client);
        return client;
    }

    private void Revoke(params string[] rights)
    {
        lock (_options.RevokedVerbs)
        {
            _options.RevokedVerbs.UnionWith(rights);
        }
    }

    private string[] Tokens() => [.. File.ReadAllLines(KubeconfigPath).Select(l => l.Trim()).Where(l => l.StartsWith("token: ", StringComparison.Ordinal)).Select(l => l["token: ".Length..])];

    /// <summary>Holds the first <paramref name="readers"/> ConfigMap reads until all have been answered, so that many updaters start from one resourceVersion.</summary>
    private sealed class ReadGate(int readers) : DelegatingHandler
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _reads;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Get && request.RequestUri!.AbsolutePath.Contains("/configmaps/", StringComparison.Ordinal))
            {
                var n = Interlocked.Increment(ref _reads);
                if (n == readers)
                {
                    _all.TrySetResult();
                }

                if (n <= readers)
                {
                    await _all.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
                }
            }

            return response;
        }
    }

    /// <summary>Answers the first PUT 503 without passing it on, as a busy API server would.</summary>
    private sealed class FailFirstWrite : DelegatingHandler
    {
        private int _failed;

        public int Failed => Volatile.Read(ref _failed);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            request.Method == HttpMethod.Put && Interlocked.CompareExchange(ref _failed, 1, 0) == 0
                ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("{\"kind\":\"Status\",\"status\":\"Failure\",\"code\":503}") })
                : base.SendAsync(request, cancellationToken);
    }

    /// <summary>Answers every PUT 409 Conflict without passing it on, as if another run always wrote first.</summary>
    private sealed class AlwaysConflict : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            request.Method == HttpMethod.Put
                ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.Conflict) { Content = new StringContent("{\"kind\":\"Status\",\"status\":\"Failure\",\"reason\":\"Conflict\",\"code\":409}") })
                : base.SendAsync(request, cancellationToken);
    }
}
