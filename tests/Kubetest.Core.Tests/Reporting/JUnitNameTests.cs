using CsCheck;
using Kubetest.Model;
using Kubetest.Reporting;

namespace Kubetest.Core.Tests.Reporting;

/// <summary>A key as a JUnit testcase name and back: through kubetest's JUnit, its XSD, and <c>--timings</c>.</summary>
public class JUnitNameTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    /// <summary>Characters an escaping could trip over, drawn more often than at random.</summary>
    private static readonly char[] Tricky = ['\\', 'u', 'U', '0', '1', 'a', 'F', 'x', '\r', '\n', '\u202e', '\u200b', '\ufeff', '\u2066', '\u2028', '\ud800', '\udc00', '\ufffe', '\uffff', "😀"[0], "😀"[1], "\U000E0041"[0], "\U000E0041"[1]];

    /// <summary>Keys from every corner: controls, backslashes before u and before escapes, hex look-alikes, format characters, lone and paired surrogates.</summary>
    private static readonly Gen<string> Keys = Gen.OneOf(Gen.Char['\0', '\u00ff'], Gen.Int[0, Tricky.Length - 1].Select(i => Tricky[i]), Gen.Char)
        .Array[0, 24]
        .Select(chars => new string(chars));

    [Fact]
    public void Any_key_written_as_a_testcase_name_reads_back_as_the_key()
    {
        Keys.Sample(key => Assert.Equal(key, JUnitNames.Unescape(JUnitNames.Escape(key))), iter: 20_000);
    }

    [Fact]
    public void Any_keys_in_kubetests_junit_validate_and_their_names_map_back_to_the_keys_in_timings()
    {
        Keys.Array[1, 6].Sample(
            keys =>
            {
                var unique = keys.Distinct(StringComparer.Ordinal).ToArray();
                var report = Report.Build(Start, TimeSpan.FromSeconds(1), [.. unique.Select((k, i) => new ReportDetail(k, KeyStatus.Success, i + 1, 1, i + 1))], new Dictionary<string, string>(), false);

                var xml = JUnitReport.Write(report, "job", TimeSpan.FromSeconds(1), new JUnitCollector(TimeProvider.System));

                Assert.Empty(JUnitSchema.Errors(xml));
                var durations = PastRuns.ReadDurations(xml, "junit.xml");
                for (var i = 0; i < unique.Length; i++)
                {
                    Assert.Equal(i + 1, durations[unique[i]]);
                }
            },
            iter: 500);
    }

    [Theory]
    [InlineData("plain/key.py::Test", "plain/key.py::Test")]
    [InlineData("C:\\dir\\file", "C:\\dir\\file")]
    [InlineData("a\u0001b", "a\\u0001b")]
    [InlineData("cr\rlf\n", "cr\\u000Dlf\\u000A")]
    [InlineData("esc\u001b[31m", "esc\\u001B[31m")]
    [InlineData("rtl\u202eevil", "rtl\\u202Eevil")]
    [InlineData("\\u0041", "\\\\u0041")]
    [InlineData("back\\\\slash", "back\\\\\\slash")]
    [InlineData("\\\u0001", "\\\\\\u0001")]
    public void A_name_equals_its_key_unless_the_key_holds_what_XML_or_a_reader_would_lose(string key, string name)
    {
        Assert.Equal(name, JUnitNames.Escape(key));
    }

    [Fact]
    public void A_junit_file_of_another_runner_keeps_backslash_sequences_in_its_names_as_written()
    {
        // pytest writes a parameter "é" in an id as the six characters \u00e9, and lists the key so.
        var durations = PastRuns.ReadDurations("""<testsuite><testcase name="test_x[\u00e9]" time="2"/></testsuite>""", "pytest.xml");

        Assert.Equal(2, durations["test_x[\\u00e9]"]);
    }

    [Fact]
    public void The_console_shows_bidirectional_and_invisible_format_characters_as_escapes()
    {
        Assert.Equal(
            "a\\u202eb \\u200b\\u200f \\u2066x\\u2069 \\ufeff \\xad \\U000e0041 \\n\\x1b \\ud800 😀 é",
            Printable.Escape("a\u202eb \u200b\u200f \u2066x\u2069 \ufeff \u00ad \U000e0041 \n\u001b \ud800 😀 é"));
        Assert.Same("plain text, 😀 é", Printable.Escape("plain text, 😀 é"));
    }
}
