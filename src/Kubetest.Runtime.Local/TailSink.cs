namespace Kubetest.Runtime.Local;

/// <summary>Passes output on and keeps its last lines, to quote them when a container fails.</summary>
internal sealed class TailSink : IOutputSink
{
    private readonly IOutputSink _inner;
    private readonly int _capacity;
    private readonly Queue<string> _lines = new();
    private readonly Lock _lock = new();

    public TailSink(IOutputSink inner, int lines)
    {
        _inner = inner;
        _capacity = lines;
    }

    public void WriteLine(OutputStream stream, string line)
    {
        _inner.WriteLine(stream, line);
        lock (_lock)
        {
            _lines.Enqueue(line);
            if (_lines.Count > _capacity)
            {
                _lines.Dequeue();
            }
        }
    }

    public IReadOnlyList<string> Lines()
    {
        lock (_lock)
        {
            return [.. _lines];
        }
    }
}
