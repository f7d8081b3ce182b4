using System.Text;

namespace Kubetest.Runtime;

/// <summary>
/// Cuts a command's raw output (UTF-8 bytes, fed in pieces of any size) into lines for an
/// <see cref="IOutputSink"/>, as <see cref="TextReader.ReadLine"/> would (<c>\n</c>, <c>\r\n</c> or
/// <c>\r</c> ends a line), but never holds more than <see cref="MaxLineChars"/> characters: a longer
/// line is delivered in pieces of that many characters, each as a line of its own, so memory does
/// not grow with a line that never ends. Not thread-safe: one per stream.
/// </summary>
public sealed class OutputLines(OutputStream stream, IOutputSink sink)
{
    /// <summary>The longest line delivered whole (64 Ki characters).</summary>
    public const int MaxLineChars = 64 * 1024;

    private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetDecoder();
    private readonly char[] _chars = new char[16 * 1024];
    private readonly StringBuilder _line = new();
    private bool _afterCarriageReturn;

    /// <summary>Decodes <paramref name="bytes"/> and delivers every line they complete.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        // At most 16 Ki bytes per step: a UTF-8 byte never decodes to more than one char (plus one held back).
        const int Step = (16 * 1024) - 4;
        while (bytes.Length > 0)
        {
            var take = Math.Min(bytes.Length, Step);
            var count = _decoder.GetChars(bytes[..take], _chars, flush: false);
            Split(_chars.AsSpan(0, count));
            bytes = bytes[take..];
        }
    }

    /// <summary>The output has ended: delivers the last line if it had no line ending.</summary>
    public void Complete()
    {
        var count = _decoder.GetChars([], _chars, flush: true);
        Split(_chars.AsSpan(0, count));
        if (_line.Length > 0)
        {
            Emit();
        }
    }

    private void Split(ReadOnlySpan<char> text)
    {
        while (text.Length > 0)
        {
            if (_afterCarriageReturn)
            {
                _afterCarriageReturn = false;
                if (text[0] == '\n')
                {
                    text = text[1..];
                    continue;
                }
            }

            var end = text.IndexOfAny('\r', '\n');
            var part = end < 0 ? text : text[..end];
            Append(part);
            if (end < 0)
            {
                return;
            }

            _afterCarriageReturn = text[end] == '\r';
            Emit();
            text = text[(end + 1)..];
        }
    }

    private void Append(ReadOnlySpan<char> part)
    {
        while (part.Length > 0)
        {
            // A full line is delivered only once more text comes, so a line of exactly the bound
            // followed by its line ending is still one line.
            if (_line.Length >= MaxLineChars)
            {
                Emit();
            }

            var take = Math.Min(MaxLineChars - _line.Length, part.Length);
            if (take < part.Length && char.IsHighSurrogate(part[take - 1]))
            {
                // Keep a surrogate pair in one piece.
                _line.Append(part[..(take - 1)]);
                part = part[(take - 1)..];
                Emit();
                continue;
            }

            _line.Append(part[..take]);
            part = part[take..];
        }
    }

    private void Emit()
    {
        sink.WriteLine(stream, _line.ToString());
        _line.Clear();
    }
}
