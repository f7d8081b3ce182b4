using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Kubetest.Cli.Tests;

/// <summary>
/// The real CLI on a real terminal: <c>script</c> (util-linux) gives it a pseudo-terminal for stdout
/// and stderr, as a person's shell does. There it shows the live view; with <c>CI</c> set, the plain lines.
/// </summary>
public sealed partial class LiveTerminalTests
{
    [Theory]
    [InlineData("", true)]
    [InlineData("true", false)]
    public async Task On_a_terminal_a_run_ends_with_the_live_view_s_counts_and_with_ci_set_only_the_plain_lines(string ci, bool live)
    {
        using var cli = new CliRunner();
        var manifest = cli.Write("keys.yaml", Manifests.Strategy(["k1", "k2", "k3"], "echo ran $TASK_KEY; test $TASK_KEY != k2", scheduler: "maxContainersPerPod: 2"));

        var (exitCode, screen) = await OnTerminalAsync(cli, ci, "--runtime", "local", manifest);

        Assert.True(exitCode == 1, screen);
        Assert.Contains("[TASK_KEY:k2] sh -c echo ran $TASK_KEY; test $TASK_KEY != k2", screen, StringComparison.Ordinal);
        Assert.Contains("[INFO] 3/3 (100.000000%) finished.", screen, StringComparison.Ordinal);
        Assert.Contains("\"status\": \"failure\"", screen, StringComparison.Ordinal);
        if (live)
        {
            Assert.Matches(@"keys 3/3 done · 1 failed · 0 running · elapsed \d+s", screen);
        }
        else
        {
            // (.NET's console itself still sends the terminal's keypad mode sequence first, as it always did.)
            Assert.DoesNotContain("done · ", screen, StringComparison.Ordinal);
            Assert.DoesNotContain("running · elapsed", AnsiSequence().Replace(screen, ""), StringComparison.Ordinal);
        }
    }

    /// <summary>Runs the CLI under <c>script</c> and returns its exit code and what the terminal showed, colour sequences removed when <paramref name="ci"/> is empty.</summary>
    private static async Task<(int ExitCode, string Screen)> OnTerminalAsync(CliRunner cli, string ci, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "kubetest.dll");
        var command = "exec dotnet " + string.Join(' ', new[] { dll }.Concat(args).Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        var info = new ProcessStartInfo("script")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = cli.Root,
        };
        foreach (var arg in new[] { "-q", "-e", "-c", command, "/dev/null" })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["TMPDIR"] = cli.TempDirectory;
        info.Environment["XDG_CACHE_HOME"] = cli.CacheDirectory;
        info.Environment["TERM"] = "xterm-256color";
        info.Environment["CI"] = ci;
        info.Environment["NO_COLOR"] = "";
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var raw = await output;
        return (process.ExitCode, ci.Length == 0 ? AnsiSequence().Replace(raw, "") : raw);
    }

    [GeneratedRegex(@"\x1B(\[[0-9;?]*[ -/]*[@-~]|[=>])")]
    private static partial Regex AnsiSequence();
}
