using Kubetest.Reporting;

namespace Kubetest.Runtime.Local;

/// <summary>
/// Passes output on and keeps its last lines (an <see cref="OutputTail"/>, so bounded in characters
/// too), to quote them when a container fails.
/// </summary>
internal sealed class TailSink(IOutputSink inner, int lines) : IOutputSink
{
    private readonly OutputTail _tail = new(lines);
    private readonly Lock _lock = new();
    private bool _any;

    public void WriteLine(OutputStream stream, string line)
    {
        inner.WriteLine(stream, line);
        lock (_lock)
        {
            _tail.Add(line);
            _any = true;
        }
    }

    /// <summary>The last lines, one per line; null when nothing was written.</summary>
    public string? Text()
    {
        lock (_lock)
        {
            return _any ? _tail.ToString() : null;
        }
    }
}
