using System.IO.Compression;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace Kubetest.Cli.Tests;

/// <summary>
/// The timing store on the kubernetes runtime, through the real CLI and the emulator: a ConfigMap per TestJob in
/// the run's namespace, written by concurrent runs without loss, and a Role without its verbs costs one warning only.
/// Each test names its own TestJob, so the tests of this class (one emulator) never share a store.
/// </summary>
public sealed class TimingStoreClusterTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    private static string QueueOf(string name, params string[] keys) => Manifests.Strategy(
        keys,
        "case $TASK_KEY in slow*) sleep 3;; esac; echo done $TASK_KEY",
        scheduler: "mode: queue\nmaxPodNum: 1\nmaxConcurrentNumPerPod: 1").Replace("name: e2e", $"name: {name}", StringComparison.Ordinal);

    /// <summary>1 GiB of zeros in under 1 MiB: 64 gzip members of 16 MiB each, one after the other, as gzip allows.</summary>
    private static byte[] GzipBomb()
    {
        using var packed = new MemoryStream();
        using (var zip = new GZipStream(packed, CompressionLevel.SmallestSize))
        {
            zip.Write(new byte[16 * 1024 * 1024]);
        }

        var bomb = Enumerable.Repeat(packed.ToArray(), 64).SelectMany(m => m).ToArray();
        Assert.True(bomb.Length < 1024 * 1024, $"{bomb.Length} bytes");
        return bomb;
    }

    private Dictionary<string, JsonElement> StoredKeys(string testJob)
    {
        var map = Assert.Single(runtimes.Emulator.StoredConfigMaps("default"), m => m.Metadata.Name == $"kubetest-timings-{testJob}");
        using var json = new GZipStream(new MemoryStream(map.BinaryData["timings.json.gz"]), CompressionMode.Decompress);
        return JsonDocument.Parse(json).RootElement.GetProperty("keys").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }

    [Fact]
    public async Task The_second_run_with_no_flags_starts_the_slowest_key_first_from_the_configmap_the_first_run_wrote()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var manifest = cli.Write("job.yaml", QueueOf("balanced", "quick", "slow"));
        const string store = "ConfigMap default/kubetest-timings-balanced";

        var first = await cli.RunAsync(manifest);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains($"[INFO] timings: none stored yet in {store}; this run is unbalanced, and saves its durations there", first.StderrLines);
        Assert.Contains($"[INFO] timings: saved 2 keys to {store} (run 1)", first.StderrLines);
        var keys = StoredKeys("balanced");
        Assert.True(keys["slow"][0].GetDouble() > keys["quick"][0].GetDouble(), string.Join(", ", keys));

        var second = await cli.RunAsync(manifest);

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains($"[INFO] timings: 2 keys from {store} (run 1)", second.StderrLines);
        var done = second.StderrLines.Where(l => l.StartsWith("done ", StringComparison.Ordinal)).ToList();
        Assert.True(done.Count == 2 && done[0] == "done slow", second.ToString());
        Assert.Empty(runtimes.LeftInCluster(RuntimeKind.Kubernetes));
    }

    [Theory]
    [InlineData("bomb", "its binaryData timings.json.gz unpacks to more than 16777216 bytes")]
    [InlineData("plain", "its binaryData timings.json.gz is not gzip-compressed UTF-8 text")]
    public async Task A_configmap_whose_binary_data_cannot_be_unpacked_gives_one_warning_a_normal_run_and_is_replaced(string kind, string reason)
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var testJob = $"unpack-{kind}";
        var content = kind == "bomb" ? GzipBomb() : Encoding.UTF8.GetBytes("""{"version":1,"runs":1,"keys":{}}""");
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(cli.Write("admin.kubeconfig", runtimes.Emulator.AdminKubeconfig));
        using (var admin = new k8s.Kubernetes(config))
        {
            await admin.CoreV1.CreateNamespacedConfigMapAsync(
                new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"kubetest-timings-{testJob}" }, BinaryData = new Dictionary<string, byte[]> { ["timings.json.gz"] = content } },
                "default");
        }

        var run = await cli.RunAsync(cli.Write("job.yaml", QueueOf(testJob, "a", "b")));

        Assert.True(run.ExitCode == 0, run.ToString());
        var warning = Assert.Single(run.StderrLines, l => l.StartsWith("[WARN]", StringComparison.Ordinal));
        Assert.Equal($"[WARN] timings: the timing store ConfigMap default/kubetest-timings-{testJob} is unusable ({reason}); this run is unbalanced, and its durations replace what is there", warning);
        Assert.Contains($"[INFO] timings: saved 2 keys to ConfigMap default/kubetest-timings-{testJob} (run 1)", run.StderrLines);
        Assert.Equal(2, run.Report.GetProperty("successNum").GetInt32());
        Assert.Equal(["a", "b"], StoredKeys(testJob).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Two_runs_of_one_testjob_at_once_both_land_in_its_configmap()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var manifest = cli.Write("job.yaml", QueueOf("together", "a", "b"));
        var listA = cli.Write("a.txt", "a\n");
        var listB = cli.Write("b.txt", "b\n");

        var runs = await Task.WhenAll(cli.RunAsync("--list", listA, manifest), cli.RunAsync("--list", listB, manifest));

        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.ToString()));
        Assert.Equal(["a", "b"], StoredKeys("together").Keys.Order(StringComparer.Ordinal));
    }
}

/// <summary>A Role without the configmap verbs: the run warns once and runs as it would without a store. Its own emulator, whose rights it takes away.</summary>
public sealed class TimingStoreForbiddenTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    [Fact]
    public async Task A_role_without_configmap_verbs_gives_one_warning_and_a_correct_run()
    {
        runtimes.Emulator.Options.RevokedVerbs.UnionWith(["get configmaps", "create configmaps", "update configmaps"]);
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var manifest = cli.Write("job.yaml", Manifests.Strategy(["a", "b"], "echo done $TASK_KEY"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var warning = Assert.Single(run.StderrLines, l => l.StartsWith("[WARN]", StringComparison.Ordinal));
        Assert.StartsWith("[WARN] timings: cannot read the timing store ConfigMap default/kubetest-timings-e2e: ", warning, StringComparison.Ordinal);
        Assert.Contains("forbidden (the Role needs get, create, update on configmaps; see deploy/rbac.yaml)", warning, StringComparison.Ordinal);
        Assert.Equal("success", run.Report.GetProperty("status").GetString());
        Assert.Equal(2, run.Report.GetProperty("successNum").GetInt32());
        Assert.Empty(runtimes.Emulator.StoredConfigMaps("default"));
        Assert.Empty(runtimes.LeftInCluster(RuntimeKind.Kubernetes));
    }
}
