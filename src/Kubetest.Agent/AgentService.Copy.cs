using System.Buffers;
using System.IO.Pipelines;
using Google.Protobuf;
using Grpc.Core;
using Kubetest.Agent.Protocol;
using Kubetest.Files;

namespace Kubetest.Agent;

public sealed partial class AgentService
{
    private const int CopyChunkSize = 64 * 1024;

    /// <summary>
    /// Replaces <c>path</c> with the archive's top entry, as <c>tar xf - -C PARENT</c> after removing
    /// what was there, but through <see cref="TarExtractor"/>: no entry is written outside the parent,
    /// none through a link, and nothing of the archive is held in memory.
    /// </summary>
    public override async Task<CopyToResponse> CopyTo(IAsyncStreamReader<CopyToRequest> requestStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellationToken).ConfigureAwait(false) || requestStream.Current.PartCase != CopyToRequest.PartOneofCase.Header)
        {
            throw Invalid("header: a copy starts with its header (the path)");
        }

        var path = CheckPath(requestStream.Current.Header.Path, "header.path");
        var parent = TarCommands.ParentOf(path);
        IReadOnlyList<string> skipped;
        try
        {
            Directory.CreateDirectory(parent);
            Clear(path);
            var pipe = new Pipe();
            var extraction = Task.Run(() => Extract(pipe.Reader, parent, cancellationToken), cancellationToken);
            try
            {
                while (await requestStream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    var flushed = await pipe.Writer.WriteAsync(requestStream.Current.Data.Memory, cancellationToken).ConfigureAwait(false);
                    if (flushed.IsCompleted)
                    {
                        break;
                    }
                }
            }
            finally
            {
                await pipe.Writer.CompleteAsync().ConfigureAwait(false);
            }

            skipped = await extraction.ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw Invalid($"the archive for {path} is damaged: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"cannot write {path}: {e.Message}"));
        }

        return new CopyToResponse { Skipped = { skipped } };
    }

    /// <summary>A tar of <c>path</c> whose single top entry is its last name; links are stored as links.</summary>
    public override async Task CopyFrom(CopyFromRequest request, IServerStreamWriter<CopyFromResponse> responseStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var path = CheckPath(request.Path, "path");
        if (!FileTree.Exists(path))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"nothing at {path}"));
        }

        var pipe = new Pipe();
        try
        {
            await Task.WhenAll(
                PackAsync(pipe.Writer, path, cancellationToken),
                SendAsync(pipe.Reader, responseStream, cancellationToken)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"cannot read {path}: {e.Message}"));
        }
    }

    private static IReadOnlyList<string> Extract(PipeReader reader, string directory, CancellationToken cancellationToken)
    {
        using var archive = reader.AsStream();
        return TarExtractor.Extract(archive, directory, cancellationToken);
    }

    /// <summary>
    /// Removes <c>path</c> as <see cref="Clear"/> does, so a worker's next command starts without what the last
    /// one left there (what <c>rm -rf</c> does on the exec path, without needing a shell or <c>rm</c>).
    /// </summary>
    public override Task<RemoveResponse> Remove(RemoveRequest request, ServerCallContext context)
    {
        var path = CheckPath(request.Path, "path");
        try
        {
            Clear(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"cannot remove {path}: {e.Message}"));
        }

        return Task.FromResult(new RemoveResponse());
    }

    /// <summary>Removes what is at <paramref name="path"/> (a link itself, never its target); a directory that cannot go (a mount point) is emptied.</summary>
    private static void Clear(string path)
    {
        try
        {
            FileTree.Delete(path);
        }
        catch (IOException) when (FileTree.KindOf(path) == EntryKind.Directory)
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(path))
            {
                FileTree.Delete(entry);
            }
        }
    }

    private static async Task PackAsync(PipeWriter writer, string path, CancellationToken cancellationToken)
    {
        var archive = writer.AsStream();
        await using (archive.ConfigureAwait(false))
        {
            await ImageTarPacker.WriteAsync(archive, path, TarCommands.NameOf(path), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task SendAsync(PipeReader reader, IServerStreamWriter<CopyFromResponse> responseStream, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            while (buffer.Length > 0)
            {
                var chunk = buffer.Slice(0, Math.Min(buffer.Length, CopyChunkSize));
                await responseStream.WriteAsync(new CopyFromResponse { Data = UnsafeByteOperations.UnsafeWrap(chunk.ToArray()) }, cancellationToken).ConfigureAwait(false);
                buffer = buffer.Slice(chunk.End);
            }

            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }

        await reader.CompleteAsync().ConfigureAwait(false);
    }
}
