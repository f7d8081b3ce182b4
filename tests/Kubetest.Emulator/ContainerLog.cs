namespace Kubetest.Emulator;

/// <summary>A container's output as the kubelet keeps it: bytes appended as they come, readable while it grows.</summary>
internal sealed class ContainerLog
{
    private readonly Lock _lock = new();
    private byte[] _data = new byte[4096];
    private int _length;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _closed;

    public void Append(ReadOnlySpan<byte> bytes)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            if (_length + bytes.Length > _data.Length)
            {
                Array.Resize(ref _data, Math.Max(_data.Length * 2, _length + bytes.Length));
            }

            bytes.CopyTo(_data.AsSpan(_length));
            _length += bytes.Length;
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    /// <summary>No more output will come (the container ended).</summary>
    public void Close()
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _closed = true;
            changed = _changed;
        }

        changed.TrySetResult();
    }

    /// <summary>The bytes from <paramref name="offset"/> on, whether the log is closed, and a task that completes on the next change.</summary>
    public (byte[] Bytes, bool Closed, Task Changed) Read(long offset)
    {
        lock (_lock)
        {
            var length = (int)Math.Max(0, _length - offset);
            var bytes = new byte[length];
            Array.Copy(_data, offset, bytes, 0, length);
            return (bytes, _closed, _changed.Task);
        }
    }

    public Stream Writer() => new AppendStream(this);

    private sealed class AppendStream(ContainerLog log) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => log.Append(buffer.AsSpan(offset, count));

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            log.Append(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            log.Append(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
