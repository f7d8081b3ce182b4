using System.Globalization;

namespace Kubetest.Cli.Progress;

/// <summary>
/// The live progress view of an interactive terminal: the console's usual lines scroll above a
/// panel that is redrawn a few times a second with the keys done, failed and running, each pod's
/// running keys, the elapsed time and the estimated time left. Everything from the run is shown
/// as text and escaped like every key on the console.
/// </summary>
/// <remarks>
/// The panel is always the last thing on the screen. Lines are written by erasing the panel
/// (its rows erased from the last up to the first), writing the lines in the rows it
/// took, and drawing it again below them, all in one write; so rows that scroll into the
/// scrollback are only ever log lines, never panel rows or a mix of both. Panel lines are cut to
/// the terminal's width so they never wrap, and at most one less than its height, so the cursor can
/// always reach the panel's first row. The rows it takes are counted again at the width of the
/// moment, for terminals that re-wrap their rows when they get narrower. One gate orders every
/// write, so a redraw never cuts into a line.
/// </remarks>
internal sealed class LiveView : IRunObserver, IAsyncDisposable
{
    /// <summary>Most pods the panel lists; the others are counted.</summary>
    internal const int MaxPods = 8;

    /// <summary>Erases the cursor's row; then, per row above it, one up and erased.</summary>
    private const string EraseRow = "\e[2K", UpAndErase = "\e[A\e[2K";

    private readonly LiveTerminal _terminal;
    private readonly ProgressState _state;
    private readonly TimeSpan _refresh;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly Task _loop;

    /// <summary>The width in columns of each panel line on the screen; empty when none is drawn.</summary>
    private List<int> _drawn = [];

    /// <summary>The panel as last rendered: lines redraw it as it is, only the refresh renders it anew (a snapshot reads every key).</summary>
    private IReadOnlyList<string> _panel = [];
    private bool _closed;

    public LiveView(LiveTerminal terminal, ProgressState state, TimeSpan refresh)
    {
        _terminal = terminal;
        _state = state;
        _refresh = refresh;
        Redraw();
        _loop = RefreshAsync(_stop.Token);
    }

    /// <summary>A writer for the console's usual lines: each complete line goes above the panel, as plain text.</summary>
    public TextWriter Lines => new LineWriter(this);

    public void On(RunEvent runEvent) => _state.On(runEvent);

    /// <summary>Draws the panel a last time, leaves it on the screen below the lines, and from then on lines are written as they are.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        lock (_gate)
        {
            _panel = Render(_state.Snapshot());
            Write(Clear() + Draw() + "\n");
            _drawn = [];
            _closed = true;
        }
    }

    internal static IReadOnlyList<string> Render(ProgressSnapshot s)
    {
        var left = s.Left is { } l ? $"~{Duration(l)} left" : "estimating time left";
        List<string> lines = [$"keys {s.Done}/{s.Total} done · {s.Failed} failed · {s.RunningCount} running · elapsed {Duration(s.Elapsed)} · {left}"];
        lines.AddRange(s.Running.Take(MaxPods).Select(r => $"  {Printable.Escape(r.Pod)}  {string.Join(", ", r.Keys.Select(Printable.Escape))}"));
        if (s.Running.Count > MaxPods)
        {
            lines.Add($"  … {s.Running.Count - MaxPods} more pods");
        }

        return lines;
    }

    internal static string Duration(TimeSpan t) => t.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}h {t.Minutes:D2}m")
        : t.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}m {t.Seconds:D2}s") : string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalSeconds}s");

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_refresh);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Redraw();
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over: DisposeAsync draws the last frame.
        }
    }

    private void Redraw()
    {
        lock (_gate)
        {
            if (!_closed)
            {
                _panel = Render(_state.Snapshot());
                Write(Clear() + Draw());
            }
        }
    }

    /// <summary>Puts complete lines above the panel (once the view is closed, just writes them).</summary>
    private void WriteText(string text)
    {
        lock (_gate)
        {
            Write(_closed ? text : Clear() + text + Draw());
        }
    }

    /// <summary>
    /// Back to the panel's first row, each of its rows erased; nothing when no panel is drawn. Row by
    /// row rather than "erase to the end of the screen": from the screen's top-left corner tmux (and
    /// terminals like it) take that for clearing the screen and keep a copy of it in the scrollback.
    /// </summary>
    private string Clear()
    {
        if (_drawn.Count == 0)
        {
            return "";
        }

        var width = _terminal.Size().Width;
        var rows = _drawn.Sum(cells => Math.Max(1, (cells + width - 1) / width));
        return "\r" + EraseRow + string.Concat(Enumerable.Repeat(UpAndErase, rows - 1));
    }

    /// <summary>The panel, each line cut to the width; the cursor stays at the end of its last line.</summary>
    private string Draw()
    {
        var (width, height) = _terminal.Size();
        var lines = _panel.Take(Math.Max(1, height - 1)).Select(l => TerminalText.Fit(l, width - 1)).ToList();
        _drawn = [.. lines.Select(TerminalText.Cells)];
        return string.Join('\n', lines);
    }

    private void Write(string text)
    {
        _terminal.Writer.Write(text);
        _terminal.Writer.Flush();
    }

    /// <summary>Passes complete lines to the view; a partial line waits for its end.</summary>
    private sealed class LineWriter(LiveView view) : TextWriter
    {
        private readonly System.Text.StringBuilder _pending = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value) => Write([value]);

        public override void Write(string? value) => Write(value.AsSpan());

        public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

        public override void Write(ReadOnlySpan<char> buffer)
        {
            lock (_pending)
            {
                var end = buffer.LastIndexOf('\n');
                if (end < 0)
                {
                    _pending.Append(buffer);
                    return;
                }

                _pending.Append(buffer[..(end + 1)]);
                view.WriteText(_pending.ToString());
                _pending.Clear().Append(buffer[(end + 1)..]);
            }
        }

        public override void WriteLine(string? value) => Write(value + "\n");
    }
}
