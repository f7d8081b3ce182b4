namespace Kubetest.Reporting;

/// <summary>
/// The last lines of a command's output, bounded in lines and characters whatever the command
/// prints: memory stays the same for a key that prints a gigabyte. Not thread-safe.
/// </summary>
public sealed class OutputTail(int maxLines = OutputTail.DefaultMaxLines, int maxChars = OutputTail.DefaultMaxChars)
{
    public const int DefaultMaxLines = 50;
    public const int DefaultMaxChars = 8 * 1024;

    private readonly Queue<string> _lines = new();
    private int _chars;

    /// <summary>Whether lines were dropped from the front to stay within the bounds.</summary>
    public bool Truncated { get; private set; }

    public void Add(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.Length > maxChars)
        {
            // One line longer than the whole tail: its end is what the tail keeps.
            line = line[^maxChars..];
            Truncated = true;
        }

        _lines.Enqueue(line);
        _chars += line.Length + 1;
        while (_lines.Count > maxLines || _chars > maxChars + 1)
        {
            _chars -= _lines.Dequeue().Length + 1;
            Truncated = true;
        }
    }

    /// <summary>The kept lines, one per line, without a trailing newline.</summary>
    public override string ToString() => string.Join('\n', _lines);
}
