using System.Text;
using Kubetest.Model;

namespace Kubetest.Core.Tests.Model;

/// <summary>Input that would exhaust the stack, memory or time is one clear problem instead.</summary>
public class BoundedInputTests
{
    private static readonly Dictionary<string, string> NoParameters = [];

    private const string Valid = """
        apiVersion: kubetest.io/v1
        kind: TestJob
        spec:
          mainStep:
            template:
              spec:
                containers:
                  - name: test
                    command: [echo]
        """;

    private static ManifestProblem SingleProblem(string text)
    {
        var ex = Assert.Throws<ManifestException>(() => ManifestLoader.Load(text, "bounded.yaml", NoParameters));
        return Assert.Single(ex.Problems);
    }

    [Theory]
    [InlineData("[", "]")]
    [InlineData("{\"a\": ", "}")]
    public void Nesting_a_hundred_thousand_levels_deep_is_an_error_naming_the_line_not_a_stack_overflow(string open, string close)
    {
        var text = "apiVersion: kubetest.io/v1\nstatus: " + string.Concat(Enumerable.Repeat(open, 100_000)) + "1" + string.Concat(Enumerable.Repeat(close, 100_000));

        var problem = SingleProblem(text);

        Assert.Contains($"deeper than {InputLimits.MaxDepth} levels", problem.Message, StringComparison.Ordinal);
        Assert.Equal(2, problem.Line);
    }

    [Fact]
    public void Deep_json_input_is_bounded_like_yaml()
    {
        var text = new StringBuilder("{\"apiVersion\": \"kubetest.io/v1\",\n\"status\":\n");
        for (var i = 0; i < 100_000; i++)
        {
            text.Append("{\"x\":");
        }

        text.Append('1').Append('}', 100_001);

        var problem = SingleProblem(text.ToString());

        Assert.Contains("deeper than", problem.Message, StringComparison.Ordinal);
        Assert.Equal(3, problem.Line);
    }

    [Fact]
    public void Indented_block_nesting_past_the_limit_names_the_line_where_it_goes_too_deep()
    {
        var text = new StringBuilder("apiVersion: kubetest.io/v1\nstatus:\n");
        for (var i = 0; i < 150; i++)
        {
            text.Append(' ', (i + 1) * 2).Append("k:\n");
        }

        var problem = SingleProblem(text.ToString());

        // The root mapping is level 1; the mapping that starts at line N is level N - 1.
        Assert.Equal(InputLimits.MaxDepth + 2, problem.Line);
    }

    [Fact]
    public void Nesting_just_inside_the_limit_is_read()
    {
        var nested = string.Concat(Enumerable.Repeat("[", InputLimits.MaxDepth - 2)) + "1" + string.Concat(Enumerable.Repeat("]", InputLimits.MaxDepth - 2));

        var loaded = ManifestLoader.Load(Valid + "\nextra: " + nested, "deep.yaml", NoParameters);

        Assert.Contains(loaded.Warnings, w => w.Path == "extra");
    }

    [Fact]
    public void Aliases_that_stay_within_the_bound_are_expanded_as_copies()
    {
        var text = """
            apiVersion: kubetest.io/v1
            kind: TestJob
            spec:
              preSteps:
                - name: one
                  template: &t
                    spec:
                      containers: [{name: test, command: [echo]}]
                - name: two
                  template: *t
              mainStep:
                template: *t
            """;

        var job = ManifestLoader.Load(text, "alias.yaml", NoParameters).Job;

        Assert.Equal(["one", "two"], job.Spec.PreSteps.Select(s => s.Name));
        Assert.Equal("test", job.Spec.MainStep.Template.MainContainer.Container.Name);
    }

    [Fact]
    public void A_flood_of_unclosed_template_actions_is_one_problem_at_the_first()
    {
        var text = Valid + "\n" + string.Concat(Enumerable.Repeat("{{ ", 70_000));

        var ex = Assert.Throws<ManifestException>(() => ManifestLoader.Load(text, "flood.yaml", NoParameters));

        var problem = Assert.Single(ex.Problems);
        Assert.Contains("is not closed", problem.Message, StringComparison.Ordinal);
        Assert.Equal(10, problem.Line);
    }

    [Fact]
    public void Many_missing_parameters_list_at_most_the_first_twenty()
    {
        var text = Valid + "\n" + string.Concat(Enumerable.Range(0, 5000).Select(i => $"# {{{{ .p{i} }}}}\n"));

        var ex = Assert.Throws<ManifestException>(() => ManifestLoader.Load(text, "many.yaml", NoParameters));

        Assert.Equal(InputLimits.MaxProblemsShown, ex.Problems.Count);
        Assert.Contains("p0", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("p4999", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_larger_than_the_limit_is_refused_before_parsing()
    {
        var text = Valid + "\n#" + new string('x', InputLimits.MaxManifestChars);

        var problem = SingleProblem(text);

        Assert.Contains("larger than 10 MiB", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_parameters_cannot_grow_a_manifest_past_the_limit()
    {
        var text = Valid + "\n" + string.Concat(Enumerable.Repeat("# {{ .big }}\n", 20));
        var parameters = new Dictionary<string, string> { ["big"] = new('x', 1024 * 1024) };

        var ex = Assert.Throws<ManifestException>(() => ManifestLoader.Load(text, "big.yaml", parameters));

        Assert.Contains("once template parameters are filled in", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_with_a_new_line_cannot_add_a_line_to_the_error()
    {
        var text = Valid + "\n\"x\\n[INFO] 99/99\": 1\n\"x\\n[INFO] 99/99\": 2\n";

        var ex = Assert.Throws<ManifestException>(() => ManifestLoader.Load(text, "newline.yaml", NoParameters));

        Assert.DoesNotContain('\n', ex.Message);
        Assert.Contains("\\n", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a", "a")]
    [InlineData("tests/unit/foo_test.go", "tests/unit/foo_test.go")]
    [InlineData("a\n[INFO] 99/99", "a\\n[INFO] 99/99")]
    [InlineData("\u001b[2Jx\r\t\0", "\\x1b[2Jx\\r\\t\\0")]
    [InlineData("ünïcode ✓", "ünïcode ✓")]
    [InlineData("a\u2028b\u0085", "a\\u2028b\\x85")]
    public void Printable_text_escapes_control_characters_and_keeps_everything_else(string text, string printed)
    {
        Assert.Equal(printed, Printable.Escape(text));
    }
}
