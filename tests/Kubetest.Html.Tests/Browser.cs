using Microsoft.Playwright;

namespace Kubetest.Html.Tests;

/// <summary>
/// Debian's headless Chromium (<c>/usr/bin/chromium</c>) driven by Playwright, one per test class.
/// Playwright cannot download browsers here, so it is pointed at the system's; the build of this
/// project installs Debian's <c>chromium</c> when it is missing (as root with apt-get).
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>Where the tests keep their screenshots: <c>TestResults/html-report/</c> beside the test assembly.</summary>
    public static string ArtifactDirectory { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults", "html-report")).FullName;

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"{Chromium} is missing: install Debian's chromium (apt-get install -y chromium); building this test project does so as root");
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
    }

    /// <summary>
    /// Opens <paramref name="file"/> in a fresh page. Every request the page makes beyond the file
    /// itself lands in <see cref="OpenPage.Fetches"/>: a self-contained report makes none.
    /// </summary>
    public async Task<OpenPage> OpenAsync(string file)
    {
        var context = await _browser!.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        var url = new Uri(file).AbsoluteUri;
        var fetches = new List<string>();
        var errors = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Url != url)
            {
                lock (fetches)
                {
                    fetches.Add(request.Url);
                }
            }
        };
        page.PageError += (_, error) => errors.Add(error);
        await page.GotoAsync(url);
        return new OpenPage(context, page, fetches, errors);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>A report open in the browser, the requests it made, and the script errors it raised.</summary>
public sealed record OpenPage(IBrowserContext Context, IPage Page, List<string> Fetches, List<string> ScriptErrors) : IAsyncDisposable
{
    /// <summary>
    /// Saves a full-page screenshot as a test artifact and returns its path; null when Chromium could not take it
    /// (on a loaded machine it sometimes answers "Unable to capture screenshot"): it is for people, never asserted.
    /// </summary>
    public async Task<string?> ScreenshotAsync(string name)
    {
        var path = Path.Combine(Browser.ArtifactDirectory, name + ".png");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Page.ScreenshotAsync(new() { Path = path, FullPage = true });
                return path;
            }
            catch (PlaywrightException) when (attempt < 3)
            {
                await Task.Delay(500);
            }
            catch (PlaywrightException)
            {
                return null;
            }
        }
    }

    /// <summary>The timeline's bar for the key's run <paramref name="attempt"/>.</summary>
    public ILocator Bar(string key, int attempt = 1) => Page.Locator($".bar[data-key={Quoted(key)}][data-attempt=\"{attempt}\"]");

    /// <summary>The key's row in the table.</summary>
    public ILocator Row(string key) => Page.Locator($"tr.key[data-key={Quoted(key)}]");

    /// <summary>The keys of every bar on the page, in document order.</summary>
    public async Task<IReadOnlyList<string>> BarKeysAsync() =>
        await Page.EvalOnSelectorAllAsync<string[]>(".bar", "bars => bars.map(b => b.dataset.key)");

    public async Task<string> BackgroundAsync(ILocator element) =>
        await element.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor");

    public async Task<string> TotalAsync(string name) =>
        (await Page.Locator($"[data-total=\"{name}\"] dd").TextContentAsync())!;

    public async ValueTask DisposeAsync() => await Context.DisposeAsync();

    /// <summary>A CSS string literal: the key's backslashes and quotes escaped.</summary>
    private static string Quoted(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
