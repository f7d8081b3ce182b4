using System.Text;

namespace Kubetest.Cli.Tests;

/// <summary>Keys as input: they reach the container exactly, cannot forge a log line, and none at all is not success.</summary>
public sealed class KeyInputTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    private static string DynamicManifest(string listCommand, string filter = "") => $$"""
        apiVersion: kubetest.io/v1
        kind: TestJob
        metadata:
          name: empty
        spec:
          mainStep:
            strategy:
              key:
                env: TASK_KEY
                source:
                  dynamic:
                    {{filter}}
                    template:
                      spec:
                        containers:
                          - name: list
                            image: alpine
                            command: ["sh", "-c", {{Manifests.Quote(listCommand)}}]
            template:
              spec:
                containers:
                  - name: test
                    image: alpine
                    command: ["sh", "-c", "echo ran $TASK_KEY"]
        """;

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Keys_with_dollar_signs_reach_the_container_byte_for_byte(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var output = Path.Combine(cli.Root, "keys");
        Directory.CreateDirectory(output);
        string[] keys = ["a$$b", "$(HOME)", "$HOME", "x$(TASK_KEY)y", "$$(HOME)", "end$"];
        var manifest = cli.Write("dollars.yaml", Manifests.Strategy(
            keys,
            "printf '%s' \"$TASK_KEY\" > \"$(mktemp /out/key.XXXXXX)\"",
            extraPodSpec: $"volumes:\n  - name: out\n    hostPath:\n      path: {output}",
            extraContainer: "volumeMounts:\n  - name: out\n    mountPath: /out"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var arrived = Directory.GetFiles(output).Select(f => Encoding.UTF8.GetString(File.ReadAllBytes(f))).Order(StringComparer.Ordinal);
        Assert.Equal(keys.Order(StringComparer.Ordinal), arrived);
    }

    [Fact]
    public async Task The_dry_run_writes_each_dollar_of_a_key_as_two_so_kubernetes_does_not_expand_it()
    {
        using var cli = new CliRunner();
        var manifest = cli.Write("dry.yaml", Manifests.Strategy(["a$$b", "$(HOME)"], "true"));

        var run = await cli.RunAsync("--dry-run", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("a$$$$b", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("$$(HOME)", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_holding_a_new_line_cannot_forge_a_console_line_and_the_report_keeps_it_whole()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var key = "x\n[INFO] 99/99 (100.000000%) finished.\u001b[2J";
        var manifest = cli.Write("forge.yaml", Manifests.Strategy(["x\\n[INFO] 99/99 (100.000000%) finished.\\e[2J", "plain"], "echo ran"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain(run.StderrLines, l => l.StartsWith("[INFO] 99/99", StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', run.Stderr);
        Assert.Contains("[TASK_KEY:x\\n[INFO] 99/99 (100.000000%) finished.\\x1b[2J] sh -c echo ran", run.StderrLines);
        Assert.Contains("[TASK_KEY:plain] sh -c echo ran", run.StderrLines);
        var names = run.Report.GetProperty("details").EnumerateArray().Select(d => d.GetProperty("name").GetString());
        Assert.Contains(key, names);
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_dynamic_key_command_that_prints_nothing_fails_with_exit_3_and_a_failed_report(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var manifest = cli.Write("empty.yaml", DynamicManifest("printf '\\n  \\n'"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 3, run.ToString());
        var error = Assert.Single(run.StderrLines, l => l.StartsWith("[ERROR]", StringComparison.Ordinal));
        Assert.Contains("the dynamic key command's output was empty", error, StringComparison.Ordinal);
        Assert.Contains("--allow-empty", error, StringComparison.Ordinal);
        Assert.Equal("failure", run.Report.GetProperty("status").GetString());
        Assert.Equal(0, run.Report.GetProperty("totalNum").GetInt32());
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    [Fact]
    public async Task A_filter_that_matches_no_key_fails_naming_the_filter_and_the_number_of_keys()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("filter.yaml", DynamicManifest("printf 'alpha\\nbeta\\n'", "filter: \"^Test\""));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 3, run.ToString());
        var error = Assert.Single(run.StderrLines, l => l.StartsWith("[ERROR]", StringComparison.Ordinal));
        Assert.Contains("the filter \"^Test\" matched none of the 2 keys", error, StringComparison.Ordinal);
        Assert.DoesNotContain("ran ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_allow_empty_a_run_without_keys_succeeds_with_total_zero()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("allowed.yaml", DynamicManifest("printf 'alpha\\n'", "filter: \"^Test\""));

        var run = await cli.RunAsync("--allow-empty", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("success", run.Report.GetProperty("status").GetString());
        Assert.Equal(0, run.Report.GetProperty("totalNum").GetInt32());
        Assert.DoesNotContain(run.StderrLines, l => l.StartsWith("[ERROR]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dynamic_key_holding_a_nul_fails_naming_the_key_by_its_position()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("nul.yaml", DynamicManifest("printf 'one\\ntw\\000o\\nthree\\n'"));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 3, run.ToString());
        var error = Assert.Single(run.StderrLines, l => l.StartsWith("[ERROR]", StringComparison.Ordinal));
        Assert.Contains("key 2 of the dynamic key command's output contains a NUL character", error, StringComparison.Ordinal);
        Assert.DoesNotContain("ran ", run.Stderr, StringComparison.Ordinal);
    }
}
