namespace Kubetest.Cli;

/// <summary>
/// The lines the CLI says before the run's reporters exist (they need the manifest's log level and
/// the run's directory): kept in order, then handed to the run, which reports them first through
/// the console and the log file alike. A run that fails or stops before that prints them, at its
/// log level, before its error; a dry run before its plan.
/// </summary>
internal sealed class EarlyLines : IRunObserver
{
    private readonly object _gate = new();
    private readonly List<LogEvent> _lines = [];
    private LogLevel _level = LogLevel.Info;

    /// <summary>The run's log level, known once the manifest is read (no line is said before).</summary>
    public LogLevel Level
    {
        get
        {
            lock (_gate)
            {
                return _level;
            }
        }

        set
        {
            lock (_gate)
            {
                _level = value;
            }
        }
    }

    public void On(RunEvent runEvent)
    {
        if (runEvent is LogEvent line)
        {
            lock (_gate)
            {
                _lines.Add(line);
            }
        }
    }

    public void Add(LogLevel level, string message) => On(new LogEvent(level, message));

    /// <summary>The lines said so far, in order; they are handed over once, so later calls do not repeat them.</summary>
    public IReadOnlyList<LogEvent> Take()
    {
        lock (_gate)
        {
            var taken = _lines.ToList();
            _lines.Clear();
            return taken;
        }
    }

    /// <summary>Prints the lines no run took, as the run's console would (same format, same level).</summary>
    public void PrintTo(TextWriter error)
    {
        // A reporter spools only the output of commands, and these are log lines: it writes no file.
        var reporter = new TextReporter(error, Level, live: false, spoolDirectory: Path.GetTempPath());
        foreach (var line in Take())
        {
            reporter.On(line);
        }
    }
}
