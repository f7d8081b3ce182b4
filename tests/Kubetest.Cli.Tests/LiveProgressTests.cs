using Kubetest.Cli.Progress;
using Kubetest.Engine;
using Kubetest.Model;
using Kubetest.Planning;
using Kubetest.Reporting;
using Kubetest.Runtime;

namespace Kubetest.Cli.Tests;

/// <summary>
/// The console of a run: on an interactive terminal the live view (tested on a writer that stands
/// for the terminal; <see cref="LiveScreenTests"/> shows it on a real one), everywhere else the original's plain lines, byte for byte as before.
/// </summary>
public sealed class LiveProgressTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 7, 8, 9, 10, 11, TimeSpan.Zero);
    private readonly string _spool = Directory.CreateTempSubdirectory("kubetest-live-").FullName;

    [Theory]
    [InlineData("CI", "true", true, true)]
    [InlineData("NO_COLOR", "1", true, true)]
    [InlineData("TERM", "dumb", true, true)]
    [InlineData(null, null, false, true)]
    [InlineData(null, null, true, false)]
    public void Ci_no_color_a_dumb_terminal_or_a_redirected_stream_keep_the_plain_lines(string? variable, string? value, bool stdoutIsTerminal, bool stderrIsTerminal)
    {
        var environment = new Dictionary<string, string?> { ["TERM"] = "xterm-256color" };
        if (variable is not null)
        {
            environment[variable] = value;
        }

        Assert.False(TerminalMode.Interactive(name => environment.GetValueOrDefault(name), stdoutIsTerminal, stderrIsTerminal));
        Assert.True(TerminalMode.Interactive(name => name == "TERM" ? "xterm-256color" : null, true, true));
    }

    [Fact]
    public void Without_a_terminal_the_console_prints_exactly_the_original_s_lines()
    {
        using var plain = new StringWriter { NewLine = "\n" };
        var (console, _, view) = ConsoleOutput.Create(plain, null, Options(), _spool, TimeProvider.System);
        Assert.Null(view);
        Feed(console);

        // The lines kubetest printed before the live view existed, for these events (TextReporter's shapes).
        const string Today = """
            [INFO] found 3 static keys to start distributed task
            [TASK_KEY:a] sh -c run
            hello a

            [INFO] elapsed time: 1.500000 sec.
            [INFO] 1/3 (33.333336%) finished.
            [TASK_KEY:b\nforged] sh -c run
            oops

            [WARN] b\nforged: exit code 3
            [INFO] elapsed time: 2.250000 sec.
            [INFO] 2/3 (66.666672%) finished.
            [WARN] summary: 3 keys: 1 succeeded, 1 failed, 1 unknown
            [ERROR] failed keys (1): b\nforged

            """;
        Assert.Equal(Today, plain.ToString());
        using var direct = new StringWriter { NewLine = "\n" };
        Feed(new TextReporter(direct, LogLevel.Info, false, _spool));
        Assert.Equal(direct.ToString(), plain.ToString());
    }

    [Fact]
    public async Task On_a_terminal_the_live_view_shows_done_failed_running_keys_per_pod_elapsed_and_time_left_below_the_usual_lines()
    {
        using var output = new StringWriter();
        var clock = new ManualClock(T0);
        var (console, _, view) = ConsoleOutput.Create(TextWriter.Null, new LiveTerminal(output, () => (120, 40)), Options(), _spool, clock);
        Assert.NotNull(view);
        var step = Step(durations: null);
        console.On(new KeysFound(3, false));
        var a = Start(console, clock, step, "a", "pod-x", 0, at: 0);
        var b = Start(console, clock, step, "[red]b[/]", "pod-x", 1, at: 0);
        clock.Now = T0.AddSeconds(4);
        console.On(new KeyFinished(a, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(4)), 1, 3));
        console.On(new KeyFinished(b, new TaskResult(KeyStatus.Failure, 1, TimeSpan.FromSeconds(4)), 2, 3));
        Start(console, clock, step, "c\nd", "pod-y", 0, at: 5);
        clock.Now = T0.AddSeconds(6);
        await view.DisposeAsync();

        var screen = output.ToString();
        Assert.Contains("[TASK_KEY:a] sh -c run", screen, StringComparison.Ordinal);
        Assert.Contains("[WARN] [red]b[/]: exit code 1", screen, StringComparison.Ordinal);
        Assert.Contains("keys 2/3 done · 1 failed · 1 running · elapsed 6s · ~3s left", screen, StringComparison.Ordinal);
        Assert.Matches(@"pod-y\s+c\\nd", screen);
    }

    [Fact]
    public async Task Output_lines_written_while_the_panel_redraws_never_hang_the_run_and_all_reach_the_terminal()
    {
        // Spectre.Console's live display, which the view once used, locked in opposite orders for a
        // redraw and a write and hung a run on a terminal about once in twenty; lines and redraws still race here.
        using var screen = new StringWriter();
        var terminal = ConsoleOutput.Terminal(TextWriter.Synchronized(screen));
        var view = new LiveView(terminal, new ProgressState(TimeProvider.System), TimeSpan.FromMilliseconds(1));
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(() =>
        {
            using var lines = view.Lines;
            var written = System.Diagnostics.Stopwatch.StartNew();
            var i = 0;
            for (; i < 1000 || written.Elapsed < TimeSpan.FromSeconds(3); i++)
            {
                lines.Write($"writer {w} line {i}\n");
            }

            return $"writer {w} line {i - 1}\n";
        })).ToList();

        var last = await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(60));
        await view.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
        var text = screen.ToString();
        Assert.All(last, line => Assert.Contains(line, text, StringComparison.Ordinal));
        Assert.Contains("0/0 done", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Time_left_comes_from_past_durations_when_known_else_from_the_mean_so_far_spread_over_the_slots()
    {
        var clock = new ManualClock(T0);
        var timed = new ProgressState(clock);
        var step = Step(new Dictionary<string, double> { ["a"] = 10, ["[red]b[/]"] = 20, ["c\nd"] = 30 });
        timed.On(new KeysFound(3, false));
        Assert.Null(timed.Snapshot().Left);
        var a = Start(timed, clock, step, "a", "pod-x", 0, at: 0);
        Start(timed, clock, step, "[red]b[/]", "pod-x", 1, at: 0);
        clock.Now = T0.AddSeconds(5);

        // a: 10 - 5 left, b: 20 - 5, c: 30 not started; 50 s of work over 2 slots, but c alone takes 30.
        Assert.Equal(TimeSpan.FromSeconds(30), timed.Snapshot().Left);

        clock.Now = T0;
        var mean = new ProgressState(clock);
        var untimed = Step(durations: null);
        mean.On(new KeysFound(3, false));
        a = Start(mean, clock, untimed, "a", "pod-x", 0, at: 0);
        Assert.Null(mean.Snapshot().Left);
        clock.Now = T0.AddSeconds(8);
        mean.On(new KeyFinished(a, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(8)), 1, 3));

        // Two keys left at the mean of 8 s each, over 2 slots.
        var snapshot = mean.Snapshot();
        Assert.Equal(TimeSpan.FromSeconds(8), snapshot.Left);
        Assert.Equal((3, 1, 0, 0, TimeSpan.FromSeconds(8)), (snapshot.Total, snapshot.Done, snapshot.Failed, snapshot.RunningCount, snapshot.Elapsed));
    }

    [Fact]
    public void A_running_key_that_outlasted_every_finished_run_is_expected_to_run_as_long_again_never_zero_more()
    {
        var clock = new ManualClock(T0);
        var state = new ProgressState(clock);
        var step = Step(durations: null);
        var a = Start(state, clock, step, "a", "pod-x", 0, at: 0);
        Start(state, clock, step, "[red]b[/]", "pod-x", 1, at: 0);
        clock.Now = T0.AddSeconds(2);
        state.On(new KeyFinished(a, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(2)), 1, 3));
        Start(state, clock, step, "c\nd", "pod-x", 0, at: 2);
        clock.Now = T0.AddSeconds(10);

        // The mean (2 s) says b should have ended 8 s ago; it has run 10 s, so 10 s more, not 0.
        Assert.Equal(TimeSpan.FromSeconds(10), state.Snapshot().Left);
    }

    [Fact]
    public void A_running_key_past_its_mean_is_expected_to_take_the_mean_of_the_runs_that_took_longer()
    {
        var clock = new ManualClock(T0);
        var state = new ProgressState(clock);
        var step = new KeysStep(null!, null, "TASK_KEY", new Scheduler(0, 0, 0), null, ["a", "b", "c", "d"], [new PlannedPod(0, [], 1)]);
        foreach (var (key, seconds) in new[] { ("a", 1), ("b", 1), ("c", 9) })
        {
            var task = Start(state, clock, step, key, "pod-x", 0, at: (clock.Now - T0).TotalSeconds);
            clock.Now += TimeSpan.FromSeconds(seconds);
            state.On(new KeyFinished(task, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(seconds)), 1, 4));
        }

        Start(state, clock, step, "d", "pod-x", 0, at: 11);
        clock.Now = T0.AddSeconds(15);

        // d has run 4 s: past the mean of 3.67 s; of the runs that took longer than 4 s (c: 9 s), 5 s are left.
        Assert.Equal(TimeSpan.FromSeconds(5), state.Snapshot().Left);
    }

    [Fact]
    public void A_running_key_past_its_timings_duration_is_never_expected_to_end_at_once()
    {
        var clock = new ManualClock(T0);
        var state = new ProgressState(clock);
        var step = Step(new Dictionary<string, double> { ["a"] = 5, ["[red]b[/]"] = 1, ["c\nd"] = 1 });
        Start(state, clock, step, "a", "pod-x", 0, at: 0);
        clock.Now = T0.AddSeconds(7);

        // a was expected to take 5 s and has run 7: 7 s more, above the 1 + 1 s of the others over 2 slots.
        Assert.Equal(TimeSpan.FromSeconds(7), state.Snapshot().Left);
    }

    [Fact]
    public void A_key_that_passes_on_a_rerun_is_no_longer_counted_as_failed()
    {
        var clock = new ManualClock(T0);
        var state = new ProgressState(clock);
        var step = Step(durations: null);
        var first = Start(state, clock, step, "a", "pod-x", 0, at: 0);
        state.On(new KeyFinished(first, new TaskResult(KeyStatus.Failure, 1, TimeSpan.FromSeconds(1)), 1, 1));
        Assert.Equal((1, 1), (state.Snapshot().Done, state.Snapshot().Failed));
        var rerun = new TaskId(step, "a", 2, "pod-z", "main0-0");
        state.On(new TaskStarted(rerun, "sh -c run", "TASK_KEY", "a"));
        state.On(new KeyFinished(rerun, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(1)), 1, 1));
        Assert.Equal((1, 0), (state.Snapshot().Done, state.Snapshot().Failed));
    }

    [Fact]
    public void A_key_whose_pod_could_not_start_counts_as_done_and_failed()
    {
        var state = new ProgressState(new ManualClock(T0));
        state.On(new KeysFound(3, false));
        state.On(new KeyFinished(new TaskId(Step(durations: null), "a", 1, "", "main0-0"), new TaskResult(KeyStatus.Error, null, TimeSpan.Zero, "pod could not start"), 1, 3));
        Assert.Equal((3, 1, 1, 0), (state.Snapshot().Total, state.Snapshot().Done, state.Snapshot().Failed, state.Snapshot().RunningCount));
    }

    [Fact]
    public void A_batch_runs_in_the_panel_under_its_label_and_no_longer_once_its_command_finished()
    {
        var state = new ProgressState(new ManualClock(T0));
        var step = Step(durations: null);
        state.On(new KeysFound(3, false));
        var batch = new TaskId(step, "a [red]b[/] c\nd", 1, "pod-x", "main0-0");
        state.On(new TaskStarted(batch, "sh -c run", "TASK_KEY", "a [red]b[/] c\nd", "a … c\\nd (3 keys)"));
        Assert.Equal(["a … c\\nd (3 keys)"], Assert.Single(state.Snapshot().Running).Keys);

        state.On(new CommandFinished(batch, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(1))));
        foreach (var key in step.Keys!)
        {
            state.On(new KeyFinished(batch with { Name = key }, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(1)), 1, 3));
        }

        Assert.Equal((3, 0, 0), (state.Snapshot().Done, state.Snapshot().RunningCount, state.Snapshot().Running.Count));
    }

    [Theory]
    [InlineData(42, "42s")]
    [InlineData(125, "2m 05s")]
    [InlineData(26 * 3600 + 7 * 60, "26h 07m")]
    public void Durations_read_as_seconds_minutes_or_hours(int seconds, string expected) =>
        Assert.Equal(expected, LiveView.Duration(TimeSpan.FromSeconds(seconds)));

    public void Dispose() => Directory.Delete(_spool, recursive: true);

    private static RunOptions Options() => new() { LogLevel = LogLevel.Info };

    private static KeysStep Step(IReadOnlyDictionary<string, double>? durations) =>
        new(null!, null, "TASK_KEY", new Scheduler(0, 0, 0), durations, ["a", "[red]b[/]", "c\nd"], [new PlannedPod(0, [], 2)]);

    private static TaskId Start(IRunObserver observer, ManualClock clock, KeysStep step, string key, string pod, int slot, double at)
    {
        clock.Now = T0.AddSeconds(at);
        var task = new TaskId(step, key, 1, pod, "main0-0", slot);
        observer.On(new TaskStarted(task, "sh -c run", "TASK_KEY", key));
        return task;
    }

    /// <summary>A run of three keys: one passes, one fails, one never finishes.</summary>
    private static void Feed(IRunObserver console)
    {
        var step = Step(durations: null);
        console.On(new KeysFound(3, false));
        var a = new TaskId(step, "a", 1, "pod-x", "main0-0");
        console.On(new TaskStarted(a, "sh -c run", "TASK_KEY", "a"));
        console.On(new TaskOutput(a, OutputStream.Stdout, "hello a"));
        console.On(new KeyFinished(a, new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(1.5)), 1, 3));
        var b = new TaskId(step, "b\nforged", 1, "pod-x", "main0-1", 1);
        console.On(new TaskStarted(b, "sh -c run", "TASK_KEY", "b\nforged"));
        console.On(new TaskOutput(b, OutputStream.Stderr, "oops"));
        console.On(new KeyFinished(b, new TaskResult(KeyStatus.Failure, 3, TimeSpan.FromSeconds(2.25)), 2, 3));
        console.On(new RunFinished(Report.Build(T0, TimeSpan.FromSeconds(5), [
            new ReportDetail("a", KeyStatus.Success, 1, 1, 1.5),
            new ReportDetail("b\nforged", KeyStatus.Failure, 2, 1, 2.25),
            new ReportDetail("c", KeyStatus.Unknown, 0, 1),
        ], new Dictionary<string, string>(), stepsFailed: false)));
    }

    internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
