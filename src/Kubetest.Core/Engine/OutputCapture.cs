namespace Kubetest.Engine;

/// <summary>
/// A command's standard output kept as a value, up to <see cref="MaxChars"/> (the dynamic keys
/// command: its output is the keys). Thread-safe.
/// </summary>
internal sealed class OutputCapture
{
    /// <summary>64 Mi characters of keys text: generous for any key list, and a bound on memory.</summary>
    public const int MaxChars = 64 * 1024 * 1024;

    private readonly System.Text.StringBuilder _text = new();

    /// <summary>Whether the output went past <see cref="MaxChars"/>; <see cref="Text"/> then holds only its beginning.</summary>
    public bool Overflowed { get; private set; }

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    public void Add(string line)
    {
        lock (_text)
        {
            if (_text.Length + line.Length + 1 > MaxChars)
            {
                Overflowed = true;
            }
            else if (!Overflowed)
            {
                _text.Append(line).Append('\n');
            }
        }
    }
}
