using System.Text;

namespace Kubetest.Files;

/// <summary>
/// A write-only stream that keeps only the last <see cref="Capacity"/> bytes written to it: what a
/// helper command (<c>tar</c>) prints on stderr, for an error message, without kubetest's memory
/// growing with whatever a container's <c>tar</c> chooses to print.
/// </summary>
public sealed class TailStream : Stream
{
    public const int Capacity = 8 * 1024;

    private readonly byte[] _ring = new byte[Capacity];
    private readonly Lock _lock = new();
    private long _written;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Reads <paramref name="stream"/> to its end into a new tail.</summary>
    public static TailStream Of(Stream stream)
    {
        var tail = new TailStream();
        stream.CopyTo(tail);
        return tail;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (_lock)
        {
            // Bytes that would be overwritten within this same write are counted, never stored.
            var skipped = Math.Max(0, buffer.Length - Capacity);
            _written += skipped;
            foreach (var b in buffer[skipped..])
            {
                _ring[(int)(_written++ % Capacity)] = b;
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
    }

    /// <summary>The kept text, trimmed; "…" in front when earlier output was dropped.</summary>
    public override string ToString()
    {
        lock (_lock)
        {
            if (_written <= Capacity)
            {
                return Encoding.UTF8.GetString(_ring, 0, (int)_written).Trim();
            }

            var start = (int)(_written % Capacity);
            var bytes = new byte[Capacity];
            _ring.AsSpan(start).CopyTo(bytes);
            _ring.AsSpan(0, start).CopyTo(bytes.AsSpan(Capacity - start));
            return "…" + Encoding.UTF8.GetString(bytes).Trim();
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
