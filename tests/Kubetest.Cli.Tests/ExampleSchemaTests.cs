using System.Diagnostics;
using System.Text.Json;

namespace Kubetest.Cli.Tests;

/// <summary>
/// Every file in <c>examples/</c> as an editor sees it: the real yaml-language-server (npm, driven
/// over LSP by <c>tests/editor-check/check-yaml.mjs</c>) against the schema <c>kubetest schema</c>
/// prints, with no diagnostics, and js-yaml as a second parser. The build installs the npm
/// packages (<c>npm ci</c>, see <c>tests/Directory.Build.targets</c>).
/// </summary>
public sealed class ExampleSchemaTests : IDisposable
{
    private readonly CliRunner _cli = new();

    [Fact]
    public async Task Every_example_validates_against_the_schema_in_yaml_language_server_and_parses_with_js_yaml()
    {
        var examples = Directory.GetFiles(Path.Combine(CliRunner.RepositoryRoot, "examples")).Order(StringComparer.Ordinal).ToArray();
        // Today's form of the repository examples before they were quoted: proves the check sees what an editor flags.
        var unquoted = _cli.Write("unquoted-url.yaml", File.ReadAllText(CliRunner.Example("public-repo.yaml")).Replace("\"{{ .repo }}\"", "{{ .repo }}", StringComparison.Ordinal));
        var urlLine = 1 + File.ReadAllLines(unquoted).ToList().FindIndex(l => l.Contains("url: {{ .repo }}", StringComparison.Ordinal));

        var results = await CheckAsync([.. examples, unquoted]);

        Assert.True(examples.Length >= 8, $"examples: {string.Join(", ", examples)}");
        Assert.Equal(examples.Append(unquoted).Order(StringComparer.Ordinal), results.Keys.Order(StringComparer.Ordinal));
        foreach (var example in examples)
        {
            var (diagnostics, parseError) = results[example];
            Assert.True(diagnostics.Count == 0, $"{example}: {string.Join("; ", diagnostics)}");
            Assert.True(parseError is null, $"{example}: js-yaml: {parseError}");
        }

        var control = results[unquoted];
        Assert.Contains($"line {urlLine}: Incorrect type. Expected \"string\".", control.Diagnostics);
        Assert.NotNull(control.ParseError);
    }

    [Fact]
    public async Task A_field_the_schema_does_not_know_is_a_diagnostic_on_its_line()
    {
        var manifest = _cli.Write("typo.yaml", File.ReadAllText(CliRunner.Example("simple.yaml")).Replace("    template:", "    tempalte: {}\n    template:", StringComparison.Ordinal));
        var typoLine = 1 + File.ReadAllLines(manifest).ToList().FindIndex(l => l.Contains("tempalte", StringComparison.Ordinal));

        var results = await CheckAsync([manifest]);

        Assert.Contains($"line {typoLine}: Property tempalte is not allowed.", results[manifest].Diagnostics);
        Assert.Null(results[manifest].ParseError);
    }

    public void Dispose() => _cli.Dispose();

    /// <summary>Prints the schema with the real CLI, then runs check-yaml.mjs over <paramref name="files"/>.</summary>
    private async Task<Dictionary<string, (IReadOnlyList<string> Diagnostics, string? ParseError)>> CheckAsync(IReadOnlyList<string> files)
    {
        var schema = await _cli.RunAsync("schema");
        Assert.True(schema.ExitCode == 0, schema.ToString());
        var schemaPath = _cli.Write("schema.json", schema.Stdout);
        using var document = await EditorCheck.RunAsync("check-yaml.mjs", "yaml-language-server", [schemaPath, .. files], TimeSpan.FromMinutes(3));
        return document.RootElement.EnumerateObject().ToDictionary(
            file => file.Name,
            file => ((IReadOnlyList<string>)[.. file.Value.GetProperty("diagnostics").EnumerateArray().Select(d => $"line {d.GetProperty("line").GetInt32()}: {d.GetProperty("message").GetString()}")],
                file.Value.GetProperty("parseError").GetString()),
            StringComparer.Ordinal);
    }
}
