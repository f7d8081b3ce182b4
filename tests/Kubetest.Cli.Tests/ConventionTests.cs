using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Kubetest.Cli.Tests;

/// <summary>
/// What users of other command-line tools expect: commands listed in <c>--help</c> with their own
/// help, <c>--kubeconfig</c>, <c>-</c> for stdout, log levels in any case, durations as Go writes
/// them, each default shown once. Through the real CLI.
/// </summary>
public sealed partial class ConventionTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    [Fact]
    public async Task Help_lists_gc_schema_and_crd_under_commands_and_each_has_its_own_usage()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);

        var help = await cli.RunWithoutRuntimeAsync("--help");
        var gc = await cli.RunWithoutRuntimeAsync("gc", "--help");
        var schema = await cli.RunWithoutRuntimeAsync("schema", "--help");
        var crd = await cli.RunWithoutRuntimeAsync("crd", "--help");

        Assert.True(help.ExitCode == 0, help.ToString());
        var commands = help.Stdout[help.Stdout.IndexOf("Commands:", StringComparison.Ordinal)..];
        Assert.Matches(@"\n  gc +Deletes what kubetest runs", commands);
        Assert.Matches(@"\n  schema +Prints the JSON Schema", commands);
        Assert.Matches(@"\n  crd +Prints the YAML of the TestJob CustomResourceDefinition", commands);
        Assert.True(gc.ExitCode == 0, gc.ToString());
        Assert.Contains("Usage:\n  kubetest gc [options]\n", gc.Stdout, StringComparison.Ordinal);
        Assert.Contains("--older-than", gc.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("<FILE>", gc.Stdout, StringComparison.Ordinal);
        Assert.True(schema.ExitCode == 0, schema.ToString());
        Assert.Contains("Usage:\n  kubetest schema [options]\n", schema.Stdout, StringComparison.Ordinal);
        Assert.True(crd.ExitCode == 0, crd.ToString());
        Assert.Contains("Usage:\n  kubetest crd [options]\n", crd.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_shows_each_default_once_as_a_Go_duration()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);

        var help = await cli.RunWithoutRuntimeAsync("--help");

        Assert.Contains("--pending-timeout <pending-timeout>", help.Stdout, StringComparison.Ordinal);
        foreach (var (option, value) in new[] { ("--pending-timeout", "10m"), ("--agent-ready-timeout", "1m"), ("--max-run-time", "6h"), ("--runtime", "kubernetes") })
        {
            var line = Assert.Single(help.Stdout.Split('\n'), l => l.TrimStart().StartsWith(option + " ", StringComparison.Ordinal));
            Assert.Single(Defaults().Matches(line));
            Assert.EndsWith($"[default: {value}]", line.TrimEnd(), StringComparison.Ordinal);
        }

        Assert.DoesNotMatch(@"\d\d:\d\d:\d\d", help.Stdout);
    }

    [Fact]
    public async Task A_word_gc_after_other_arguments_is_refused_and_never_deletes()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);

        var run = await cli.RunWithoutRuntimeAsync("--runtime", "local", "gc");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("kubetest: gc is a command only as the first word; a manifest file called gc runs as: kubetest ./gc", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubeconfig_is_another_name_for_config_on_a_run_and_on_gc()
    {
        using var cli = runtimes.Cli(RuntimeKind.Kubernetes);
        var manifest = cli.Write("job.yaml", Manifests.Single("echo from-the-cluster"));
        var missing = Path.Combine(cli.Root, "no-such-kubeconfig");

        var run = await cli.RunWithoutRuntimeAsync("--kubeconfig", runtimes.Kubeconfig, manifest);
        var gc = await cli.RunWithoutRuntimeAsync("gc", "--dry-run", "--kubeconfig", missing);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("from-the-cluster", run.Stderr, StringComparison.Ordinal);
        Assert.True(gc.ExitCode == 3, gc.ToString());
        Assert.Contains($"cannot load the kubeconfig {missing}", gc.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dash_as_o_prints_the_report_once_on_stdout_and_writes_no_file()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("job.yaml", Manifests.Strategy(["a", "b"], "echo ran $TASK_KEY"));
        var run = await cli.RunAsync("-o", "-", manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(2, run.Report.GetProperty("totalNum").GetInt32());
        Assert.False(File.Exists(Path.Combine(cli.Root, "-")), "the CLI runs in the test's directory; -o - must not write a file called -");
    }

    [Fact]
    public async Task Dash_as_junit_puts_valid_JUnit_XML_alone_on_stdout()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("job.yaml", Manifests.Strategy(["a", "b"], "echo ran $TASK_KEY"));
        var report = Path.Combine(cli.Root, "report.json");

        var run = await cli.RunAsync("--junit", "-", "-o", report, manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        var xml = XDocument.Parse(run.Stdout);
        Assert.Equal(["a", "b"], xml.Descendants("testcase").Select(t => (string?)t.Attribute("name")).Order(StringComparer.Ordinal));
        Assert.Contains("\"totalNum\": 2", File.ReadAllText(report), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-o", "--junit")]
    [InlineData("--junit", "--html")]
    public async Task Two_reports_on_stdout_are_a_usage_error_naming_both(string first, string second)
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var (manifest, marker) = (cli.Write("job.yaml", Manifests.Single("touch ran")), Path.Combine(cli.Root, "ran"));

        var run = await cli.RunAsync(first, "-", second, "-", manifest);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"kubetest: {first} and {second} both write to stdout (-); at most one of -o, --junit and --html may be -", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
        Assert.False(File.Exists(marker));
    }

    [Theory]
    [InlineData("INFO", "ran a")]
    [InlineData("Warn", null)]
    public async Task Log_levels_are_read_in_any_case_on_the_command_line_and_in_the_manifest(string level, string? shown)
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var fromOption = cli.Write("option.yaml", Manifests.Strategy(["a"], "echo ran $TASK_KEY"));
        var fromManifest = cli.Write("manifest.yaml", Manifests.Strategy(["a"], "echo ran $TASK_KEY", extraSpec: $"log:\n  level: {level}"));

        foreach (var run in new[] { await cli.RunAsync("--log-level", level, fromOption), await cli.RunAsync(fromManifest) })
        {
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal(shown is not null, run.Stderr.Contains("[INFO]", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task An_unknown_log_level_is_a_usage_error_naming_it()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);

        var run = await cli.RunAsync("--log-level", "loud", cli.Write("job.yaml", Manifests.Single("echo never")));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("kubetest: --log-level expects debug, info, warn or error (in any case), got \"loud\"", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--pending-timeout", "10m", "")]
    [InlineData("--pending-timeout", "600", "")]
    [InlineData("--max-run-time", "1.5h", "activeDeadlineSeconds: 5400")]
    [InlineData("--max-run-time", "2500ms", "activeDeadlineSeconds: 3")]
    [InlineData("--key-timeout", "1.5m", "longer than 1m30s is killed")]
    [InlineData("--key-timeout", "500ms", "longer than 1s is killed")]
    public async Task Duration_options_take_Go_durations_and_whole_seconds(string option, string value, string shown)
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("job.yaml", Manifests.Strategy(["a"], "echo ran $TASK_KEY"));

        var run = await cli.RunAsync("--dry-run", option, value, manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(shown, run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--pending-timeout", "-10m")]
    [InlineData("--agent-ready-timeout", "0")]
    [InlineData("--max-run-time", "6 hours")]
    [InlineData("--key-timeout", "1d")]
    public async Task A_bad_duration_is_a_usage_error_naming_the_option_and_the_text(string option, string value)
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);

        var run = await cli.RunAsync(option, value, cli.Write("job.yaml", Manifests.Single("echo never")));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"kubetest: {option} expects a duration such as 90s, 10m, 1h30m, 1.5h or 300ms (or whole seconds), got \"{value}\"", run.Stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"default", RegexOptions.IgnoreCase)]
    private static partial Regex Defaults();
}
