using Kubetest.Model;

namespace Kubetest.Core.Tests.Model;

/// <summary>
/// Every file under Manifests/Invalid is one mistake. Its first line says what the error must
/// name: <c># expect: PATH | MESSAGE FRAGMENT</c> (an empty PATH for text-level errors), and
/// optionally <c># expect-line: N</c>.
/// </summary>
public class InvalidManifestTests
{
    private static readonly Dictionary<string, string> NoParameters = [];

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in System.IO.Directory.GetFiles(ManifestFiles.Directory("Invalid"), "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void The_corpus_has_at_least_thirty_manifests()
    {
        Assert.True(Files().Count >= 30, $"only {Files().Count} invalid manifests found");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Each_invalid_manifest_fails_with_one_problem_naming_its_field(string name)
    {
        var text = ManifestFiles.Read("Invalid", name);
        var expectation = Expectation.Parse(text);

        var ex = Assert.Throws<ManifestException>(() => ManifestLoader.Load(text, name, NoParameters));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal(expectation.Path, problem.Path);
        Assert.Contains(expectation.Fragment, problem.Message, StringComparison.Ordinal);
        if (expectation.Line is int line)
        {
            Assert.Equal(line, problem.Line);
        }

        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    private sealed record Expectation(string Path, string Fragment, int? Line)
    {
        public static Expectation Parse(string text)
        {
            var lines = text.Split('\n');
            const string Expect = "# expect:";
            const string ExpectLine = "# expect-line:";
            Assert.StartsWith(Expect, lines[0], StringComparison.Ordinal);
            var parts = lines[0][Expect.Length..].Split('|', 2);
            Assert.Equal(2, parts.Length);
            int? line = lines.Length > 1 && lines[1].StartsWith(ExpectLine, StringComparison.Ordinal)
                ? int.Parse(lines[1][ExpectLine.Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)
                : null;
            return new Expectation(parts[0].Trim(), parts[1].Trim(), line);
        }
    }
}
