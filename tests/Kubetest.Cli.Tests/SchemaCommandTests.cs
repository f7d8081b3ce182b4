using System.Text.Json;

namespace Kubetest.Cli.Tests;

/// <summary><c>kubetest schema</c>: the manifest's JSON Schema on stdout, chosen by the first word only.</summary>
public class SchemaCommandTests
{
    [Fact]
    public async Task Schema_prints_the_json_schema_of_a_testjob_and_exits_0()
    {
        var (exitCode, stdout, stderr) = await RunAsync("schema");

        Assert.Equal(0, exitCode);
        Assert.Equal("", stderr);
        using var schema = JsonDocument.Parse(stdout);
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", schema.RootElement.GetProperty("$schema").GetString());
        Assert.Equal("TestJob", schema.RootElement.GetProperty("properties").GetProperty("kind").GetProperty("const").GetString());
    }

    [Fact]
    public async Task Schema_with_an_argument_is_a_usage_error()
    {
        var (exitCode, stdout, stderr) = await RunAsync("schema", "examples/simple.yaml");

        Assert.Equal(2, exitCode);
        Assert.Equal("", stdout);
        Assert.Contains("schema takes no arguments", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manifest_file_called_schema_runs_as_a_path()
    {
        var (exitCode, _, stderr) = await RunAsync("--dry-run", "--runtime", "local", "./schema-that-does-not-exist");

        Assert.Equal(3, exitCode);
        Assert.Contains("schema-that-does-not-exist", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exitCode = await Program.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }
}
