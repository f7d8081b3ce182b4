using System.Text.Json;

namespace Kubetest.Cli.Tests;

/// <summary>
/// Runs without <c>--timings</c> balance by the durations earlier runs left in the timing store, through the real
/// CLI on the local runtime, whose default store is a file under the runner's own XDG_CACHE_HOME.
/// </summary>
public sealed class TimingStoreTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    private static string QueueOf(params string[] keys) => Manifests.Strategy(
        keys,
        "case $TASK_KEY in slow*) sleep 3;; esac; echo done $TASK_KEY",
        scheduler: "mode: queue\nmaxPodNum: 1\nmaxConcurrentNumPerPod: 1");

    private static string DefaultStore(CliRunner cli) => Path.Combine(cli.CacheDirectory, "kubetest", "default", "e2e.json");

    private static Dictionary<string, JsonElement> StoredKeys(string path) =>
        JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("keys").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());

    [Fact]
    public async Task The_second_run_with_no_flags_plans_the_slowest_key_first_from_what_the_first_run_stored()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("job.yaml", QueueOf("quick", "slow"));
        var store = DefaultStore(cli);

        var first = await cli.RunAsync(manifest);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains($"[INFO] timings: none stored yet in {store}; this run is unbalanced, and saves its durations there", first.StderrLines);
        Assert.Contains($"[INFO] timings: saved 2 keys to {store} (run 1)", first.StderrLines);
        var keys = StoredKeys(store);
        Assert.True(keys["slow"][0].GetDouble() > keys["quick"][0].GetDouble(), File.ReadAllText(store));
        Assert.Equal(1, JsonDocument.Parse(File.ReadAllText(store)).RootElement.GetProperty("version").GetInt32());

        var plan = await cli.RunAsync("--dry-run", manifest);

        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains($"[INFO] timings: 2 keys from {store} (run 1)", plan.StderrLines);
        Assert.Contains(plan.StderrLines, l => l.Trim() == "keys in queue order: slow, quick");

        var second = await cli.RunAsync(manifest);

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains($"[INFO] timings: 2 keys from {store} (run 1)", second.StderrLines);
        Assert.Contains($"[INFO] timings: saved 2 keys to {store} (run 2)", second.StderrLines);
        var started = second.StderrLines.Where(l => l.StartsWith("done ", StringComparison.Ordinal)).ToList();
        Assert.True(started.Count == 2 && started[0].Contains("done slow", StringComparison.Ordinal), second.ToString());
    }

    [Fact]
    public async Task Two_runs_of_one_testjob_at_once_both_land_in_the_store()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("job.yaml", QueueOf("a", "b"));
        var listA = cli.Write("a.txt", "a\n");
        var listB = cli.Write("b.txt", "b\n");

        var runs = await Task.WhenAll(cli.RunAsync("--list", listA, manifest), cli.RunAsync("--list", listB, manifest));

        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.ToString()));
        Assert.Equal(["a", "b"], StoredKeys(DefaultStore(cli)).Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, JsonDocument.Parse(File.ReadAllText(DefaultStore(cli))).RootElement.GetProperty("runs").GetInt64());
    }

    [Fact]
    public async Task With_timings_store_none_nothing_is_read_or_written()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("job.yaml", QueueOf("a"));

        var run = await cli.RunAsync("--timings-store", "none", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.False(Directory.Exists(cli.CacheDirectory), "the cache directory was created");
        Assert.DoesNotContain("timings:", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_that_cannot_be_written_is_one_warning_and_the_run_still_succeeds()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("job.yaml", QueueOf("a"));
        // A file where the cache directory should be: no directory can be made below it.
        cli.Environment["XDG_CACHE_HOME"] = cli.Write("not-a-directory", "");

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var warning = Assert.Single(run.StderrLines, l => l.StartsWith("[WARN]", StringComparison.Ordinal));
        Assert.StartsWith($"[WARN] timings: cannot save to the timing store {Path.Combine(cli.Root, "not-a-directory", "kubetest", "default", "e2e.json")}: cannot write it:", warning, StringComparison.Ordinal);
        Assert.Equal("success", run.Report.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_link_at_the_store_path_is_one_warning_and_its_target_is_neither_read_nor_written()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("job.yaml", QueueOf("a"));
        var target = cli.Write("precious.json", """{"version":1,"runs":1,"keys":{"a":[1,1]}}""");
        var link = Path.Combine(cli.Root, "store.json");
        File.CreateSymbolicLink(link, target);

        var run = await cli.RunAsync("--timings-store", link, manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var warning = Assert.Single(run.StderrLines, l => l.StartsWith("[WARN]", StringComparison.Ordinal));
        Assert.Equal($"[WARN] timings: cannot read the timing store {link}: it is a symbolic link, and kubetest never follows links; this run is unbalanced and saves nothing", warning);
        Assert.Equal("""{"version":1,"runs":1,"keys":{"a":[1,1]}}""", File.ReadAllText(target));
        Assert.NotNull(new FileInfo(link).LinkTarget);
    }

    [Fact]
    public async Task A_corrupt_store_is_one_warning_and_is_replaced_by_this_runs_durations()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("job.yaml", QueueOf("a"));
        var store = cli.Write("store.json", """{"version":7}""");

        var run = await cli.RunAsync("--timings-store", store, manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var warning = Assert.Single(run.StderrLines, l => l.StartsWith("[WARN]", StringComparison.Ordinal));
        Assert.Contains("is unusable (it has version 7, and this kubetest reads version 1)", warning, StringComparison.Ordinal);
        Assert.Equal(["a"], StoredKeys(store).Keys);
    }

    [Fact]
    public async Task With_timings_the_store_is_not_read_but_still_learns_this_runs_durations()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("job.yaml", QueueOf("a", "b"));
        var store = cli.Write("store.json", """{"version":1,"runs":3,"keys":{"old":[9,3]}}""");
        var timings = cli.Write("timings.json", """{"details": [{"name": "b", "elapsedTimeSec": 5, "status": "success"}]}""");

        var run = await cli.RunAsync("--timings", timings, "--timings-store", store, manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"[INFO] timings: from --timings; the timing store {store} is not read, and this run's durations are saved to it", run.StderrLines);
        Assert.Equal(["a", "b", "old"], StoredKeys(store).Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("cluster", "--timings-store cluster keeps timings in a ConfigMap, which needs --runtime kubernetes")]
    [InlineData("", "--timings-store: the value is empty")]
    public async Task A_store_the_local_runtime_cannot_have_is_refused_before_anything_runs(string value, string message)
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("job.yaml", QueueOf("a"));

        var run = await cli.RunAsync("--timings-store", value, manifest);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains(run.StderrLines, l => l.StartsWith($"[ERROR] {message}", StringComparison.Ordinal));
        Assert.DoesNotContain("done a", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_namespace_that_is_not_a_file_name_keeps_the_store_inside_the_cache_directory()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("job.yaml", QueueOf("a"));

        var run = await cli.RunAsync("-n", "../../escape", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var saved = Assert.Single(Directory.GetFiles(Path.Combine(cli.CacheDirectory, "kubetest"), "*.json", SearchOption.AllDirectories));
        Assert.Equal(Path.Combine(cli.CacheDirectory, "kubetest"), Path.GetDirectoryName(Path.GetDirectoryName(saved)));
        Assert.Contains($"[INFO] timings: saved 1 keys to {saved} (run 1)", run.StderrLines);
        Assert.Empty(Directory.GetFileSystemEntries(cli.Root, "escape*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_run_stopped_by_a_signal_saves_nothing_since_its_keys_have_only_parts_of_their_times()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("job.yaml", Manifests.Strategy(
            ["quick", "slow"],
            "if [ $TASK_KEY = slow ]; then sleep 617; fi; echo done $TASK_KEY",
            scheduler: "maxContainersPerPod: 2"));

        var run = await cli.RunAndSignalAsync("INT", "1/2", manifest);

        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.False(File.Exists(DefaultStore(cli)), run.ToString());
        Assert.DoesNotContain("timings: saved", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dry_run_on_kubernetes_contacts_no_cluster_so_it_says_the_configmap_store_is_not_read()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var manifest = cli.Write("job.yaml", QueueOf("a", "b"));

        var run = await cli.RunAsync("--dry-run", "--log-level", "debug", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("[DEBUG] timings: a dry run contacts no cluster, so it does not read the timing store (--timings-store cluster); the plan is unbalanced", run.StderrLines);
        Assert.False(Directory.Exists(cli.CacheDirectory));
    }

    [Fact]
    public async Task A_dry_run_reads_the_file_store_but_never_writes_it()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("job.yaml", QueueOf("a", "b"));

        var run = await cli.RunAsync("--dry-run", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"[INFO] timings: none stored yet in {DefaultStore(cli)}; the plan is unbalanced", run.StderrLines);
        Assert.False(Directory.Exists(cli.CacheDirectory));
    }
}
