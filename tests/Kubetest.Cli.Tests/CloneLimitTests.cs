using System.Diagnostics;
using Kubetest.Emulator;
using Kubetest.Emulator.Git;

namespace Kubetest.Cli.Tests;

/// <summary>
/// What a repository URL may make git do, through the real CLI on the public-repo example: only
/// the https, http, ssh, git and file transports, each git command within <c>--clone-timeout</c>,
/// and SIGINT ends a clone at once. The checkout comes before any pod, so the runtime is local.
/// </summary>
public sealed class CloneLimitTests : IDisposable
{
    private const string Password = "hunter2-clone-limit";
    private readonly CliRunner _cli = new(["--runtime", "local"]);

    public static TheoryData<string> SilentSchemes => new() { "git", "http", "ssh" };

    [Theory]
    [MemberData(nameof(SilentSchemes))]
    public async Task A_server_that_never_answers_ends_the_run_at_the_clone_timeout_with_one_error_naming_the_url(string scheme)
    {
        await using var server = new SilentServer();
        var address = $"127.0.0.1:{server.Port}/repo.git";
        var (url, shown) = scheme == "http"
            ? ($"http://bot:{Password}@{address}", $"http://***@{address}")
            : ($"{scheme}://{address}", $"{scheme}://{address}");
        var clock = Stopwatch.StartNew();

        var run = await _cli.RunAsync("--clone-timeout", "2s", "--template", $"repo={url}", CliRunner.Example("public-repo.yaml"));

        Assert.True(run.ExitCode == 3, run.ToString());
        var error = Assert.Single(run.StderrLines, l => l.StartsWith("[ERROR]", StringComparison.Ordinal));
        Assert.StartsWith($"[ERROR] repository {shown}: git ls-remote did not finish within 2s (--clone-timeout), so it was stopped", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.True(server.ConnectionCount > 0, "git never connected: the limit was not what ended it");
        // Without a limit the run never ends (CliRunner gives up after 3 minutes).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"took {clock.Elapsed}");
        Assert.Empty(_cli.Leftovers());
        await AssertNoProcessMentionsAsync($"127.0.0.1:{server.Port}");
    }

    [Fact]
    public async Task An_http_server_that_stalls_is_given_up_at_the_low_speed_limit_long_before_the_clone_timeout()
    {
        await using var server = new SilentServer();
        var url = $"http://127.0.0.1:{server.Port}/repo.git";
        // kubetest's limit is 1000 bytes a second over 60 s; the user's own time (here 2 s) wins.
        _cli.Environment["GIT_HTTP_LOW_SPEED_TIME"] = "2";
        var clock = Stopwatch.StartNew();

        var run = await _cli.RunAsync("--clone-timeout", "10m", "--template", $"repo={url}", CliRunner.Example("public-repo.yaml"));

        Assert.True(run.ExitCode == 3, run.ToString());
        var error = Assert.Single(run.StderrLines, l => l.StartsWith("[ERROR]", StringComparison.Ordinal));
        Assert.StartsWith($"[ERROR] repository {url}: cannot be read", error, StringComparison.Ordinal);
        Assert.Contains("Operation too slow. Less than 1000 bytes/sec transferred the last 2 seconds", error, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"took {clock.Elapsed}");
        Assert.Empty(_cli.Leftovers());
    }

    public static TheoryData<string, string> RemoteHelpers => new()
    {
        { "fd::17", "git's fd:: transport (a remote helper) is not allowed" },
        { "ext::sh -c touch% MARKER", "git's ext:: transport (a remote helper) is not allowed" },
        { "file::MARKER", "git's file:: transport (a remote helper) is not allowed" },
        { "testgit::MARKER", "git's testgit:: transport (a remote helper) is not allowed" },
        { "ftp://bot:" + Password + "@127.0.0.1/repo.git", "the transport ftp:// is not allowed" },
        { "git+ssh://127.0.0.1/repo.git", "the transport git+ssh:// is not allowed" },
    };

    [Theory]
    [MemberData(nameof(RemoteHelpers))]
    public async Task A_url_of_another_transport_is_refused_naming_the_field_before_anything_runs(string url, string reason)
    {
        var marker = Path.Combine(_cli.Root, "marker");
        url = url.Replace("MARKER", marker, StringComparison.Ordinal);
        AllowEveryProtocolInTheUsersGitConfig();

        var run = await _cli.RunAsync("--template", $"repo={url}", CliRunner.Example("public-repo.yaml"));

        Assert.True(run.ExitCode == 3, run.ToString());
        var error = Assert.Single(run.StderrLines, l => l.StartsWith("[ERROR]", StringComparison.Ordinal));
        Assert.Contains("spec.repos[0].value.url (line 14): \"", error, StringComparison.Ordinal);
        Assert.Contains($"is not a repository URL kubetest clones: {reason}; use https://, http://, ssh://, git://, file://, user@host:path or a local path", error, StringComparison.Ordinal);
        Assert.Contains(url.Replace(Password, "***", StringComparison.Ordinal).Replace("bot:***", "***", StringComparison.Ordinal), error, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(run.StderrLines, l => l.Contains("clone repository", StringComparison.Ordinal));
        Assert.False(File.Exists(marker), "git ran the remote helper");
        Assert.Empty(_cli.Leftovers());
    }

    [Fact]
    public async Task A_url_the_users_git_config_rewrites_into_a_remote_helper_is_stopped_by_git_and_runs_nothing()
    {
        var marker = Path.Combine(_cli.Root, "marker");
        var config = AllowEveryProtocolInTheUsersGitConfig();
        File.AppendAllText(config, $"[url \"ext::sh -c touch% {marker}% #\"]\n\tinsteadOf = https://rewritten.invalid/\n");

        var run = await _cli.RunAsync("--template", "repo=https://rewritten.invalid/repo.git", CliRunner.Example("public-repo.yaml"));

        Assert.True(run.ExitCode == 3, run.ToString());
        var error = Assert.Single(run.StderrLines, l => l.StartsWith("[ERROR]", StringComparison.Ordinal));
        Assert.Contains("repository https://rewritten.invalid/repo.git: cannot be read", error, StringComparison.Ordinal);
        Assert.Contains("transport 'ext' not allowed", error, StringComparison.Ordinal);
        Assert.False(File.Exists(marker), "git ran the remote helper");
        Assert.Empty(_cli.Leftovers());
    }

    [Fact]
    public async Task SIGINT_while_git_waits_on_a_server_that_never_answers_ends_the_run_at_once_with_exit_4()
    {
        await using var server = new SilentServer();
        var clock = Stopwatch.StartNew();

        // Signalled once git has connected: it is then waiting, and the default limit is minutes away.
        var run = await _cli.RunAndSignalAsync(
            "INT", ["clone repository:"], server.FirstConnection, "--template", $"repo=git://127.0.0.1:{server.Port}/repo.git", CliRunner.Example("public-repo.yaml"));

        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"took {clock.Elapsed}");
        Assert.DoesNotContain(run.StderrLines, l => l.StartsWith("[ERROR]", StringComparison.Ordinal));
        Assert.Empty(_cli.Leftovers());
        await AssertNoProcessMentionsAsync($"127.0.0.1:{server.Port}");
    }

    [Fact]
    public async Task A_clone_timeout_of_more_than_a_day_is_refused()
    {
        var run = await _cli.RunAsync("--clone-timeout", "25h", "--template", "repo=file:///nowhere.git", CliRunner.Example("public-repo.yaml"));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("kubetest: --clone-timeout must be at most 24h, got \"25h\"", run.StderrLines);
        Assert.DoesNotContain("clone repository", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_clone_timeout_of_nothing_is_refused_naming_the_option()
    {
        var run = await _cli.RunAsync("--clone-timeout", "0s", "--template", "repo=file:///nowhere.git", CliRunner.Example("public-repo.yaml"));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--clone-timeout", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("clone repository", run.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _cli.Dispose();

    /// <summary>A user whose git would run any remote helper (<c>protocol.allow=always</c>): kubetest must not rely on git's defaults.</summary>
    private string AllowEveryProtocolInTheUsersGitConfig()
    {
        var config = _cli.Write("gitconfig", "[protocol]\n\tallow = always\n");
        _cli.Environment["GIT_CONFIG_GLOBAL"] = config;
        return config;
    }

    /// <summary>git and everything it started (remote helpers, ssh) are gone: killed, not left waiting.</summary>
    private static async Task AssertNoProcessMentionsAsync(string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (ProcessTable.CommandLines().Where(l => l.Contains(text, StringComparison.Ordinal)).ToList() is { Count: > 0 } left)
        {
            Assert.True(DateTime.UtcNow < deadline, $"still running: {string.Join(" | ", left)}");
            await Task.Delay(100);
        }
    }
}
