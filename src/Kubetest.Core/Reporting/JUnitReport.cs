using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;

namespace Kubetest.Reporting;

/// <summary>
/// The run as JUnit XML, the shape Maven Surefire writes (which Jenkins, GitLab, GitHub Actions
/// reporters and Azure DevOps read): one <c>testsuite</c> named after the TestJob, one
/// <c>testcase</c> per key of the report. A failed key has a <c>failure</c> with its exit code and
/// output tail; a flaky key passed and keeps each earlier failure as a <c>flakyFailure</c>; a key
/// that never started is <c>skipped</c>; a key without a result after it ran (connection lost,
/// interrupted) or that could not run is an <c>error</c>. A testcase's <c>name</c> is its key as
/// <see cref="JUnitNames.Escape"/> writes it, which the testsuite's properties say.
/// </summary>
public static partial class JUnitReport
{
    public static string Write(Report report, string suiteName, TimeSpan elapsed, JUnitCollector runs)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(suiteName);
        ArgumentNullException.ThrowIfNull(runs);
        var cases = report.Details.Select(d => Case(d, runs)).ToList();
        var text = new StringBuilder();
        var settings = new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true, NewLineChars = "\n" };
        using (var w = XmlWriter.Create(text, settings))
        {
            w.WriteStartElement("testsuite");
            w.WriteAttributeString("name", Clean(suiteName));
            w.WriteAttributeString("tests", Count(cases.Count));
            w.WriteAttributeString("failures", Count(cases.Count(c => c.Outcome == "failure")));
            w.WriteAttributeString("errors", Count(cases.Count(c => c.Outcome == "error")));
            w.WriteAttributeString("skipped", Count(cases.Count(c => c.Outcome == "skipped")));
            w.WriteAttributeString("time", Seconds(elapsed.TotalSeconds));
            w.WriteAttributeString("timestamp", report.StartedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
            w.WriteStartElement("properties");
            w.WriteStartElement("property");
            w.WriteAttributeString("name", JUnitNames.EscapingProperty);
            w.WriteAttributeString("value", JUnitNames.EscapingValue);
            w.WriteEndElement();
            w.WriteEndElement();
            foreach (var c in cases)
            {
                w.WriteStartElement("testcase");

                // The key itself, reversibly (Clean would drop a carriage return and terminal sequences).
                w.WriteAttributeString("name", JUnitNames.Escape(c.Detail.Name));
                w.WriteAttributeString("classname", Clean(suiteName));
                w.WriteAttributeString("time", Seconds(c.Detail.ElapsedSeconds ?? c.Detail.ElapsedTimeSec));
                foreach (var earlier in c.EarlierFailures)
                {
                    // Surefire's shape for a test that failed and then passed on a rerun.
                    w.WriteStartElement(earlier.Result.Status == KeyStatus.Failure ? "flakyFailure" : "flakyError");
                    w.WriteAttributeString("message", Clean(Message(earlier.Result)));
                    w.WriteAttributeString("type", Type(earlier.Result));
                    w.WriteElementString("system-out", Clean(earlier.OutputTail));
                    w.WriteEndElement();
                }

                if (c.Outcome is not null)
                {
                    w.WriteStartElement(c.Outcome);
                    w.WriteAttributeString("message", Clean(c.Message!));
                    if (c.Last is { } last)
                    {
                        w.WriteAttributeString("type", Type(last.Result));
                        w.WriteString(Clean(last.OutputTail));
                    }

                    w.WriteEndElement();
                }

                w.WriteEndElement();
            }

            w.WriteEndElement();
        }

        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + text + "\n";
    }

    private sealed record TestCase(ReportDetail Detail, string? Outcome, string? Message, KeyAttempt? Last, IReadOnlyList<KeyAttempt> EarlierFailures);

    private static TestCase Case(ReportDetail detail, JUnitCollector runs)
    {
        var attempts = runs.AttemptsOf(detail.Name);
        var last = attempts.Count > 0 ? attempts[^1] : null;
        return detail.Status switch
        {
            KeyStatus.Success => new TestCase(detail, null, null, null, detail.Flaky ? [.. attempts.Where(a => a.Result.Status != KeyStatus.Success)] : []),
            KeyStatus.Failure => new TestCase(detail, "failure", last is null ? "failed" : Message(last.Result), last, []),
            KeyStatus.Error => new TestCase(detail, "error", last is null ? "could not run" : Message(last.Result), last, []),
            _ when detail.Attempts == 0 && !runs.Started(detail.Name) => new TestCase(detail, "skipped", "never started", null, []),
            _ => new TestCase(detail, "error", last?.Result.Message is { } why ? $"no result: {why}" : "no result: the run ended while the key was running", last, []),
        };
    }

    private static string Message(TaskResult result) => (result.ExitCode, result.Message) switch
    {
        ({ } code, null) => $"exit code {code}",
        ({ } code, { } message) => $"{message}, exit code {code}",
        (null, { } message) => message,
        _ => Report.StatusText(result.Status),
    };

    /// <summary>What kind of failure: a timeout, a command's exit code, or a key that could not run or lost its result.</summary>
    private static string Type(TaskResult result) => result switch
    {
        { Status: KeyStatus.Failure, Message: { } m } when m.StartsWith("timed out", StringComparison.Ordinal) => "timeout",
        { Status: KeyStatus.Failure, ExitCode: null } => "testcase",
        { Status: KeyStatus.Failure } => "exit code",
        { Status: KeyStatus.Error } => "error",
        _ => "unknown",
    };

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(double seconds) => Math.Max(0, seconds).ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>
    /// Text as XML 1.0 can hold it: terminal colour sequences and carriage returns removed, every other character XML
    /// forbids (control characters, lone surrogates, U+FFFE/U+FFFF) written as <c>\uXXXX</c>.
    /// </summary>
    internal static string Clean(string text)
    {
        // A carriage return (CRLF output, progress lines) would only be normalised away by readers.
        text = AnsiSequence().Replace(text, "").Replace("\r", "", StringComparison.Ordinal);
        StringBuilder? clean = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var valid = c is '\t' or '\n' || (c >= ' ' && c < '\uD800') || (c > '\uDFFF' && c < '\uFFFE');
            var pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            if (valid || pair)
            {
                clean?.Append(c);
                if (pair)
                {
                    clean?.Append(text[++i]);
                }

                continue;
            }

            clean ??= new StringBuilder(text, 0, i, text.Length + 16);
            clean.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
        }

        return clean?.ToString() ?? text;
    }

    [GeneratedRegex(@"\x1B\[[0-9;?]*[ -/]*[@-~]")]
    private static partial Regex AnsiSequence();
}
