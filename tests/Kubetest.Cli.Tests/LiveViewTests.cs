using Kubetest.Cli.Progress;
using Kubetest.Model;
using Kubetest.Planning;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Cli.Tests;

/// <summary>
/// What the live view sends to the terminal, byte for byte: lines go where the panel was, after it
/// is erased, and the panel follows them, cut to the terminal's size. The clock is stopped and the
/// refresh is an hour, so only the view's own writes are seen.
/// </summary>
public sealed class LiveViewTests
{
    private static readonly DateTimeOffset T0 = new(2026, 7, 8, 9, 10, 11, TimeSpan.Zero);
    private static readonly TimeSpan Never = TimeSpan.FromHours(1);

    [Fact]
    public async Task A_line_erases_the_panel_takes_its_place_and_the_panel_is_drawn_once_below_it()
    {
        using var screen = new StringWriter();
        var view = new LiveView(new LiveTerminal(screen, () => (80, 24)), new ProgressState(new LiveProgressTests.ManualClock(T0)), Never);
        const string Panel = "keys 0/0 done · 0 failed · 0 running · elapsed 0s · estimating time left";
        Assert.Equal(Panel, screen.ToString());

        using (var lines = view.Lines)
        {
            lines.Write("first line\nsecond ");
            lines.Write("line\n");
        }

        await view.DisposeAsync();
        Assert.Equal(
            Panel + "\r\e[2K" + "first line\n" + Panel + "\r\e[2K" + "second line\n" + Panel + "\r\e[2K" + Panel + "\n",
            screen.ToString());
    }

    [Fact]
    public async Task Panel_lines_are_cut_to_the_width_and_the_panel_to_one_row_less_than_the_height()
    {
        using var screen = new StringWriter();
        var clock = new LiveProgressTests.ManualClock(T0);
        var state = new ProgressState(clock);
        var step = new KeysStep(null!, null, "TASK_KEY", new Scheduler(0, 0, 0), null, ["a", "界界界界界界界界界界", "c"], [new PlannedPod(0, [], 1)]);
        state.On(new KeysFound(3, false));
        var pod = 0;
        foreach (var key in step.Keys!)
        {
            state.On(new TaskStarted(new TaskId(step, key, 1, $"pod-{pod++}", "main0-0"), "sh -c run", "TASK_KEY", key));
        }

        var view = new LiveView(new LiveTerminal(screen, () => (21, 4)), state, Never);
        await view.DisposeAsync();

        // Three pods and a summary would take 4 rows; 3 fit. Wide characters take two columns each.
        Assert.Equal("keys 0/3 done · 0 f…\n  pod-0  a\n  pod-1  界界界界界…" + "\r\e[2K\e[A\e[2K\e[A\e[2K" + "keys 0/3 done · 0 f…\n  pod-0  a\n  pod-1  界界界界界…\n", screen.ToString());
        Assert.All(screen.ToString().Split('\n', '\r'), line => Assert.True(TerminalText.Cells(line.Replace("\e[2K", "", StringComparison.Ordinal).Replace("\e[A", "", StringComparison.Ordinal)) <= 20, line));
    }

    [Fact]
    public async Task When_the_terminal_narrows_the_panel_s_rows_are_counted_at_the_new_width()
    {
        using var screen = new StringWriter();
        var size = (Width: 80, Height: 24);
        var view = new LiveView(new LiveTerminal(screen, () => size), new ProgressState(new LiveProgressTests.ManualClock(T0)), Never);
        size = (30, 24);
        await view.DisposeAsync();

        // The 73 columns drawn at 80 now take 3 rows of 30 in a terminal that re-wraps them.
        Assert.StartsWith("keys 0/0 done · 0 failed · 0 running · elapsed 0s · estimating time left\r\e[2K\e[A\e[2K\e[A\e[2K", screen.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("\e[2Kkeys 0/0 done · 0 failed · 0…\n", screen.ToString(), StringComparison.Ordinal);
    }
}
