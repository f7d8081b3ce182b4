using System.Globalization;
using Kubetest.Model;
using Kubetest.Reporting;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Kubetest.Cli.Progress;

/// <summary>
/// The live progress view of an interactive terminal: the console's usual lines scroll above a
/// panel that is redrawn a few times a second with the keys done, failed and running, each pod's
/// running keys, the elapsed time and the estimated time left. Everything from the run is shown
/// as text (never parsed as markup) and escaped like every key on the console.
/// </summary>
/// <remarks>
/// Spectre.Console's live display takes its own lock and the console's in opposite orders when a
/// redraw and a write run at once (redraw: display, then console; write: console, then display),
/// so one thread printing a key's output while the timer redraws could hang the run for good. Every
/// call into the console from here therefore goes through one gate, and no two of them overlap.
/// While the display is closing (it writes its last frame under its own locks) lines wait in
/// <see cref="_held"/> and follow the panel.
/// </remarks>
internal sealed class LiveView : IRunObserver, IAsyncDisposable
{
    /// <summary>Most pods the panel lists; the others are counted.</summary>
    internal const int MaxPods = 8;

    private readonly IAnsiConsole _console;
    private readonly ProgressState _state;
    private readonly TimeSpan _refresh;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Lock _gate = new();
    private readonly System.Text.StringBuilder _held = new();
    private bool _closing;

    public LiveView(IAnsiConsole console, ProgressState state, TimeSpan refresh)
    {
        _console = console;
        _state = state;
        _refresh = refresh;
        _loop = console.Live(Render(state.Snapshot())).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).StartAsync(async context =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Redraw(context);
                try
                {
                    await Task.Delay(_refresh, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            Redraw(context);
        });
    }

    /// <summary>A writer for the console's usual lines: each complete line goes above the panel, as plain text.</summary>
    public TextWriter Lines => new LineWriter(this);

    public void On(RunEvent runEvent) => _state.On(runEvent);

    /// <summary>Draws the panel a last time and leaves it on the screen.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _closing = true;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        lock (_gate)
        {
            if (_held.Length > 0)
            {
                _console.Write(new Text(_held.ToString()));
                _held.Clear();
            }
        }
    }

    /// <summary>Puts complete lines above the panel (or holds them while it closes).</summary>
    private void WriteText(string text)
    {
        lock (_gate)
        {
            if (_closing)
            {
                _held.Append(text);
            }
            else
            {
                _console.Write(new Text(text));
            }
        }
    }

    /// <summary>Draws the panel from the current state (the update redraws).</summary>
    private void Redraw(LiveDisplayContext context)
    {
        lock (_gate)
        {
            context.UpdateTarget(Render(_state.Snapshot()));
        }
    }

    internal static IRenderable Render(ProgressSnapshot s)
    {
        var left = s.Left is { } l ? $"~{Duration(l)} left" : "estimating time left";
        var summary = new Markup(
            $"[bold]keys[/] {s.Done}/{s.Total} done · [red]{s.Failed} failed[/] · [blue]{s.RunningCount} running[/] · elapsed {Duration(s.Elapsed)} · {Markup.Escape(left)}");
        if (s.Running.Count == 0)
        {
            return summary;
        }

        var table = new Table().Border(TableBorder.Simple).AddColumn("pod").AddColumn("running keys");
        foreach (var (pod, keys) in s.Running.Take(MaxPods))
        {
            table.AddRow(new Text(Printable.Escape(pod)), new Text(string.Join(", ", keys.Select(Printable.Escape))));
        }

        if (s.Running.Count > MaxPods)
        {
            table.AddRow(new Text($"… {s.Running.Count - MaxPods} more pods"), new Text(""));
        }

        return new Rows(summary, table);
    }

    internal static string Duration(TimeSpan t) => t.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}h {t.Minutes:D2}m")
        : t.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}m {t.Seconds:D2}s") : string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalSeconds}s");

    /// <summary>Passes complete lines to the console as text; a partial line waits for its end.</summary>
    private sealed class LineWriter(LiveView view) : TextWriter
    {
        private readonly System.Text.StringBuilder _pending = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value) => Write(value.ToString());

        public override void Write(string? value)
        {
            lock (_pending)
            {
                _pending.Append(value);
                var text = _pending.ToString();
                var end = text.LastIndexOf('\n');
                if (end < 0)
                {
                    return;
                }

                _pending.Remove(0, end + 1);
                view.WriteText(text[..(end + 1)]);
            }
        }

        public override void WriteLine(string? value) => Write(value + "\n");
    }
}
