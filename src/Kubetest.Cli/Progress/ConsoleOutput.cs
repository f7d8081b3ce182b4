namespace Kubetest.Cli.Progress;

/// <summary>The console of a run: the original's plain lines, and on an interactive terminal the live view below them.</summary>
internal static class ConsoleOutput
{
    /// <summary>How often the live view is redrawn.</summary>
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Without <paramref name="terminal"/> (CI, not a terminal, <c>NO_COLOR</c>): exactly the
    /// <see cref="TextReporter"/> on <paramref name="error"/> that prints the original's lines. With
    /// one: the same reporter writing above a <see cref="LiveView"/> on that terminal; dispose the view
    /// when the run is over, before anything else is printed.
    /// </summary>
    public static (IRunObserver Console, TextReporter Lines, LiveView? View) Create(TextWriter error, LiveTerminal? terminal, RunOptions options, string spoolDirectory, TimeProvider time)
    {
        if (terminal is null)
        {
            var plain = new TextReporter(error, options.LogLevel, options.Live, spoolDirectory);
            return (plain, plain, null);
        }

        var view = new LiveView(terminal, new ProgressState(time), Refresh);
        var lines = new TextReporter(view.Lines, options.LogLevel, options.Live, spoolDirectory);
        return (new Observers(lines, view), lines, view);
    }

    /// <summary>The terminal that stderr is, for the live view; 80 by 24 when its size cannot be read.</summary>
    public static LiveTerminal Terminal(TextWriter error) => new(error, Size);

    private static (int Width, int Height) Size()
    {
        try
        {
            var (width, height) = (Console.WindowWidth, Console.WindowHeight);
            return (width > 0 ? width : 80, height > 0 ? height : 24);
        }
        catch (IOException)
        {
            return (80, 24);
        }
    }
}
