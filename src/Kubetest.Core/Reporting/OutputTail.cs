namespace Kubetest.Reporting;

/// <summary>
/// The last lines of a command's output, bounded in lines and characters whatever the command
/// prints: memory stays the same for a key that prints a gigabyte. Not thread-safe.
/// </summary>
public sealed class OutputTail(int maxLines = OutputTail.DefaultMaxLines, int maxChars = OutputTail.DefaultMaxChars)
{
    public const int DefaultMaxLines = 50;
    public const int DefaultMaxChars = 8 * 1024;

    private readonly LinkedList<string> _lines = new();
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

        _lines.AddLast(line);
        _chars += line.Length + 1;
        while (_lines.Count > maxLines)
        {
            _chars -= _lines.First!.Value.Length + 1;
            _lines.RemoveFirst();
            Truncated = true;
        }

        // Over the characters: the oldest lines go, the last of them only as far as needed.
        while (_chars > maxChars + 1)
        {
            var excess = _chars - (maxChars + 1);
            var first = _lines.First!;
            if (first.Value.Length + 1 <= excess)
            {
                _chars -= first.Value.Length + 1;
                _lines.RemoveFirst();
            }
            else
            {
                first.Value = first.Value[excess..];
                _chars -= excess;
            }

            Truncated = true;
        }
    }

    /// <summary>The kept lines, one per line, without a trailing newline.</summary>
    public override string ToString() => string.Join('\n', _lines);
}
