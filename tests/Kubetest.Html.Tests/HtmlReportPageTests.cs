using System.Globalization;
using Kubetest.Model;
using Kubetest.Planning;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Html.Tests;

/// <summary>
/// The page <see cref="HtmlReport"/> makes from a run with known times (a clock the test moves),
/// laid out by Chromium: bars where their runs started and as long as they took, the totals, the
/// makespan against its lower bound, a key that never started, key names on the bars, the keys
/// table's order and sorting, durations written alike.
/// </summary>
public sealed partial class HtmlReportPageTests(Browser browser) : IClassFixture<Browser>, IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 6, 7, 8, 9, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("kubetest-html-").FullName;

    [Fact]
    public async Task Bars_sit_on_their_pod_slot_lane_at_their_real_start_and_end_and_the_totals_give_makespan_and_lower_bound()
    {
        var clock = new ManualClock(T0);
        var timeline = new TimelineCollector(clock);
        var step = Step(pods: 2, slotsPerPod: 1);
        Run(timeline, clock, step, "alpha", "p-a", 0, from: 1, to: 5, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(4)), "alpha ok");
        Run(timeline, clock, step, "beta", "p-b", 0, from: 2, to: 10, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(8)));
        Run(timeline, clock, step, "gamma", "p-a", 0, from: 5, to: 6, new TaskResult(KeyStatus.Failure, 2, TimeSpan.FromSeconds(1)), "gamma broke");
        clock.Now = T0.AddSeconds(10);
        var report = Report.Build(T0, TimeSpan.FromSeconds(10), [
            new ReportDetail("alpha", KeyStatus.Success, 4, 1, 4),
            new ReportDetail("beta", KeyStatus.Success, 8, 1, 8),
            new ReportDetail("gamma", KeyStatus.Failure, 1, 1, 1),
            new ReportDetail("never", KeyStatus.Unknown, 0, 0),
        ], new Dictionary<string, string>(), stepsFailed: false);
        timeline.On(new RunFinished(report));

        await using var page = await browser.OpenAsync(Save(HtmlReport.Write(report, "timed", timeline)));
        await page.ScreenshotAsync("known-times");

        Assert.Equal(["p-a · slot 0", "p-b · slot 0"], await page.Page.Locator(".lane:not(.axis) .label").AllTextContentsAsync());
        var track = (await page.Page.Locator(".lane:not(.axis) .track").First.BoundingBoxAsync())!;
        foreach (var (key, from, to) in new[] { ("alpha", 1.0, 5.0), ("beta", 2.0, 10.0), ("gamma", 5.0, 6.0) })
        {
            var bar = (await page.Bar(key).BoundingBoxAsync())!;
            Assert.InRange(bar.X - track.X, (track.Width * from / 10) - 1.5, (track.Width * from / 10) + 1.5);
            Assert.InRange(bar.Width, (track.Width * (to - from) / 10) - 1.5, (track.Width * (to - from) / 10) + 1.5);
        }

        Assert.Equal(Colour.Failure, await page.BackgroundAsync(page.Bar("gamma")));
        Assert.Equal(("4", "2", "1", "1", "1"), (await page.TotalAsync("keys"), await page.TotalAsync("passed"), await page.TotalAsync("failed"), await page.TotalAsync("unknown"), await page.TotalAsync("skipped")));
        Assert.Equal(("9.000 s", "8.000 s", "89 %"), (await page.TotalAsync("makespan"), await page.TotalAsync("lower bound"), await page.TotalAsync("efficiency")));
        Assert.Contains("13.000 s / 2 slots, longest key 8.000 s", await page.Page.Locator("[data-total=\"lower bound\"]").GetAttributeAsync("title"), StringComparison.Ordinal);

        // The key that never started has a row but no bar; the failed filter shows it with the failed key.
        Assert.Equal(0, await page.Page.Locator(".bar[data-key=\"never\"]").CountAsync());
        Assert.Equal("never started", await page.Row("never").Locator("td.status").TextContentAsync());
        await page.Page.CheckAsync("#filter-failed");
        Assert.Equal(["gamma", "never"], await page.Page.EvalOnSelectorAllAsync<string[]>("tr.key:not([hidden])", "rows => rows.map(r => r.dataset.key)"));
        Assert.Equal("gamma broke", await page.Row("gamma").Locator("pre").TextContentAsync());
    }

    [Fact]
    public async Task A_key_whose_pod_could_not_start_has_no_bar_and_its_row_says_why()
    {
        var clock = new ManualClock(T0);
        var timeline = new TimelineCollector(clock);
        var step = Step(pods: 1, slotsPerPod: 1);
        Run(timeline, clock, step, "fine", "p-a", 0, from: 0, to: 2, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(2)));
        timeline.On(new KeyFinished(new TaskId(step, "orphan", 1, "", "main1-0"), new TaskResult(KeyStatus.Error, null, TimeSpan.Zero, "pod e2e-… could not start: <no image>"), 2, 2));
        var report = Report.Build(T0, TimeSpan.FromSeconds(3), [
            new ReportDetail("fine", KeyStatus.Success, 2, 1, 2),
            new ReportDetail("orphan", KeyStatus.Error, 0, 1, 0),
        ], new Dictionary<string, string>(), stepsFailed: false);
        timeline.On(new RunFinished(report));

        await using var page = await browser.OpenAsync(Save(HtmlReport.Write(report, "broken pod", timeline)));

        Assert.Equal(["fine"], await page.BarKeysAsync());
        Assert.Equal(["p-a · slot 0"], await page.Page.Locator(".lane:not(.axis) .label").AllTextContentsAsync());
        Assert.Equal("error", await page.Row("orphan").Locator("td.status").TextContentAsync());
        Assert.Equal("run 1: pod e2e-… could not start: <no image>", await page.Row("orphan").Locator("summary").TextContentAsync());
    }

    [Fact]
    public async Task Key_names_show_on_bars_wide_enough_cut_with_an_ellipsis_inside_the_bar_as_text_and_hover_still_works()
    {
        const string Long = "a-key-name-far-too-long-for-its-bar-<b>not bold</b>-&amp;";
        var clock = new ManualClock(T0);
        var timeline = new TimelineCollector(clock);
        var step = Step(pods: 1, slotsPerPod: 1);
        Run(timeline, clock, step, "wide-key", "p-a", 0, from: 0, to: 8, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(8)));
        Run(timeline, clock, step, Long, "p-a", 0, from: 8, to: 9, new TaskResult(KeyStatus.Failure, 1, TimeSpan.FromSeconds(1)));
        Run(timeline, clock, step, "tiny", "p-a", 0, from: 9.99, to: 10, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(0.01)));
        clock.Now = T0.AddSeconds(10);
        var report = Report.Build(T0, TimeSpan.FromSeconds(10), [
            new ReportDetail("wide-key", KeyStatus.Success, 8, 1, 8),
            new ReportDetail(Long, KeyStatus.Failure, 1, 1, 1),
            new ReportDetail("tiny", KeyStatus.Success, 0, 1, 0.01),
        ], new Dictionary<string, string>(), stepsFailed: false);
        timeline.On(new RunFinished(report));

        await using var page = await browser.OpenAsync(Save(HtmlReport.Write(report, "names", timeline)));
        await page.ScreenshotAsync("names-on-bars");

        var wide = page.Bar("wide-key").Locator(".name");
        Assert.True(await wide.IsVisibleAsync());
        Assert.Equal("wide-key", await wide.TextContentAsync());
        Assert.True(await wide.EvaluateAsync<bool>("n => n.scrollWidth <= n.clientWidth"), "the whole name fits");

        var cut = page.Bar(Long).Locator(".name");
        Assert.True(await cut.IsVisibleAsync());
        Assert.Equal(Long, await cut.TextContentAsync());
        Assert.Equal(0, await page.Page.Locator(".bar b").CountAsync());
        Assert.Equal("ellipsis", await cut.EvaluateAsync<string>("n => getComputedStyle(n).textOverflow"));
        Assert.True(await cut.EvaluateAsync<bool>("n => n.scrollWidth > n.clientWidth"), "the name is cut");
        var (bar, name) = ((await page.Bar(Long).BoundingBoxAsync())!, (await cut.BoundingBoxAsync())!);
        Assert.InRange(name.X + name.Width, bar.X, bar.X + bar.Width + 0.5);

        Assert.False(await page.Bar("tiny").Locator(".name").IsVisibleAsync());

        await page.Bar(Long).HoverAsync();
        var hovered = await page.Page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('.bar:hover')].map(b => b.title)");
        Assert.StartsWith(Long + "\nfailed\nduration 1.000 s · exit code 1", Assert.Single(hovered), StringComparison.Ordinal);
        Assert.Empty(page.ScriptErrors);
    }

    [Fact]
    public async Task The_keys_table_shows_failed_keys_first_and_sorts_by_status_duration_or_name_by_mouse_or_keyboard_with_the_filters_kept()
    {
        var clock = new ManualClock(T0);
        var timeline = new TimelineCollector(clock);
        var step = Step(pods: 2, slotsPerPod: 1);
        Run(timeline, clock, step, "p-long", "p-a", 0, from: 0, to: 75.5, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(75.5)));
        Run(timeline, clock, step, "f1", "p-b", 0, from: 0, to: 2.11, new TaskResult(KeyStatus.Failure, 1, TimeSpan.FromSeconds(2.11)));
        Run(timeline, clock, step, "p-short", "p-b", 0, from: 2.11, to: 3.174, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(1.064)));
        Run(timeline, clock, step, "f2", "p-b", 0, from: 3.174, to: 8.174, new TaskResult(KeyStatus.Failure, 1, TimeSpan.FromSeconds(5)));
        clock.Now = T0.AddSeconds(76);
        var report = Report.Build(T0, TimeSpan.FromSeconds(76), [
            new ReportDetail("p-long", KeyStatus.Success, 75, 1, 75.5),
            new ReportDetail("f1", KeyStatus.Failure, 2, 1, 2.11),
            new ReportDetail("p-short", KeyStatus.Success, 1, 1, 1.064),
            new ReportDetail("f2", KeyStatus.Failure, 5, 1, 5),
            new ReportDetail("never", KeyStatus.Unknown, 0, 0),
        ], new Dictionary<string, string>(), stepsFailed: false);
        timeline.On(new RunFinished(report));

        await using var page = await browser.OpenAsync(Save(HtmlReport.Write(report, "sorted", timeline)));
        async Task<string[]> Order() => await page.Page.EvalOnSelectorAllAsync<string[]>("tr.key:not([hidden])", "rows => rows.map(r => r.dataset.key)");
        async Task<string?> SortOf(string column) => await page.Page.Locator($"th:has(button[data-sort={column}])").GetAttributeAsync("aria-sort");

        // By default: the keys that kept the run from passing first (longest first), then the passed.
        Assert.Equal(["f2", "f1", "never", "p-long", "p-short"], await Order());
        Assert.Equal("ascending", await SortOf("status"));
        Assert.Equal(["5.000 s", "2.110 s", "0.000 s", "1m 15.500 s", "1.064 s"], await page.Page.Locator("tr.key td.duration").AllTextContentsAsync());

        await page.Page.ClickAsync("button[data-sort=duration]");
        Assert.Equal(["p-long", "f2", "f1", "p-short", "never"], await Order());
        Assert.Equal(("descending", null), (await SortOf("duration"), await SortOf("status")));
        await page.Page.ClickAsync("button[data-sort=duration]");
        Assert.Equal(["never", "p-short", "f1", "f2", "p-long"], await Order());
        Assert.Equal("ascending", await SortOf("duration"));

        await page.Page.FocusAsync("button[data-sort=name]");
        await page.Page.Keyboard.PressAsync("Enter");
        Assert.Equal(["f1", "f2", "never", "p-long", "p-short"], await Order());
        await page.Page.Keyboard.PressAsync("Space");
        Assert.Equal(["p-short", "p-long", "never", "f2", "f1"], await Order());
        Assert.Equal("descending", await SortOf("name"));

        await page.Page.ClickAsync("button[data-sort=status]");
        Assert.Equal(["f2", "f1", "never", "p-long", "p-short"], await Order());
        await page.Page.ClickAsync("button[data-sort=status]");
        Assert.Equal(["p-short", "p-long", "never", "f1", "f2"], await Order());

        // A filter and a sort together: the hidden rows stay hidden wherever they move.
        await page.Page.CheckAsync("#filter-failed");
        await page.Page.ClickAsync("button[data-sort=name]");
        Assert.Equal(["f1", "f2", "never"], await Order());
        Assert.Equal("3 of 5 keys shown", await page.Page.Locator("#shown").TextContentAsync());
        Assert.Equal(5, await page.Page.Locator("tr.key").CountAsync());
        Assert.Empty(page.ScriptErrors);
    }

    [Fact]
    public async Task Every_duration_on_the_page_is_written_to_the_millisecond_in_one_format()
    {
        var clock = new ManualClock(T0);
        var timeline = new TimelineCollector(clock);
        var step = Step(pods: 1, slotsPerPod: 2);
        Run(timeline, clock, step, "short", "p-a", 0, from: 0, to: 2.11, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(2.11)));
        Run(timeline, clock, step, "precise", "p-a", 1, from: 0, to: 3.064, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(3.064)));
        Run(timeline, clock, step, "hours", "p-a", 0, from: 2.11, to: 3725.5, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(3723.39)));
        clock.Now = T0.AddSeconds(3725.5);
        var report = Report.Build(T0, TimeSpan.FromSeconds(3726), [
            new ReportDetail("short", KeyStatus.Success, 2, 1, 2.11),
            new ReportDetail("precise", KeyStatus.Success, 3, 1, 3.064),
            new ReportDetail("hours", KeyStatus.Success, 3723, 1, 3723.39),
        ], new Dictionary<string, string>(), stepsFailed: false);
        timeline.On(new RunFinished(report));

        await using var page = await browser.OpenAsync(Save(HtmlReport.Write(report, "durations", timeline)));

        var cells = await page.Page.Locator("tr.key td.duration").AllTextContentsAsync();
        Assert.Equal(["1h 02m 03.390 s", "3.064 s", "2.110 s"], cells);
        var titles = await page.Page.EvalOnSelectorAllAsync<string[]>(".bar", "bars => bars.map(b => b.title)");
        var inTitles = titles.SelectMany(t => DurationText().Matches(t).Select(m => m.Groups[1].Value)).ToList();
        Assert.Contains("duration 2.110 s · exit code 0", titles.SelectMany(t => t.Split('\n')));
        Assert.Contains("duration 3.064 s · exit code 0", titles.SelectMany(t => t.Split('\n')));
        var totals = new[] { await page.TotalAsync("makespan"), await page.TotalAsync("lower bound") };
        var runTime = System.Text.RegularExpressions.Regex.Match((await page.Page.Locator(".started").TextContentAsync())!, "run time (.+)$").Groups[1].Value;
        Assert.All(cells.Concat(inTitles).Concat(totals).Append(runTime), text => Assert.Matches(@"^(\d+h \d{2}m \d{2}|\d+m \d{2}|\d+)\.\d{3} s$", text));
        Assert.Equal(9, inTitles.Count);
    }

    [Fact]
    public void The_file_stays_bounded_whatever_the_keys_print_each_run_keeping_only_its_last_lines()
    {
        var clock = new ManualClock(T0);
        var timeline = new TimelineCollector(clock);
        var step = Step(pods: 10, slotsPerPod: 2);
        const int keys = 1000;
        var line = new string('x', 190);
        for (var k = 0; k < keys; k++)
        {
            var task = new TaskId(step, $"key{k}", 1, $"pod-{k % 10}", "main0-0", k % 2);
            timeline.On(new TaskStarted(task, "run", "TASK_KEY", $"key{k}"));
            for (var i = 0; i < 300; i++)
            {
                timeline.On(new TaskOutput(task, OutputStream.Stdout, $"line {i:D3} {line}"));
            }

            var failed = k % 2 == 1;
            timeline.On(new KeyFinished(task, new TaskResult(failed ? KeyStatus.Failure : KeyStatus.Success, failed ? 1 : 0, TimeSpan.FromSeconds(1)), k + 1, keys));
        }

        var details = Enumerable.Range(0, keys).Select(k => new ReportDetail($"key{k}", k % 2 == 1 ? KeyStatus.Failure : KeyStatus.Success, 1, 1, 1)).ToList();
        var html = HtmlReport.Write(Report.Build(T0, TimeSpan.FromSeconds(100), details, new Dictionary<string, string>(), false), "big", timeline);

        // 300 lines of ~200 characters per key (60 MB in all): a passed run keeps its last 10 lines
        // (1 KiB), a failed one its last 50 lines or 8 KiB; the rest of a key's markup is under 1.5 KiB.
        var perKeyBound = (OutputTail.DefaultMaxChars + TimelineCollector.PassedTailChars) / 2 + 1536;
        Assert.InRange(html.Length, 1, keys * perKeyBound);
        var runs = timeline.Runs();
        Assert.All(runs.Where(r => r.Result!.Status == KeyStatus.Success), r =>
        {
            Assert.True(r.OutputTail.Length <= TimelineCollector.PassedTailChars, r.OutputTail.Length.ToString(CultureInfo.InvariantCulture));
            Assert.EndsWith($"line 299 {line}", r.OutputTail, StringComparison.Ordinal);
            Assert.True(r.OutputTruncated);
        });
        Assert.All(runs.Where(r => r.Result!.Status == KeyStatus.Failure), r => Assert.InRange(r.OutputTail.Length, OutputTail.DefaultMaxChars - 200, OutputTail.DefaultMaxChars));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Save(string html)
    {
        var path = Path.Combine(_directory, "report.html");
        File.WriteAllText(path, html);
        return path;
    }

    private static KeysStep Step(int pods, int slotsPerPod) =>
        new(null!, null, "TASK_KEY", new Scheduler(0, 0, 0), null, null, [.. Enumerable.Range(0, pods).Select(p => new PlannedPod(p, [], slotsPerPod))]);

    private static void Run(TimelineCollector timeline, ManualClock clock, KeysStep step, string key, string pod, int slot, double from, double to, TaskResult result, params string[] output)
    {
        var task = new TaskId(step, key, 1, pod, "main0-0", slot);
        clock.Now = T0.AddSeconds(from);
        timeline.On(new TaskStarted(task, "run", "TASK_KEY", key));
        foreach (var text in output)
        {
            timeline.On(new TaskOutput(task, OutputStream.Stdout, text));
        }

        clock.Now = T0.AddSeconds(to);
        timeline.On(new KeyFinished(task, result, 1, 3));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(?:duration |· |to )((?:\d+h \d+m |\d+m )?[\d.]+ s)")]
    private static partial System.Text.RegularExpressions.Regex DurationText();

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
