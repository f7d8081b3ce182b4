namespace Kubetest.Cli.Tests;

/// <summary>The runnable equivalents of the original's examples, through the real CLI on the local runtime.</summary>
public sealed class ExampleTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Simple_example_prints_the_command_its_output_and_a_successful_report(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var run = await cli.RunAsync("--log-level=info", CliRunner.Example("simple.yaml"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("echo hello", run.StderrLines);
        Assert.Contains("hello", run.StderrLines);
        Assert.Contains(run.StderrLines, l => l.StartsWith("[INFO] elapsed time: ", StringComparison.Ordinal) && l.EndsWith(" sec.", StringComparison.Ordinal));
        var report = run.Report;
        Assert.Equal("success", report.GetProperty("status").GetString());
        Assert.Equal(1, report.GetProperty("totalNum").GetInt32());
        Assert.Equal(1, report.GetProperty("successNum").GetInt32());
        Assert.Equal(0, report.GetProperty("failureNum").GetInt32());
        var detail = Assert.Single(report.GetProperty("details").EnumerateArray());
        Assert.Equal("test", detail.GetProperty("name").GetString());
        Assert.Equal("success", detail.GetProperty("status").GetString());
        Assert.Empty(cli.Leftovers());
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Prestep_example_mounts_the_prestep_artifact_file_into_the_main_step(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var run = await cli.RunAsync("--log-level=info", CliRunner.Example("prestep.yaml"));

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.StderrLines.ToList();
        var prestep = lines.IndexOf("[INFO] run prestep: create-awesome-stuff");
        var cat = lines.IndexOf("cat awesome-stuff");
        Assert.True(prestep >= 0 && cat > prestep, run.ToString());
        Assert.Contains(lines, l => l.StartsWith("[INFO] create-awesome-stuff: elapsed time: ", StringComparison.Ordinal));
        Assert.Equal("AWESOME!!!", lines[cat + 1]);
        Assert.Equal("success", run.Report.GetProperty("status").GetString());
        Assert.Empty(cli.Leftovers());
        Assert.Empty(runtimes.LeftInCluster(runtime));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Static_keys_example_runs_each_key_once_with_its_key_in_the_environment(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var run = await cli.RunAsync("--log-level=info", CliRunner.Example("strategy-static.yaml"));

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.StderrLines.ToList();
        Assert.Contains("[INFO] found 3 static keys to start distributed task", lines);
        foreach (var key in new[] { "TASK_KEY_1", "TASK_KEY_2", "TASK_KEY_3" })
        {
            var header = lines.IndexOf($"[TASK_KEY:{key}] echo $TASK_KEY");
            Assert.True(header >= 0, run.ToString());
            Assert.Equal(key, lines[header + 1]);
        }

        Assert.Contains("[INFO] 3/3 (100.000000%) finished.", lines);
        Assert.Contains("[INFO] 1/3 (33.333336%) finished.", lines);
        var report = run.Report;
        Assert.Equal(3, report.GetProperty("successNum").GetInt32());
        Assert.Equal(
            ["TASK_KEY_1", "TASK_KEY_2", "TASK_KEY_3"],
            report.GetProperty("details").EnumerateArray().Select(d => d.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Dynamic_keys_example_takes_its_keys_from_the_key_command_output(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var run = await cli.RunAsync("--log-level=info", CliRunner.Example("strategy-dynamic.yaml"));

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.StderrLines.ToList();
        var found = lines.IndexOf("[INFO] found 4 dynamic keys to start distributed task.");
        Assert.True(found > 0, run.ToString());
        Assert.True(lines.IndexOf("TASK_KEY_4") < found, "the key command's output is printed before the keys are announced");
        Assert.Equal(4, run.Report.GetProperty("totalNum").GetInt32());
        Assert.Equal(4, run.Report.GetProperty("successNum").GetInt32());
        Assert.Contains("[TASK_KEY:TASK_KEY_4] echo $TASK_KEY", lines);
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Export_example_writes_each_key_containers_artifact_under_the_path_rule(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var exportDir = Path.Combine(cli.Root, "artifacts");
        var manifest = File.ReadAllText(CliRunner.Example("export-artifact.yaml")).Replace("path: /tmp/artifacts", $"path: {exportDir}", StringComparison.Ordinal);
        var run = await cli.RunAsync(cli.Write("export.yaml", manifest));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("[INFO] export artifact result", run.StderrLines);
        Assert.Equal(
            ["test0-0", "test0-1", "test0-2"],
            Directory.GetDirectories(exportDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var dir in Directory.GetDirectories(exportDir))
        {
            Assert.True(File.Exists(Path.Combine(dir, "result.txt")), dir);
        }
    }
}
