namespace Kubetest.Cli.Tests;

/// <summary>
/// What is checked before anything runs: output paths and the sandbox variable. A mistake is one
/// line and exit 3, with no key run, no file written and nothing created on the cluster.
/// </summary>
public sealed class EarlyCheckTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    public static TheoryData<string> UnwritableOutputs => new("missing-parent-is-a-file/report.json", "existing-directory", "/proc/kubetest-report.json");

    [Theory]
    [MemberData(nameof(UnwritableOutputs))]
    public async Task An_output_path_that_cannot_be_written_exits_3_naming_o_and_the_path_before_anything_runs(string output)
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var (manifest, marker) = MarkerManifest(cli);
        File.WriteAllText(Path.Combine(cli.Root, "missing-parent-is-a-file"), "a file, not a directory");
        Directory.CreateDirectory(Path.Combine(cli.Root, "existing-directory"));
        var before = Directory.GetFileSystemEntries(cli.Root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

        var run = await cli.RunAsync("-o", output, manifest);

        Assert.True(run.ExitCode == 3, run.ToString());
        var error = Assert.Single(run.StderrLines, l => l.Length > 0);
        Assert.StartsWith($"[ERROR] -o: cannot write {output}: ", error, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
        Assert.False(File.Exists(marker), "no key may run");
        Assert.Equal(before, Directory.GetFileSystemEntries(cli.Root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public async Task An_unwritable_output_path_on_the_kubernetes_runtime_creates_no_job_and_sends_no_request()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var requests = runtimes.Emulator.RequestCount;

        var run = await cli.RunAsync("-o", "/proc/kubetest-report.json", CliRunner.Example("strategy-static.yaml"));

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains("[ERROR] -o: cannot write /proc/kubetest-report.json: ", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(requests, runtimes.Emulator.RequestCount);
        Assert.Empty(runtimes.LeftInCluster(RuntimeKind.Kubernetes));
    }

    [Fact]
    public async Task An_output_path_in_directories_that_do_not_exist_yet_is_written_with_them()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var output = Path.Combine(cli.Root, "new", "deeper", "report.json");

        var run = await cli.RunAsync("-o", output, CliRunner.Example("simple.yaml"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(run.Stdout.Trim(), File.ReadAllText(output).Trim());
        Assert.Empty(Directory.GetFiles(cli.Root, ".kubetest-write-check-*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task An_existing_report_file_is_kept_untouched_by_the_check_and_replaced_at_the_end()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var output = cli.Write("report.json", "old report");

        var run = await cli.RunAsync("-o", output, "--list", Path.Combine(cli.Root, "no-such-list"), CliRunner.Example("strategy-static.yaml"));

        Assert.Equal(3, run.ExitCode);
        Assert.Equal("old report", File.ReadAllText(output));

        run = await cli.RunAsync("-o", output, CliRunner.Example("simple.yaml"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(run.Stdout.Trim(), File.ReadAllText(output).Trim());
    }

    [SkippableFact]
    public async Task Sandbox_none_says_the_variable_switched_the_sandbox_off_and_not_that_bwrap_is_missing()
    {
        Skip.If(Kubetest.Runtime.Local.LocalSandbox.Detect() != Kubetest.Runtime.Local.SandboxMode.Bwrap, "bwrap cannot sandbox on this machine");
        using var cli = runtimes.Cli(RuntimeKind.Local);
        cli.Environment["KUBETEST_LOCAL_SANDBOX"] = "none";

        var run = await cli.RunAsync(CliRunner.Example("prestep.yaml"));

        Assert.True(run.ExitCode == 0, run.ToString());
        var warning = Assert.Single(run.StderrLines, l => l.StartsWith("[WARN]", StringComparison.Ordinal));
        Assert.StartsWith("[WARN] KUBETEST_LOCAL_SANDBOX=none: the bwrap sandbox is switched off, containers run directly on the host", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("not available", run.Stderr, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("")]
    [InlineData("auto")]
    [InlineData("bwrap")]
    public async Task Sandbox_auto_or_bwrap_runs_sandboxed_where_bwrap_works(string value)
    {
        Skip.If(Kubetest.Runtime.Local.LocalSandbox.Detect() != Kubetest.Runtime.Local.SandboxMode.Bwrap, "bwrap cannot sandbox on this machine");
        using var cli = runtimes.Cli(RuntimeKind.Local);
        cli.Environment["KUBETEST_LOCAL_SANDBOX"] = value;

        var run = await cli.RunAsync(CliRunner.Example("prestep.yaml"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain(run.StderrLines, l => l.StartsWith("[WARN]", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("off")]
    [InlineData("None")]
    [InlineData("bubblewrap")]
    public async Task An_unknown_sandbox_value_exits_3_listing_the_accepted_values_and_runs_nothing(string value)
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        cli.Environment["KUBETEST_LOCAL_SANDBOX"] = value;
        var (manifest, marker) = MarkerManifest(cli);

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 3, run.ToString());
        var error = Assert.Single(run.StderrLines, l => l.Length > 0);
        Assert.StartsWith($"[ERROR] KUBETEST_LOCAL_SANDBOX: unknown value \"{value}\"; accepted values: auto ", error, StringComparison.Ordinal);
        Assert.Contains(" bwrap ", error, StringComparison.Ordinal);
        Assert.Contains(" none ", error, StringComparison.Ordinal);
        Assert.False(File.Exists(marker), "no key may run");
        Assert.Empty(cli.Leftovers());
    }

    [Fact]
    public async Task The_sandbox_variable_is_not_read_on_the_kubernetes_runtime()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        cli.Environment["KUBETEST_LOCAL_SANDBOX"] = "off";

        var run = await cli.RunAsync(CliRunner.Example("simple.yaml"));

        Assert.True(run.ExitCode == 0, run.ToString());
    }

    private static (string Manifest, string Marker) MarkerManifest(CliRunner cli)
    {
        var marker = Path.Combine(cli.Root, "ran");
        var manifest = cli.Write("marker.yaml", Manifests.Single(
            "touch /out/ran",
            extraPodSpec: $"volumes:\n  - name: out\n    hostPath:\n      path: {cli.Root}",
            extraContainer: "volumeMounts:\n  - name: out\n    mountPath: /out"));
        return (manifest, marker);
    }
}
