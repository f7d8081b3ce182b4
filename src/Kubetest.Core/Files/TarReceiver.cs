namespace Kubetest.Files;

/// <summary>
/// The receiving end of a copy out of a container, the same on every runtime: the archive is
/// extracted by <see cref="TarExtractor"/> into a fresh staging directory beside the destination,
/// then moved into place by <see cref="FileTree.Move"/> (which replaces, never writes through, a
/// link left at the destination by an earlier copy). Disposing removes the staging directory.
/// </summary>
public sealed class TarReceiver : IDisposable
{
    private readonly string _localPath;
    private readonly string _staging;
    private IReadOnlyList<string> _skipped = [];
    private Exception? _damage;

    public TarReceiver(string localPath)
    {
        _localPath = localPath;
        _staging = $"{localPath}.kubetest-{Guid.NewGuid():N}";
        Directory.CreateDirectory(_staging);
    }

    /// <summary>
    /// Extracts the archive; a damaged one is remembered for <see cref="Complete"/>, and the rest of
    /// the stream is read anyway so that the sender is never left blocked on a full pipe.
    /// </summary>
    public void Receive(Stream archive, CancellationToken cancellationToken)
    {
        try
        {
            _skipped = TarExtractor.Extract(archive, _staging, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException)
        {
            _damage = ex;
        }

        archive.CopyTo(Stream.Null);
    }

    /// <summary>
    /// Once the sender (<c>tar</c> in the container) has ended with <paramref name="exitCode"/>:
    /// moves the copy of <paramref name="containerPath"/> (the archive's top entry <paramref name="packedPath"/>
    /// names) into place and returns warnings (entries left out, tar's complaints), or throws
    /// <see cref="FileNotFoundException"/> when nothing came.
    /// </summary>
    public IReadOnlyList<string> Complete(string where, string containerPath, string packedPath, int exitCode, string stderr, CancellationToken cancellationToken)
    {
        var extracted = Path.Combine(_staging, TarCommands.NameOf(packedPath));
        if (!FileTree.Exists(extracted))
        {
            var why = _damage is not null ? $"the archive was damaged: {_damage.Message}" : Printable.Escape(stderr.Trim());
            throw new FileNotFoundException($"{where} has nothing at {containerPath}: {why}", containerPath);
        }

        if (_damage is not null)
        {
            throw new IOException($"the archive of {containerPath} from {where} was damaged: {_damage.Message}", _damage);
        }

        FileTree.Move(extracted, _localPath, cancellationToken);
        var warnings = _skipped.Select(s => $"{containerPath} from {where}: left out {Printable.Escape(s)}").ToList();
        if (exitCode != 0)
        {
            warnings.Add($"{containerPath} from {where}: tar exited with code {exitCode}, the copy may be incomplete: {Printable.Escape(stderr.Trim())}");
        }

        return warnings;
    }

    public void Dispose() => FileTree.Delete(_staging);
}
