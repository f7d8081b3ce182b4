using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Kubetest.Cli.Tests;

/// <summary>
/// Every example as a TestJob resource against the schema of <c>kubetest crd</c>, validated by ajv in draft-04 mode
/// (<c>tests/editor-check/check-crd.mjs</c>; OpenAPI v3.0 as a CRD holds it), and shape mistakes the API server
/// would refuse.
/// </summary>
public sealed partial class CrdExampleTests : IDisposable
{
    private static readonly Dictionary<string, string> Parameters = new() { ["repo"] = "https://github.com/goccy/kubetest.git", ["project"] = "/nowhere/project" };

    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Every_example_validates_as_a_testjob_against_the_crd_schema()
    {
        var examples = Directory.GetFiles(Path.Combine(CliRunner.RepositoryRoot, "examples"), "*.yaml").Order(StringComparer.Ordinal).ToArray();
        var filled = examples.Select(e => _cli.Write(Path.Combine("filled", Path.GetFileName(e)), Fill(File.ReadAllText(e)))).ToArray();

        var results = await CheckAsync(filled);

        Assert.True(examples.Length >= 8, $"examples: {string.Join(", ", examples)}");
        Assert.Equal(filled.Order(StringComparer.Ordinal), results.Keys.Order(StringComparer.Ordinal));
        Assert.All(filled, f => Assert.True(results[f].Count == 0, $"{f}: {string.Join("; ", results[f])}"));
    }

    [Theory]
    [InlineData("failFast: false", "batch: {maxKeys: \"ten\"}", "/spec/mainStep/strategy/batch/maxKeys must be integer")]
    [InlineData("failFast: false", "scheduler: {mode: fast}", "/spec/mainStep/strategy/scheduler/mode must be equal to one of the allowed values")]
    [InlineData("failFast: false", "scheduler: {maxPodNum: -1}", "/spec/mainStep/strategy/scheduler/maxPodNum must be >= 0")]
    [InlineData("failFast: false", "batch: {targetSeconds: 0}", "/spec/mainStep/strategy/batch/targetSeconds must be > 0")]
    [InlineData("failFast: false", "failFast: \"yes\"", "/spec/mainStep/strategy/failFast must be boolean")]
    [InlineData("timeout: 10m", "timeout: 10 minutes", "/spec/mainStep/strategy/key/timeout must match pattern \"^([0-9]+|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$\"")]
    [InlineData("static: [a]", "static: [1.10]", "/spec/mainStep/strategy/key/source/static/0 must be string")]
    [InlineData("env: K,", "", "/spec/mainStep/strategy/key must have required property 'env'")]
    public async Task A_testjob_with_a_wrong_shape_fails_the_crd_schema(string right, string wrong, string expected)
    {
        const string Manifest = """
            apiVersion: kubetest.io/v1
            kind: TestJob
            metadata: {name: wrong}
            spec:
              mainStep:
                strategy:
                  key: {env: K, timeout: 10m, source: {static: [a]}}
                  failFast: false
                template:
                  spec:
                    containers: [{name: test, image: alpine, command: [echo]}]
            """;
        var manifest = _cli.Write("wrong.yaml", Manifest.Replace(right, wrong, StringComparison.Ordinal));
        var control = _cli.Write("right.yaml", Manifest);

        var results = await CheckAsync([manifest, control]);

        Assert.Contains(expected, results[manifest]);
        Assert.Empty(results[control]);
    }

    [Fact]
    public async Task A_token_with_two_sources_or_none_fails_and_with_one_passes()
    {
        string Token(string value) => _cli.Write($"token-{value.Length}.yaml", File.ReadAllText(CliRunner.Example("simple.yaml")).Replace(
            "spec:\n  mainStep:", $"spec:\n  tokens:\n    - name: github\n      value: {value}\n  mainStep:", StringComparison.Ordinal));
        var two = Token("{filePath: /a, githubToken: {name: s, key: k}}");
        var none = Token("{}");
        var one = Token("{filePath: /token}");

        var results = await CheckAsync([two, none, one]);

        Assert.Contains("/spec/tokens/0/value must match exactly one schema in oneOf", results[two]);
        Assert.Contains("/spec/tokens/0/value must match exactly one schema in oneOf", results[none]);
        Assert.Empty(results[one]);
    }

    /// <summary>The examples' template values, filled in as a user's <c>--template</c> would.</summary>
    private static string Fill(string text) =>
        Template().Replace(text, m => Parameters.TryGetValue(m.Groups[1].Value, out var value) ? value : throw new InvalidOperationException($"no dummy value for {m.Value}"));

    [GeneratedRegex(@"\{\{\s*\.(\w+)\s*\}\}")]
    private static partial Regex Template();

    /// <summary>Prints the CRD with the real CLI, then runs check-crd.mjs over <paramref name="files"/>.</summary>
    private async Task<Dictionary<string, List<string>>> CheckAsync(IReadOnlyList<string> files)
    {
        var crd = await _cli.RunAsync("crd");
        Assert.True(crd.ExitCode == 0, crd.ToString());
        var crdPath = _cli.Write("crd.yaml", crd.Stdout);
        using var document = await EditorCheck.RunAsync("check-crd.mjs", "ajv-draft-04", [crdPath, .. files], TimeSpan.FromMinutes(2));
        return document.RootElement.EnumerateObject().ToDictionary(
            file => file.Name,
            file => file.Value.EnumerateArray().Select(e => e.GetString()!).ToList(),
            StringComparer.Ordinal);
    }
}
