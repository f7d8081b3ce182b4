using System.Text;

namespace Kubetest.Cli.Controller;

/// <summary>
/// The controller's own lines (<c>[LEVEL] message</c>) and its runs' lines, each run's prefixed by its TestJob
/// (<c>[default/nightly] [INFO] …</c>), on one writer: whole lines only, so concurrent runs never interleave mid-line.
/// </summary>
internal sealed class ControllerLog(TextWriter output, LogLevel level)
{
    private readonly object _gate = new();
    private readonly HashSet<string> _said = new(StringComparer.Ordinal);

    public LogLevel Level => level;

    public void Line(LogLevel lineLevel, string message)
    {
        if (lineLevel < level)
        {
            return;
        }

        Write($"[{lineLevel.ToString().ToUpperInvariant()}] {Model.Printable.Escape(message)}");
    }

    /// <summary>Says <paramref name="message"/> once for the controller's life (a missing right, retried every time, is one line, not a flood).</summary>
    public void Once(LogLevel lineLevel, string message)
    {
        lock (_gate)
        {
            if (!_said.Add(message))
            {
                return;
            }
        }

        Line(lineLevel, message);
    }

    /// <summary>A writer for one run's reporter: every line it writes gets the TestJob's prefix.</summary>
    public TextWriter ForRun(string key) => new Prefixed(this, $"[{Model.Printable.Escape(key)}] ");

    private void Write(string line)
    {
        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }

    private sealed class Prefixed(ControllerLog log, string prefix) : TextWriter
    {
        private readonly StringBuilder _line = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_line)
            {
                if (value == '\n')
                {
                    log.Write(prefix + _line.ToString().TrimEnd('\r'));
                    _line.Clear();
                }
                else
                {
                    _line.Append(value);
                }
            }
        }

        public override void Write(string? value)
        {
            foreach (var c in value ?? string.Empty)
            {
                Write(c);
            }
        }
    }
}
