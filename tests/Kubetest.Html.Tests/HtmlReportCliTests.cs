using Kubetest.Cli.Tests;
using Microsoft.Playwright;

namespace Kubetest.Html.Tests;

/// <summary>
/// <c>--html FILE</c> written by the real CLI on the local runtime and looked at in headless
/// Chromium as a person would: a bar per run of every key, coloured by how it ended, its hover
/// text, the filters, key names and output shown as text. Screenshots go to
/// <see cref="Browser.ArtifactDirectory"/>.
/// </summary>
public sealed class HtmlReportCliTests(Browser browser) : IClassFixture<Browser>
{
    private const string ScriptKey = "<script>window.pwned=1</script>";
    private const string ImageKey = "<img src=x onerror=window.pwned=2>";

    [Fact]
    public async Task A_run_with_passed_failed_timed_out_and_flaky_keys_shows_a_bar_per_run_coloured_by_outcome_with_working_filters()
    {
        using var cli = new CliRunner(["--runtime", "local"]);
        var state = Directory.CreateDirectory(Path.Combine(cli.Root, "state")).FullName;
        var html = Path.Combine(cli.Root, "reports", "run.html");
        var manifest = cli.Write("html.yaml", Manifests.Strategy(
            ["ok1", "ok2", "bad", "wobbly", "sleepy", ScriptKey, ImageKey],
            "case $TASK_KEY in ok*) echo fine $TASK_KEY;; wobbly) if [ ! -e /state/wobbly ]; then touch /state/wobbly; echo first try broke; exit 1; fi; echo fine now;; sleepy) echo zzz; sleep 30;; bad) echo '<script>window.pwned=3</script> & <b>bold</b>'; exit 3;; *) echo odd key;; esac",
            scheduler: "maxContainersPerPod: 4\nmaxConcurrentNumPerPod: 2",
            extraStrategy: "retest: 1",
            extraPodSpec: $"volumes:\n  - name: state\n    hostPath:\n      path: {state}",
            extraContainer: "volumeMounts:\n  - name: state\n    mountPath: /state"));

        var run = await cli.RunAsync("--key-timeout", "2s", "--html", html, manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        var details = run.Report.GetProperty("details").EnumerateArray().ToList();
        await using var page = await browser.OpenAsync(html);
        await page.ScreenshotAsync("cli-run");
        Assert.Empty(page.Fetches);
        Assert.Empty(page.ScriptErrors);

        // A bar for every run of every key, each one visible on the timeline.
        var barKeys = await page.BarKeysAsync();
        Assert.Equal(details.Select(d => d.GetProperty("name").GetString()!).Order(StringComparer.Ordinal), barKeys.Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(details.Sum(d => d.GetProperty("attempts").GetInt32()), barKeys.Count);
        foreach (var bar in await page.Page.Locator(".bar").AllAsync())
        {
            Assert.True(await bar.IsVisibleAsync());
        }

        // Coloured by how each run ended.
        Assert.Equal(Colour.Failure, await page.BackgroundAsync(page.Bar("bad")));
        Assert.Equal(Colour.Failure, await page.BackgroundAsync(page.Bar("bad", 2)));
        Assert.Equal(Colour.Timeout, await page.BackgroundAsync(page.Bar("sleepy")));
        Assert.Equal(Colour.Flaky, await page.BackgroundAsync(page.Bar("wobbly", 1)));
        Assert.Equal(Colour.Flaky, await page.BackgroundAsync(page.Bar("wobbly", 2)));
        Assert.Equal(Colour.Success, await page.BackgroundAsync(page.Bar("ok1")));

        // Hovering a bar shows its key, duration and exit code.
        await page.Bar("bad").HoverAsync();
        var hovered = await page.Page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('.bar:hover')].map(b => b.title)");
        var title = Assert.Single(hovered);
        Assert.StartsWith("bad\nfailed\nduration ", title, StringComparison.Ordinal);
        Assert.Contains("exit code 3", title, StringComparison.Ordinal);
        Assert.Contains("exit code 124", await page.Bar("sleepy").GetAttributeAsync("title"), StringComparison.Ordinal);
        Assert.Contains("timed out after 2s", await page.Bar("sleepy").GetAttributeAsync("title"), StringComparison.Ordinal);

        // One slot runs one key at a time: no two bars of a lane overlap.
        foreach (var lane in await page.Page.Locator(".lane:not(.axis)").AllAsync())
        {
            Assert.Matches(@" · slot [01]$", await lane.Locator(".label").TextContentAsync());
            var boxes = new List<LocatorBoundingBoxResult>();
            foreach (var bar in await lane.Locator(".bar").AllAsync())
            {
                boxes.Add((await bar.BoundingBoxAsync())!);
            }

            var ordered = boxes.OrderBy(b => b.X).ToList();
            Assert.All(ordered.Zip(ordered.Skip(1)), pair => Assert.True(pair.First.X + pair.First.Width <= pair.Second.X + 1.5, $"bars overlap in a lane: {pair.First.X}+{pair.First.Width} > {pair.Second.X}"));
        }

        // Totals as the report says.
        var report = run.Report;
        Assert.Equal(report.GetProperty("totalNum").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), await page.TotalAsync("keys"));
        Assert.Equal(report.GetProperty("failureNum").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), await page.TotalAsync("failed"));
        Assert.Equal("1", await page.TotalAsync("flaky"));
        Assert.Matches(@"^\d+(\.\d+)? s$", await page.TotalAsync("makespan"));
        Assert.Matches(@"^\d+(\.\d+)? s$", await page.TotalAsync("lower bound"));

