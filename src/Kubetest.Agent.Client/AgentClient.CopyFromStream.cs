using Google.Protobuf;
using Grpc.Core;
using Kubetest.Agent.Protocol;

namespace Kubetest.Agent.Client;

public sealed partial class AgentClient
{
    /// <summary>The bytes of a CopyFrom call as a read-only stream; disposing it before the end cancels the call.</summary>
    private sealed class CopyFromStream(AsyncServerStreamingCall<CopyFromResponse> call, ByteString first, bool more, AgentClient client, string path) : Stream
    {
        private ReadOnlyMemory<byte> _chunk = first.Memory;
        private bool _more = more;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_chunk.IsEmpty && _more)
            {
                try
                {
                    _more = await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false);
                }
                catch (RpcException e)
                {
                    throw new IOException(client.Failure($"copy from {path}", e, cancellationToken).Message, e);
                }

                _chunk = _more ? call.ResponseStream.Current.Data.Memory : ReadOnlyMemory<byte>.Empty;
            }

            var count = Math.Min(buffer.Length, _chunk.Length);
            _chunk[..count].CopyTo(buffer);
            _chunk = _chunk[count..];
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        // The tar reader reads synchronously; a sync read waits for the next message.
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                call.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
