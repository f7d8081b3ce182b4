namespace Kubetest.Cli.Tests;

/// <summary>What <see cref="ReportNormalizer"/> hides (times, the test's directory, pod names' random parts) and what it must keep.</summary>
public sealed class ReportNormalizerTests
{
    private const string Root = "/tmp/kubetest-e2e/0123456789ab";

    private const string TwoKeys = """
        {"details":[
          {"attempts":2,"elapsedSeconds":1.234,"elapsedTimeSec":1,"name":"b","status":"failure"},
          {"attempts":0,"elapsedTimeSec":0,"name":"a","status":"unknown"}],
         "elapsedTimeSec":7,"failureNum":1,"startedAt":"2026-12-06T23:14:43.1234567Z","status":"failure","successNum":0,"totalNum":2,"unknownNum":1}
        """;

    [Fact]
    public void Report_times_become_placeholders_while_statuses_attempts_and_counts_stay()
    {
        var text = ReportNormalizer.Report(TwoKeys, Root, sortKeys: false);

        Assert.DoesNotContain("1.234", text, StringComparison.Ordinal);
        Assert.DoesNotContain("2026-12-06", text, StringComparison.Ordinal);
        Assert.Contains("\"startedAt\": \"<time>\"", text, StringComparison.Ordinal);
        Assert.Contains("\"attempts\": 2", text, StringComparison.Ordinal);
        Assert.Contains("\"unknownNum\": 1", text, StringComparison.Ordinal);
        Assert.Contains("\"status\": \"unknown\"", text, StringComparison.Ordinal);
        Assert.Equal(1, text.Split("elapsedSeconds").Length - 1);
    }

    [Fact]
    public void Keys_stay_in_finishing_order_unless_their_order_is_a_race()
    {
        var kept = ReportNormalizer.Report(TwoKeys, Root, sortKeys: false);
        var sorted = ReportNormalizer.Report(TwoKeys, Root, sortKeys: true);

        Assert.True(kept.IndexOf("\"b\"", StringComparison.Ordinal) < kept.IndexOf("\"a\"", StringComparison.Ordinal));
        Assert.True(sorted.IndexOf("\"a\"", StringComparison.Ordinal) < sorted.IndexOf("\"b\"", StringComparison.Ordinal));
    }

    [Fact]
    public void JUnit_hides_times_the_test_directory_and_pod_names_random_parts_but_keeps_words_and_messages()
    {
        var xml = $"""
            <testsuite name="e2e" tests="2" time="3.5" timestamp="2026-12-06T23:14:43">
              <properties><property name="kubetest.testcase-names" value="backslash-escaped" /></properties>
              <testcase name="z" classname="e2e" time="1.25"><error message="pod e2e-77z4v-b2x9q ended in {Root}/x" type="error" /></testcase>
              <testcase name="y" classname="e2e" time="0.5"><error message="pod e2e-4fgh7 ended" type="error" /></testcase>
            </testsuite>
            """;

        var text = ReportNormalizer.JUnit(xml, Root, sortKeys: false);

        Assert.DoesNotContain("1.25", text, StringComparison.Ordinal);
        Assert.DoesNotContain("2026", text, StringComparison.Ordinal);
        Assert.Contains("pod e2e-&lt;pod&gt; ended in &lt;root&gt;/x", text, StringComparison.Ordinal);
        Assert.Contains("pod e2e-&lt;pod&gt; ended\"", text, StringComparison.Ordinal);
        Assert.Contains("kubetest.testcase-names", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("\"z\"", StringComparison.Ordinal) < text.IndexOf("\"y\"", StringComparison.Ordinal));
    }

    [Fact]
    public void A_line_diff_names_the_first_differing_line_and_both_versions()
    {
        var diff = LineDiff.First("a\n\"attempts\": 1\nc\n", "a\n\"attempts\": 2\nc\n");

        Assert.NotNull(diff);
        Assert.Contains("first difference at line 2", diff, StringComparison.Ordinal);
        Assert.Contains("- expected: \"attempts\": 1", diff, StringComparison.Ordinal);
        Assert.Contains("+ actual:   \"attempts\": 2", diff, StringComparison.Ordinal);
        Assert.Null(LineDiff.First("same\n", "same\n"));
    }
}