        // Key names and output are text: nothing of them ran or became markup.
        Assert.True(await page.Page.EvaluateAsync<bool>("() => window.pwned === undefined"));
        Assert.Equal(1, await page.Page.EvaluateAsync<int>("() => document.scripts.length"));
        Assert.Equal(0, await page.Page.Locator("img, pre b").CountAsync());
        Assert.Equal(ScriptKey, await page.Row(ScriptKey).Locator("td.name").TextContentAsync());
        Assert.Equal(ImageKey, await page.Row(ImageKey).Locator("td.name").TextContentAsync());
        Assert.StartsWith(ScriptKey + "\n", await page.Bar(ScriptKey).GetAttributeAsync("title"), StringComparison.Ordinal);
        Assert.Contains("<script>window.pwned=3</script> & <b>bold</b>", await page.Row("bad").Locator("pre").Last.TextContentAsync(), StringComparison.Ordinal);

        // The failed filter hides every key that passed, bars and rows; the flaky filter shows the flaky key only.
        await page.Page.CheckAsync("#filter-failed");
        await page.ScreenshotAsync("cli-run-failed-only");
        Assert.True(await page.Bar("bad").IsVisibleAsync());
        Assert.True(await page.Bar("sleepy").IsVisibleAsync());
        Assert.True(await page.Row("bad").IsVisibleAsync());
        foreach (var passed in new[] { "ok1", "ok2", "wobbly", ScriptKey })
        {
            Assert.False(await page.Bar(passed).IsVisibleAsync(), passed);
            Assert.False(await page.Row(passed).IsVisibleAsync(), passed);
        }

        Assert.Equal("2 of 7 keys shown", await page.Page.Locator("#shown").TextContentAsync());
        await page.Page.UncheckAsync("#filter-failed");
        await page.Page.CheckAsync("#filter-flaky");
        Assert.Equal(["wobbly", "wobbly"], await page.Page.EvalOnSelectorAllAsync<string[]>(".bar:not([hidden])", "bars => bars.map(b => b.dataset.key)"));
        await page.Page.UncheckAsync("#filter-flaky");
        Assert.Equal(barKeys.Count, await page.Page.Locator(".bar:visible").CountAsync());
    }

    [Fact]
    public async Task An_interrupted_run_still_writes_the_html_report_with_the_running_key_as_a_bar_without_result()
    {
        using var cli = new CliRunner(["--runtime", "local"]);
        var html = Path.Combine(cli.Root, "run.html");
        var manifest = cli.Write("long.yaml", Manifests.Strategy(
            ["quick", "slow"],
            "if [ $TASK_KEY = quick ]; then echo quick-done; exit 0; fi; echo slow-start''ed; sleep 617",
            scheduler: "maxContainersPerPod: 2"));

        // --live: the slow key's line reaches stderr while it runs, so the signal comes after it for sure. The command
        // spells it slow-start''ed: the command is printed when the key starts, and must not pass for its output.
        var run = await cli.RunAndSignalAsync("INT", ["1/2", "slow-started"], "--live", "--html", html, manifest);

        Assert.True(run.ExitCode == 4, run.ToString());
        await using var page = await browser.OpenAsync(html);
        await page.ScreenshotAsync("interrupted-run");
        Assert.Equal(Colour.Success, await page.BackgroundAsync(page.Bar("quick")));
        Assert.Contains("unknown", await page.Bar("slow").GetAttributeAsync("class"), StringComparison.Ordinal);
        Assert.StartsWith("slow\nno result: interrupted: the run was stopped while it was running\n", await page.Bar("slow").GetAttributeAsync("title"), StringComparison.Ordinal);
        Assert.Equal("unknown", await page.Row("slow").Locator("td.status").TextContentAsync());
        Assert.Equal("none", await page.Row("slow").EvaluateAsync<string>("r => getComputedStyle(r).backgroundImage"));
        Assert.NotEqual("rgb(255, 255, 255)", await page.Row("slow").Locator("td.status").EvaluateAsync<string>("c => getComputedStyle(c).color"));
        Assert.Contains("slow-started", await page.Row("slow").Locator("pre").TextContentAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/proc/kubetest-report.html")]
    [InlineData("existing-directory")]
    public async Task An_html_path_that_cannot_be_written_exits_3_before_anything_runs(string path)
    {
        using var cli = new CliRunner(["--runtime", "local"]);
        Directory.CreateDirectory(Path.Combine(cli.Root, "existing-directory"));
        var marker = Path.Combine(cli.Root, "ran");
        var manifest = cli.Write("marker.yaml", Manifests.Single($"touch {marker}"));

        var run = await cli.RunAsync("--html", path, manifest);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.StartsWith($"[ERROR] --html: cannot write {path}: ", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
        Assert.Equal("", run.Stdout);
        Assert.Empty(Directory.GetFiles(cli.Root, "*.html", SearchOption.AllDirectories));
    }
}

/// <summary>The bars' colours as the browser computes them.</summary>
internal static class Colour
{
    public const string Success = "rgb(45, 164, 78)";
    public const string Failure = "rgb(207, 34, 46)";
    public const string Timeout = "rgb(130, 80, 223)";
    public const string Flaky = "rgb(212, 167, 44)";
}
