using System.Globalization;
using System.Net;
using System.Text;

namespace Kubetest.Reporting;

/// <summary>
/// The run as one self-contained HTML page (inline CSS and script, nothing fetched): a timeline
/// with one lane per pod slot and a bar per run of a key, placed by its real start and end and
/// coloured by how it ended; the totals, the makespan against its lower bound; filters for failed
/// and flaky keys; and a table of the keys with each run's output tail. Every text from the run
/// (keys, output, pod names) is HTML-escaped, so nothing in it can become markup or script.
/// </summary>
public static partial class HtmlReport
{
    /// <summary>How a key ended, as the filters and colours see it.</summary>
    private enum KeyState
    {
        Passed,
        Flaky,
        Failed,
        Unknown,
        Skipped,
    }

    public static string Write(Report report, string title, TimelineCollector timeline)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(timeline);
        var all = timeline.Runs();
        var started = all.Where(r => r.Started).Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        var states = report.Details
            .GroupBy(d => d.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => StateOf(g.First(), started.Contains(g.Key)), StringComparer.Ordinal);
        var runs = all.Where(r => r.Started).ToList();
        var rows = report.Details.Select((d, i) => (Detail: d, Id: $"k{i}")).ToList();
        var rowIds = rows.GroupBy(r => r.Detail.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n");
        html.Append(CultureInfo.InvariantCulture, $"<title>kubetest: {Text(title)}</title>\n<style>{Css}</style>\n</head>\n<body>\n");
        html.Append(CultureInfo.InvariantCulture, $"<h1>kubetest: {Text(title)} <span class=\"status {(report.Succeeded ? "passed" : "failed")}\">{Text(report.Status)}</span></h1>\n");
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"started\">started {Text(report.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))} UTC, run time {Seconds(RunSeconds(report, timeline, runs))}</p>\n");
        Totals(html, report, timeline, runs, states);
        Filters(html);
        Timeline(html, report, timeline, runs, states, rowIds);
        Table(html, rows, all, states);
        html.Append(CultureInfo.InvariantCulture, $"<script>{Script}</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static KeyState StateOf(ReportDetail detail, bool ran) => detail.Status switch
    {
        KeyStatus.Success => detail.Flaky ? KeyState.Flaky : KeyState.Passed,
        KeyStatus.Failure or KeyStatus.Error => KeyState.Failed,
        _ => detail.Attempts == 0 && !ran ? KeyState.Skipped : KeyState.Unknown,
    };

    private static string StateName(KeyState state) => state.ToString().ToLowerInvariant();

    /// <summary>The run's length in seconds: from its start to its end, or to the last run's end.</summary>
    private static double RunSeconds(Report report, TimelineCollector timeline, IReadOnlyList<TimelineRun> runs)
    {
        var end = timeline.FinishedAt is { } finished ? (finished - report.StartedAt).TotalSeconds : report.ElapsedTimeSec;
        return runs.Select(r => End(report, r)).Append(end).Max();
    }

    private static double Start(Report report, TimelineRun run) => Math.Max(0, (run.Start - report.StartedAt).TotalSeconds);

    private static double End(Report report, TimelineRun run) => Start(report, run) + Math.Max(0, run.Elapsed.TotalSeconds);

    private static void Totals(StringBuilder html, Report report, TimelineCollector timeline, IReadOnlyList<TimelineRun> runs, Dictionary<string, KeyState> states)
    {
        var skipped = report.Details.Count(d => states[d.Name] == KeyState.Skipped);
        html.Append("<section class=\"totals\">\n<dl>\n");
        Term(html, "keys", report.TotalNum.ToString(CultureInfo.InvariantCulture));
        Term(html, "passed", report.SuccessNum.ToString(CultureInfo.InvariantCulture));
        Term(html, "failed", report.FailureNum.ToString(CultureInfo.InvariantCulture));
        Term(html, "flaky", report.FlakyNum.ToString(CultureInfo.InvariantCulture));
        Term(html, "unknown", report.UnknownNum.ToString(CultureInfo.InvariantCulture));
        Term(html, "skipped", skipped.ToString(CultureInfo.InvariantCulture));
        if (runs.Count > 0)
        {
            var slots = Math.Max(1, timeline.Slots);
            var total = runs.Sum(r => r.Elapsed.TotalSeconds);
            var longest = runs.Max(r => r.Elapsed.TotalSeconds);
            var bound = Math.Max(total / slots, longest);
            var makespan = runs.Max(r => End(report, r)) - runs.Min(r => Start(report, r));
            Term(html, "makespan", Seconds(makespan), "from the first key's start to the last key's end");
            Term(html, "lower bound", Seconds(bound), $"max(total key time {Seconds(total)} / {slots} slots, longest key {Seconds(longest)}): no schedule of these runs on these slots ends sooner");
            if (makespan > 0)
            {
                Term(html, "efficiency", (bound / makespan).ToString("P0", CultureInfo.InvariantCulture), "lower bound / makespan");
            }
        }

        html.Append("</dl>\n</section>\n");
    }

    private static void Term(StringBuilder html, string name, string value, string? hint = null) =>
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"total\" data-total=\"{Text(name)}\"{(hint is null ? "" : $" title=\"{Text(hint)}\"")}><dt>{Text(name)}</dt><dd>{Text(value)}</dd></div>\n");

    private static void Filters(StringBuilder html) => html.Append("""
        <fieldset class="filters"><legend>show only</legend>
        <label><input type="checkbox" id="filter-failed" data-filter="failed"> failed keys (and keys without a result)</label>
        <label><input type="checkbox" id="filter-flaky" data-filter="flaky"> flaky keys</label>
        <span id="shown"></span>
        </fieldset>

        """);

    private static void Timeline(StringBuilder html, Report report, TimelineCollector timeline, IReadOnlyList<TimelineRun> runs, Dictionary<string, KeyState> states, Dictionary<string, string> rowIds)
    {
        html.Append("<h2>Timeline</h2>\n");
        if (runs.Count == 0)
        {
            html.Append("<p class=\"empty\">no key started.</p>\n");
            return;
        }

        var span = Math.Max(RunSeconds(report, timeline, runs), 0.001);
        var lanes = runs.GroupBy(r => (r.Pod, r.Slot)).ToList();
        html.Append("<div class=\"timeline\">\n<div class=\"lane axis\"><div class=\"label\">pod · slot</div><div class=\"track\">");
        foreach (var tick in Ticks(span))
        {
            html.Append(CultureInfo.InvariantCulture, $"<span class=\"tick\" style=\"left:{Percent(tick / span)}\">{Text(Tick(tick))}</span>");
        }

        html.Append("</div></div>\n");
        foreach (var lane in lanes)
        {
            var label = $"{lane.Key.Pod} · slot {lane.Key.Slot}";
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"lane\" data-pod=\"{Text(lane.Key.Pod)}\" data-slot=\"{lane.Key.Slot}\"><div class=\"label\" title=\"{Text(label)}\">{Text(label)}</div><div class=\"track\">");
            foreach (var run in lane)
            {
                var state = states.GetValueOrDefault(run.Key, KeyState.Unknown);
                var start = Start(report, run);
                var outcome = Outcome(run);
                var hover = $"{Clean(run.Key)}\n{Describe(run)}\nduration {Seconds(run.Elapsed.TotalSeconds)} · {ExitCode(run)}\nrun {run.Attempt} · {Clean(run.Pod)} slot {run.Slot} · {Seconds(start)} to {Seconds(start + run.Elapsed.TotalSeconds)}";
                html.Append(CultureInfo.InvariantCulture, $"<a class=\"bar {outcome}{(state == KeyState.Flaky ? " flaky" : "")}\" href=\"#{rowIds.GetValueOrDefault(run.Key, "")}\" data-key=\"{Text(run.Key)}\" data-state=\"{StateName(state)}\" data-attempt=\"{run.Attempt}\" style=\"left:{Percent(start / span)};width:{Percent(run.Elapsed.TotalSeconds / span)}\" title=\"{Text(hover)}\"><span class=\"name\">{Text(run.Key)}</span></a>");
            }

            html.Append("</div></div>\n");
        }

        html.Append("</div>\n<p class=\"legend\"><span class=\"swatch success\"></span>passed <span class=\"swatch failure\"></span>failed <span class=\"swatch timeout\"></span>timed out <span class=\"swatch flaky\"></span>flaky (every run of a key that failed, then passed) <span class=\"swatch error\"></span>could not run <span class=\"swatch unknown\"></span>no result</p>\n");
    }

    private static void Table(StringBuilder html, List<(ReportDetail Detail, string Id)> rows, IReadOnlyList<TimelineRun> runs, Dictionary<string, KeyState> states)
    {
        html.Append(CultureInfo.InvariantCulture, $"<h2>Keys</h2>\n<table class=\"keys\">\n<thead><tr>{SortHeader("name", "key", null)}{SortHeader("status", "status", "ascending")}<th>runs</th>{SortHeader("duration", "duration", null)}<th>exit code</th><th>output (last lines)</th></tr></thead>\n<tbody>\n");
        var byKey = runs.ToLookup(r => r.Key, StringComparer.Ordinal);
        foreach (var (detail, id) in rows.OrderBy(r => Rank(states[r.Detail.Name])).ThenByDescending(r => Duration(r.Detail)).ThenBy(r => r.Detail.Name, StringComparer.Ordinal))
        {
            var state = states[detail.Name];
            var keyRuns = byKey[detail.Name].OrderBy(r => r.Attempt).ToList();
            var last = keyRuns.LastOrDefault();
            var status = state switch
            {
                KeyState.Flaky => "flaky (passed on a rerun)",
                KeyState.Skipped => "never started",
                _ => Report.StatusText(detail.Status),
            };
            html.Append(CultureInfo.InvariantCulture, $"<tr id=\"{id}\" class=\"key {StateName(state)}\" data-key=\"{Text(detail.Name)}\" data-state=\"{StateName(state)}\" data-rank=\"{Rank(state)}\" data-duration=\"{Duration(detail).ToString("R", CultureInfo.InvariantCulture)}\"><td class=\"name\">{Text(detail.Name)}</td><td class=\"status\">{Text(status)}</td><td>{detail.Attempts}</td><td class=\"duration\">{Seconds(Duration(detail))}</td><td>{(last?.Result?.ExitCode is { } code ? code.ToString(CultureInfo.InvariantCulture) : "")}</td><td class=\"output\">");
            foreach (var run in keyRuns)
            {
                var open = run == last && state != KeyState.Passed && state != KeyState.Flaky ? " open" : "";
                html.Append(CultureInfo.InvariantCulture, $"<details{open}><summary>run {run.Attempt}: {Text(Describe(run))}{(run.OutputTruncated ? " (earlier lines cut)" : "")}</summary><pre>{Text(run.OutputTail)}</pre></details>");
            }

            html.Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
    }

    /// <summary>The order of the status sort: first every key that kept the run from passing, then the flaky, then the passed.</summary>
    private static int Rank(KeyState state) => state switch
    {
        KeyState.Failed => 0,
        KeyState.Unknown => 1,
        KeyState.Skipped => 2,
        KeyState.Flaky => 3,
        _ => 4,
    };

    private static double Duration(ReportDetail detail) => detail.ElapsedSeconds ?? detail.ElapsedTimeSec;

    /// <summary>A column header that sorts the table (a button, so the keyboard reaches it); <paramref name="sort"/>: the column's aria-sort now.</summary>
    private static string SortHeader(string column, string label, string? sort) =>
        $"<th{(sort is null ? "" : $" aria-sort=\"{sort}\"")}><button type=\"button\" class=\"sort\" data-sort=\"{column}\">{label}</button></th>";

    /// <summary>The bar's class: how this run ended.</summary>
    private static string Outcome(TimelineRun run) => run.Result switch
    {
        null => "unknown",
        { Status: KeyStatus.Success } => "success",
        { Status: KeyStatus.Failure, Message: { } m } when m.StartsWith("timed out", StringComparison.Ordinal) => "timeout",
        { Status: KeyStatus.Failure } => "failure",
        { Status: KeyStatus.Error } => "error",
        _ => "unknown",
    };

    private static string Describe(TimelineRun run) => run.Result switch
    {
        null => "no result: the run ended while it was running",
        { Interrupted: true, Message: { } stopped } => $"no result: {Clean(stopped)}",
        { Status: KeyStatus.Success } => "passed",
        { Message: { } message } => Clean(message),
        { Status: KeyStatus.Failure } => "failed",
        { Status: var status } => Report.StatusText(status),
    };

    private static string ExitCode(TimelineRun run) => run.Result?.ExitCode is { } code ? $"exit code {code.ToString(CultureInfo.InvariantCulture)}" : "no exit code";

    private static readonly int[] TickSteps = [1, 2, 5, 10];

    /// <summary>About 8 round steps (1, 2 or 5 × 10ⁿ seconds) from 0 to <paramref name="span"/>.</summary>
    private static IEnumerable<double> Ticks(double span)
    {
        var raw = span / 8;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = TickSteps.Select(m => m * magnitude).First(s => s >= raw);
        for (var t = 0.0; t <= span + 1e-9; t += step)
        {
            yield return t;
        }
    }

    private static string Percent(double fraction) => (Math.Clamp(fraction, 0, 1) * 100).ToString("0.###", CultureInfo.InvariantCulture) + "%";

    /// <summary>
    /// Every duration on the page, to the millisecond: <c>3.064 s</c>, <c>1m 02.500 s</c>,
    /// <c>1h 02m 03.500 s</c>, so that durations side by side read alike.
    /// </summary>
    private static string Seconds(double seconds)
    {
        var ms = (long)Math.Round(Math.Max(0, seconds) * 1000, MidpointRounding.AwayFromZero);
        var (h, m, s, f) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
        return h > 0 ? string.Create(CultureInfo.InvariantCulture, $"{h}h {m:D2}m {s:D2}.{f:D3} s")
            : m > 0 ? string.Create(CultureInfo.InvariantCulture, $"{m}m {s:D2}.{f:D3} s")
            : string.Create(CultureInfo.InvariantCulture, $"{s}.{f:D3} s");
    }

    /// <summary>A mark on the time axis: round steps, so without decimals that say nothing (<c>0 s</c>, <c>2.5 s</c>, <c>1m 30s</c>).</summary>
    private static string Tick(double seconds)
    {
        if (seconds < 60)
        {
            return seconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
        }

        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}h {t.Minutes}m {t.Seconds}s")
            : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}m {t.Seconds}s");
    }

    /// <summary>Text as it can stand in HTML: colour sequences gone, control characters as <c>\uXXXX</c>.</summary>
    private static string Clean(string text) => JUnitReport.Clean(text);

    /// <summary>Escaped for HTML text and attribute values alike (&lt;, &gt;, &amp;, both quotes).</summary>
    private static string Text(string text) => WebUtility.HtmlEncode(Clean(text));
}
