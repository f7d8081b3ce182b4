namespace Kubetest.Cli.Tests;

/// <summary>
/// <c>$KUBETEST_KEYS_FILE</c> and the key variable's byte bound through the real CLI: a batch far beyond what one
/// environment string may hold (5,000 ids of 100 characters, <c>maxKeys: 10000</c>) runs without E2BIG on every runtime,
/// each command reading its keys from the file, and the dry run says how the batches were cut.
/// </summary>
public sealed class KeysFileTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    // 100 characters each; "TASK_KEY=", the NUL and a space between keys: 1216 keys take 122,825 bytes, 1217 would pass 120 KiB.
    private static readonly string[] ManyKeys = [.. Enumerable.Range(0, 5000).Select(i => $"tests/unit/test_module_{i:D4}.py::TestSuite::test_case_".PadRight(100, 'x'))];

    // Each command: how many lines the file has, whether they are exactly the words of $TASK_KEY, and the keys themselves.
    private const string Script = "set -f; n=$(wc -l < \"$KUBETEST_KEYS_FILE\"); if [ \"$(printf '%s\\n' $TASK_KEY)\" = \"$(cat \"$KUBETEST_KEYS_FILE\")\" ]; then same=same; else same=differs; fi; echo \"$n $same\" >> /state/batches; cat \"$KUBETEST_KEYS_FILE\" >> /state/keys";

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Five_thousand_keys_of_100_characters_with_max_keys_10000_run_in_batches_under_120_KiB_each_reading_its_keys_from_KUBETEST_KEYS_FILE(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var (manifest, state) = Write(cli, extraContainer: "");

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString()[..Math.Min(run.ToString().Length, 5000)]);
        Assert.Equal(["1216 same", "1216 same", "1216 same", "1216 same", "136 same"], File.ReadAllLines(Path.Combine(state, "batches")));
        Assert.Equal(ManyKeys, File.ReadAllLines(Path.Combine(state, "keys")));
        Assert.Equal(5000, run.Report.GetProperty("successNum").GetInt32());
        Assert.Equal(5000, run.Report.GetProperty("details").GetArrayLength());
        Assert.DoesNotContain("Argument list too long", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Static_batches_of_the_same_keys_are_cut_the_same_way_and_read_the_same_file(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var (manifest, state) = Write(cli, extraContainer: "", scheduler: "maxPodNum: 1\nmaxConcurrentNumPerPod: 1");

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString()[..Math.Min(run.ToString().Length, 5000)]);
        Assert.Equal(["1216 same", "1216 same", "1216 same", "1216 same", "136 same"], File.ReadAllLines(Path.Combine(state, "batches")));
        Assert.Equal(ManyKeys, File.ReadAllLines(Path.Combine(state, "keys")));
        Assert.Equal(5000, run.Report.GetProperty("successNum").GetInt32());
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    [Fact]
    public async Task The_static_dry_run_says_the_same_and_shows_five_batches()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var (manifest, _) = Write(cli, extraContainer: "", scheduler: "maxPodNum: 1\nmaxConcurrentNumPerPod: 1");

        var run = await cli.RunAsync("--dry-run", manifest);

        Assert.True(run.ExitCode == 0, run.ToString()[..Math.Min(run.ToString().Length, 5000)]);
        var lines = run.StderrLines.Select(l => l.Trim()).ToList();
        Assert.Contains("batches are also cut to keep $TASK_KEY under 120 KiB (the kernel's 128 KiB limit per variable)", lines);
        Assert.Contains(lines, l => l.StartsWith("pod 0: 5000 keys in 5 batches, at most 1 at once, ", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Through_kubetest_agent_the_keys_file_is_copied_in_and_holds_the_batchs_keys()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes, sharesHostFiles: true);
        var (manifest, state) = Write(cli, extraContainer: $"agent:\n  installedPath: {Runtimes.AgentPath}");

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString()[..Math.Min(run.ToString().Length, 5000)]);
        Assert.Equal(["1216 same", "1216 same", "1216 same", "1216 same", "136 same"], File.ReadAllLines(Path.Combine(state, "batches")));
        Assert.Equal(ManyKeys, File.ReadAllLines(Path.Combine(state, "keys")));
        Assert.Empty(runtimes.LeftInCluster(RuntimeKind.Kubernetes));
    }

    [Fact]
    public async Task The_dry_run_says_the_batches_are_cut_to_keep_the_variable_under_120_KiB_and_shows_their_sizes()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var (manifest, _) = Write(cli, extraContainer: "");

        var run = await cli.RunAsync("--dry-run", manifest);

        Assert.True(run.ExitCode == 0, run.ToString()[..Math.Min(run.ToString().Length, 5000)]);
        var lines = run.StderrLines.Select(l => l.Trim()).ToList();
        Assert.Contains("batches are also cut to keep $TASK_KEY under 120 KiB (the kernel's 128 KiB limit per variable)", lines);
        var batches = Assert.Single(lines, l => l.StartsWith("5 batches if workers take them in turn: ", StringComparison.Ordinal));
        Assert.Equal(4, batches.Split("1216 keys, $TASK_KEY 119.9 KiB]").Length - 1);
        Assert.EndsWith($"[{ManyKeys[4864]} … {ManyKeys[4999]}: 136 keys, $TASK_KEY 13.4 KiB]", batches, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Small_batches_say_nothing_of_the_bound_and_show_their_keys()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("small.yaml", Manifests.Strategy(["k1", "k2", "k3"], "true", scheduler: "mode: queue\nmaxPodNum: 1\nmaxConcurrentNumPerPod: 1", extraStrategy: "batch:\n  maxKeys: 2"));

        var run = await cli.RunAsync("--dry-run", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain("batches are also cut", run.Stderr, StringComparison.Ordinal);
        Assert.Contains(run.StderrLines, l => l.Trim() == "2 batches if workers take them in turn: [k1 k2], [k3]");
    }

    private static (string Manifest, string State) Write(CliRunner cli, string extraContainer, string scheduler = "mode: queue\nmaxPodNum: 1\nmaxConcurrentNumPerPod: 1")
    {
        var state = Directory.CreateDirectory(Path.Combine(cli.Root, "state")).FullName;
        var manifest = cli.Write("many.yaml", Manifests.Strategy(
            ManyKeys,
            Script,
            scheduler,
            extraStrategy: "batch:\n  maxKeys: 10000",
            extraPodSpec: $"volumes:\n  - name: state\n    hostPath:\n      path: {state}",
            extraContainer: $"volumeMounts:\n  - name: state\n    mountPath: /state\n{extraContainer}"));
        return (manifest, state);
    }
}
