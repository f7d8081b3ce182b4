using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Kubetest.Cli.Tests;

/// <summary>
/// What a person sees and can scroll back to after a run with the live view: the real CLI inside a
/// real <c>tmux</c> (Debian package <c>tmux</c>) of a fixed size, its whole history captured with
/// <c>capture-pane</c> once the run is over. The screen and the scrollback must hold exactly the
/// plain lines that the same run prints with <c>CI</c> set, plus one panel.
/// </summary>
public sealed partial class LiveScreenTests
{
    // Ten keys one after the other (their order is the same in both runs), each printing four lines,
    // some longer than the 80 columns of the terminal, and ending at different times; k07 fails.
    private const string Script =
        "n=${TASK_KEY#k}; n=${n#0}; i=1; while [ $i -le 4 ]; do echo \"$TASK_KEY line $i $(printf '%*s' $((n * 14)) '' | tr ' ' x)\"; i=$((i + 1)); done; sleep $((n % 2)).$n; test $TASK_KEY != k07";

    private static readonly string[] Keys = [.. Enumerable.Range(1, 10).Select(i => $"k{i:D2}")];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_screen_and_scrollback_hold_exactly_the_plain_lines_and_one_final_panel_even_across_a_resize(bool resize)
    {
        using var cli = new CliRunner();
        var manifest = cli.Write("keys.yaml", Manifests.Strategy(Keys, Script, scheduler: "maxContainersPerPod: 10\nmaxConcurrentNumPerPod: 1"));
        // No timing store: the second run would start its keys longest-first and print them in another order.
        string[] args = ["--runtime", "local", "--timings-store", "none", manifest];

        var (plainExit, plain) = await InTmuxAsync(cli, "plain", ci: "true", resize: false, args);
        var (liveExit, live) = await InTmuxAsync(cli, "live", ci: "", resize, args);

        var context = $"--- CI=true\n{string.Join('\n', plain)}\n--- live\n{string.Join('\n', live)}";
        Assert.True(plainExit == 1 && liveExit == 1, context);
        Assert.True(plain.Count > 60, context);
        Assert.Contains(plain, l => l.Length > 120);
        Assert.DoesNotContain(live, l => !PanelLine().IsMatch(l) && l.Contains(" · elapsed ", StringComparison.Ordinal));
        var panels = live.Where(l => PanelLine().IsMatch(l)).ToList();
        Assert.True(panels.Count == 1, context);
        Assert.Matches(@"^keys 10/10 done · 1 failed · 0 running · elapsed \d+s", panels[0]);

        // The panel is left where the run's lines end, above the report that follows them on stdout.
        var report = plain.LastIndexOf("{");
        Assert.True(report > 0, context);
        Assert.Equal([.. plain[..report], panels[0], .. plain[report..]], live);
    }

    /// <summary>
    /// Runs the CLI in a detached tmux session of 80 by 24 and returns its exit code and the pane's
    /// whole history (wrapped rows joined, trailing blanks and times removed). With
    /// <paramref name="resize"/> the window narrows to 60 columns while the run goes on.
    /// </summary>
    private static async Task<(int ExitCode, List<string> Lines)> InTmuxAsync(CliRunner cli, string name, string ci, bool resize, string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "kubetest.dll");
        var socket = Path.Combine(cli.Root, name + ".sock");
        var config = cli.Write(name + ".conf", "set -g history-limit 10000\nset -g status off\n");
        var capture = Path.Combine(cli.Root, name + ".capture");
        var exit = Path.Combine(cli.Root, name + ".exit");
        var command = string.Join("\n", [
            $"export CI={Quote(ci)} NO_COLOR= TMPDIR={Quote(cli.TempDirectory)} XDG_CACHE_HOME={Quote(cli.CacheDirectory)}",
            resize ? "(sleep 3; tmux resize-window -t \"$TMUX_PANE\" -x 60 -y 24) &" : "",
            "dotnet " + string.Join(' ', new[] { dll }.Concat(args).Select(Quote)),
            $"echo $? > {Quote(exit)}",
            "wait",
            $"tmux capture-pane -p -J -S - -E - -t \"$TMUX_PANE\" > {Quote(capture)}",
            "tmux wait-for -S done",
        ]);
        try
        {
            Assert.Equal(0, await TmuxAsync(socket, "-f", config, "new-session", "-d", "-x", "80", "-y", "24", "-c", cli.Root, command));
            Assert.Equal(0, await TmuxAsync(socket, "wait-for", "done"));
        }
        finally
        {
            await TmuxAsync(socket, "kill-server");
        }

        var lines = File.ReadAllText(capture).Split('\n').Select(l => Time().Replace(l.TrimEnd(), "$1T")).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return (int.Parse(File.ReadAllText(exit).Trim(), System.Globalization.CultureInfo.InvariantCulture), lines);
    }

    private static async Task<int> TmuxAsync(string socket, params string[] args)
    {
        var info = new ProcessStartInfo("tmux") { UseShellExecute = false, RedirectStandardInput = true };
        info.ArgumentList.Add("-S");
        info.ArgumentList.Add(socket);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("TMUX");
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"^keys \d+/\d+ done")]
    private static partial Regex PanelLine();

    /// <summary>The times of a run, in its lines and in its report.</summary>
    [GeneratedRegex(@"(elapsed time: |""elapsedSeconds"": |""elapsedTimeSec"": |""startedAt"": )[^ ,]+")]
    private static partial Regex Time();
}
