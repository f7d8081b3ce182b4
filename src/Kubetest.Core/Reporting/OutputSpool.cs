namespace Kubetest.Reporting;

/// <summary>
/// One key's output lines, kept until the key ends: in memory up to <see cref="MemoryBound"/>
/// characters, beyond that in a temporary file of the run's workspace (deleted when disposed), so a
/// key that prints gigabytes costs disk, not memory. Lines come bounded from the runtimes
/// (<see cref="Kubetest.Runtime.OutputLines"/>), so reading them back is bounded too.
/// Not thread-safe: the console reporter calls it under its lock.
/// </summary>
internal sealed class OutputSpool(string directory) : IDisposable
{
    /// <summary>Characters kept in memory per key (about 1 MiB).</summary>
    public const int MemoryBound = 512 * 1024;

    private readonly List<string> _lines = [];
    private long _chars;
    private FileStream? _file;
    private BinaryWriter? _writer;

    public long Count { get; private set; }

    public void Add(string line)
    {
        Count++;
        if (_writer is not null)
        {
            _writer.Write(line);
            return;
        }

        _lines.Add(line);
        _chars += line.Length;
        if (_chars > MemoryBound)
        {
            SpillToFile();
        }
    }

    /// <summary>Every line in order, streamed back from the file when the output outgrew memory.</summary>
    public IEnumerable<string> Lines()
    {
        if (_file is null || _writer is null)
        {
            foreach (var line in _lines)
            {
                yield return line;
            }

            yield break;
        }

        _writer.Flush();
        var end = _file.Position;
        _file.Position = 0;
        using var reader = new BinaryReader(_file, System.Text.Encoding.UTF8, leaveOpen: true);
        while (_file.Position < end)
        {
            yield return reader.ReadString();
        }
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _file?.Dispose();
    }

    private void SpillToFile()
    {
        // Length-prefixed strings: a line may hold any character, a lone '\r' included.
        _file = new FileStream(
            Path.Combine(directory, $"output-{Guid.NewGuid():N}.spool"),
            FileMode.CreateNew,
            FileAccess.ReadWrite,
            FileShare.None,
            64 * 1024,
            FileOptions.DeleteOnClose | FileOptions.SequentialScan);
        _writer = new BinaryWriter(_file, System.Text.Encoding.UTF8, leaveOpen: true);
        foreach (var line in _lines)
        {
            _writer.Write(line);
        }

        _lines.Clear();
        _lines.TrimExcess();
    }
}
