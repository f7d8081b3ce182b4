namespace Kubetest.Cli.Tests;

/// <summary>
/// The invalid-manifest corpus of the core tests, through the real CLI: each file gives one
/// line naming the file and the field, exit code 3, no report and no run.
/// </summary>
public sealed class InvalidCorpusTests : IDisposable
{
    private static readonly string Corpus = Path.Combine(CliRunner.RepositoryRoot, "tests", "Kubetest.Core.Tests", "Manifests", "Invalid");

    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Corpus, "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Each_invalid_manifest_exits_3_with_one_line_naming_the_file_and_field(string name)
    {
        var file = Path.Combine(Corpus, name);
        var expect = File.ReadLines(file).First()["# expect:".Length..].Split('|', 2).Select(p => p.Trim()).ToArray();

        var run = await _cli.RunAsync(file);

        Assert.True(run.ExitCode == 3, run.ToString());
        var line = Assert.Single(run.StderrLines, l => l.Length > 0);
        Assert.StartsWith("[ERROR] invalid manifest ", line, StringComparison.Ordinal);
        Assert.Contains(name, line, StringComparison.Ordinal);
        Assert.Contains(expect[0], line, StringComparison.Ordinal);
        Assert.Contains(expect[1], line, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
        Assert.Empty(_cli.Leftovers());
    }
}
