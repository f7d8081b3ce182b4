namespace Kubetest.Cli.Tests;

/// <summary>
/// kubectl's conventions on the kubernetes runtime (against the emulator): the files of
/// <c>KUBECONFIG</c> merged (first file wins per named entry, current-context from the first that
/// sets one), <c>--context</c>, and the namespace from <c>-n</c>, else the manifest, else the
/// context, else <c>default</c>.
/// </summary>
public sealed class KubeconfigTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    /// <summary>
    /// Contexts only, no clusters or users (those come from the emulator's kubeconfig after it):
    /// "team" with its own namespace, and "kubetest", which shadows the emulator's context of that name.
    /// </summary>
    private static string ContextsFile(string? currentContext) => $"""
        apiVersion: v1
        kind: Config
        contexts:
        - name: team
          context:
            cluster: emulator
            user: kubetest
            namespace: team-a
        - name: kubetest
          context:
            cluster: emulator
            user: kubetest
            namespace: first-file-wins
        {(currentContext is null ? "" : $"current-context: {currentContext}")}
        """;

    [Fact]
    public async Task Two_files_in_KUBECONFIG_are_merged_and_the_first_files_current_context_and_its_namespace_are_used()
    {
        using var cli = Cli(out _, currentContext: "team");

        var run = await cli.RunAsync("--log-level", "debug", cli.Write("job.yaml", Manifests.Single("echo ran in the merged context")));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("ran in the merged context", run.StderrLines);
        Assert.Contains(run.StderrLines, l => l.Contains("kubernetes runtime: namespace team-a,", StringComparison.Ordinal));
        Assert.Empty(runtimes.LeftInCluster(RuntimeKind.Kubernetes));
    }

    [Fact]
    public async Task The_current_context_comes_from_the_first_file_that_sets_one_and_each_context_from_the_first_file_that_has_it()
    {
        // The first file sets no current-context: the emulator's ("kubetest") applies, whose
        // definition comes from the first file, with its namespace.
        using var cli = Cli(out _, currentContext: null);

        var run = await cli.RunAsync("--dry-run", cli.Write("job.yaml", Manifests.Single("true")));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("namespace: first-file-wins", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_of_KUBECONFIG_that_do_not_exist_are_skipped_as_kubectl_does()
    {
        using var cli = Cli(out _, currentContext: "team");
        cli.Environment["KUBECONFIG"] = $"{Path.Combine(cli.Root, "missing")}:{cli.Environment["KUBECONFIG"]}";

        var run = await cli.RunAsync(cli.Write("job.yaml", Manifests.Single("echo still ran")));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("still ran", run.StderrLines);
    }

    [Theory]
    [InlineData("team", "team-a")]
    [InlineData("kubetest", "first-file-wins")]
    [InlineData("admin", "default")]
    public async Task Context_chooses_the_context_and_its_namespace(string context, string expectedNamespace)
    {
        using var cli = Cli(out _, currentContext: "team");

        var run = await cli.RunAsync("--dry-run", "--context", context, cli.Write("job.yaml", Manifests.Single("true")));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"namespace: {expectedNamespace}", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_context_that_does_not_exist_exits_3_listing_the_contexts()
    {
        using var cli = Cli(out _, currentContext: "team");

        var run = await cli.RunAsync("--context", "nope", cli.Write("job.yaml", Manifests.Single("true")));

        Assert.True(run.ExitCode == 3, run.ToString());
        var error = Assert.Single(run.StderrLines, l => l.Length > 0);
        Assert.StartsWith("[ERROR] --context: there is no context nope in the kubeconfigs ", error, StringComparison.Ordinal);
        Assert.Contains("(contexts: team, kubetest, admin, controller)", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_namespace_is_n_else_the_manifests_else_the_contexts_else_default()
    {
        using var cli = Cli(out _, currentContext: "team");
        var plain = cli.Write("plain.yaml", Manifests.Single("true"));
        var withNamespace = cli.Write("with-namespace.yaml", Manifests.Single("true").Replace("  name: e2e\n", "  name: e2e\n  namespace: from-manifest\n", StringComparison.Ordinal));

        Assert.Contains("namespace: from-flag", (await cli.RunAsync("--dry-run", "-n", "from-flag", plain)).Stdout, StringComparison.Ordinal);
        Assert.Contains("namespace: from-manifest", (await cli.RunAsync("--dry-run", withNamespace)).Stdout, StringComparison.Ordinal);
        Assert.Contains("namespace: from-manifest", (await cli.RunAsync("--dry-run", "-n", "from-manifest", withNamespace)).Stdout, StringComparison.Ordinal);
        Assert.Contains("namespace: team-a", (await cli.RunAsync("--dry-run", plain)).Stdout, StringComparison.Ordinal);

        // Without a kubeconfig a dry run still prints its Jobs, in the namespace default.
        using var bare = new CliRunner(["--runtime", "kubernetes"]);
        bare.Environment["KUBECONFIG"] = Path.Combine(bare.Root, "missing");
        var dryRun = await bare.RunAsync("--dry-run", plain);
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains("namespace: default", dryRun.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task N_disagreeing_with_the_manifests_namespace_exits_3_with_one_line_and_creates_nothing()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var requests = runtimes.Emulator.RequestCount;

        var run = await cli.RunAsync("-n", "ci", CliRunner.Example("simple.yaml"));

        Assert.True(run.ExitCode == 3, run.ToString());
        var error = Assert.Single(run.StderrLines, l => l.Length > 0);
        Assert.Equal($"[ERROR] -n ci disagrees with metadata.namespace default in {CliRunner.Example("simple.yaml")}: drop -n or make them the same", error);
        Assert.Equal(requests, runtimes.Emulator.RequestCount);
        Assert.Empty(runtimes.LeftInCluster(RuntimeKind.Kubernetes));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Without_a_kubeconfig_the_error_suggests_the_local_runtime(bool viaKubeconfigVariable)
    {
        using var cli = new CliRunner(["--runtime", "kubernetes"]);
        cli.Environment["HOME"] = cli.Root;
        cli.Environment["KUBECONFIG"] = viaKubeconfigVariable ? Path.Combine(cli.Root, "missing-a") + ":" + Path.Combine(cli.Root, "missing-b") : "";

        var run = await cli.RunAsync(CliRunner.Example("simple.yaml"));

        Assert.True(run.ExitCode == 3, run.ToString());
        var error = Assert.Single(run.StderrLines, l => l.Length > 0);
        Assert.EndsWith("; to run without a cluster, use --runtime local", error, StringComparison.Ordinal);
        Assert.Contains(viaKubeconfigVariable ? "missing-b" : Path.Combine(cli.Root, ".kube", "config"), error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_cluster_suggests_the_local_runtime()
    {
        using var cli = new CliRunner(["--runtime", "kubernetes"]);
        cli.Environment["KUBECONFIG"] = cli.Write("kubeconfig", """
            apiVersion: v1
            kind: Config
            clusters:
            - name: gone
              cluster:
                server: https://127.0.0.1:1
            users:
            - name: u
              user:
                token: not-a-real-token
            contexts:
            - name: gone
              context:
                cluster: gone
                user: u
            current-context: gone
            """);

        var run = await cli.RunAsync(CliRunner.Example("simple.yaml"));

        Assert.True(run.ExitCode == 3, run.ToString());
        var error = Assert.Single(run.StderrLines, l => l.Length > 0);
        Assert.StartsWith("[ERROR] cannot reach the Kubernetes API at https://127.0.0.1:1", error, StringComparison.Ordinal);
        Assert.EndsWith("; to run without a cluster, use --runtime local", error, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-real-token", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gc_reads_the_merged_KUBECONFIG_and_context()
    {
        using var cli = Cli(out _, currentContext: "team");

        var gc = await cli.RunWithoutRuntimeAsync("gc", "--dry-run");
        var unknown = await cli.RunWithoutRuntimeAsync("gc", "--dry-run", "--context", "nope");

        Assert.True(gc.ExitCode == 0, gc.ToString());
        Assert.True(unknown.ExitCode == 3, unknown.ToString());
        Assert.Contains("--context: there is no context nope", unknown.Stderr, StringComparison.Ordinal);
    }

    /// <summary>A runner on the kubernetes runtime with no <c>-c</c>, whose <c>KUBECONFIG</c> lists a contexts file, then the emulator's kubeconfig.</summary>
    private CliRunner Cli(out string contexts, string? currentContext)
    {
        var cli = new CliRunner(["--runtime", "kubernetes"]);
        contexts = cli.Write("contexts.yaml", ContextsFile(currentContext));
        cli.Environment["KUBECONFIG"] = $"{contexts}:{runtimes.Kubeconfig}";
        return cli;
    }
}
