namespace Kubetest.Engine;

/// <summary>
/// Artifacts copied out of containers, kept as in the original: <c>&lt;artifact&gt;/&lt;container&gt;/&lt;file&gt;</c>,
/// where a key container is named <c>&lt;main&gt;&lt;podIndex&gt;-&lt;containerIndex&gt;</c>.
/// </summary>
public sealed class ArtifactStore(string root)
{
    private readonly HashSet<string> _keyed = new(StringComparer.Ordinal);

    /// <summary>
    /// Where the copy of <paramref name="artifactPath"/> from <paramref name="container"/> goes. What an
    /// earlier attempt of the same container left there is removed: a retested key's export holds its
    /// final attempt's files only.
    /// </summary>
    public string PathFor(string artifactName, string container, string artifactPath)
    {
        var dir = Path.Combine(root, artifactName, container);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, Path.GetFileName(artifactPath.TrimEnd('/')));
        FileTree.Delete(path);
        return path;
    }

    /// <summary>
    /// <c>queue</c> mode: where the copy from worker <paramref name="container"/> of the key whose own directory
    /// is <paramref name="keyDirectory"/> goes, <c>&lt;artifact&gt;/&lt;container&gt;/&lt;keyDirectory&gt;/&lt;file&gt;</c>.
    /// Another key of the same worker has a directory of its own, so nothing of it is replaced; what an
    /// earlier attempt of the same key left, under whichever worker ran it, is removed.
    /// </summary>
    public string PathForKey(string artifactName, string container, string keyDirectory, string artifactPath)
    {
        var dir = Path.Combine(root, artifactName);
        lock (_keyed)
        {
            _keyed.Add(artifactName);
            foreach (var worker in Directory.Exists(dir) ? Directory.GetDirectories(dir) : [])
            {
                FileTree.Delete(Path.Combine(worker, keyDirectory));
            }
        }

        return PathFor(artifactName, Path.Combine(container, keyDirectory), artifactPath);
    }

    /// <summary>The one copy of an artifact, for an artifact volume of a later step.</summary>
    public string SinglePath(string artifactName)
    {
        var dir = Path.Combine(root, artifactName);
        var copies = Directory.Exists(dir) ? Directory.GetDirectories(dir) : [];
        if (IsKeyed(artifactName))
        {
            copies = [.. copies.SelectMany(Directory.GetDirectories)];
        }

        var entries = copies.SelectMany(Directory.GetFileSystemEntries).ToList();
        return entries.Count switch
        {
            1 => entries[0],
            0 => throw new StepSetupException($"artifact \"{artifactName}\" was not produced by an earlier step, so it cannot be mounted"),
            _ => throw new StepSetupException($"artifact \"{artifactName}\" has {entries.Count} copies (one per container: {string.Join(", ", copies.Select(Path.GetFileName))}); an artifact volume needs exactly one"),
        };
    }

    private bool IsKeyed(string artifactName)
    {
        lock (_keyed)
        {
            return _keyed.Contains(artifactName);
        }
    }

    /// <summary>How many containers' copies of an artifact there are to export.</summary>
    public int CopyCount(string artifactName)
    {
        var dir = Path.Combine(root, artifactName);
        return Directory.Exists(dir) ? Directory.GetDirectories(dir).Length : 0;
    }

    /// <summary>
    /// Copies every container's copy of an artifact to <paramref name="destination"/>/&lt;container&gt;/…,
    /// merging into what is there (a link there is replaced, never written through; see <see cref="FileTree"/>).
    /// <paramref name="copied"/> hears of each container's copy once it is complete. Stops between
    /// files when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public int Export(string artifactName, string destination, Action<string> copied, CancellationToken cancellationToken)
    {
        var dir = Path.Combine(root, artifactName);
        if (!Directory.Exists(dir))
        {
            return 0;
        }

        var copies = Directory.GetDirectories(dir).Order(StringComparer.Ordinal).ToList();
        foreach (var copy in copies)
        {
            var container = Path.GetFileName(copy);
            FileTree.Copy(copy, Path.Combine(destination, container), cancellationToken);
            copied(container);
        }

        return copies.Count;
    }
}

/// <summary>A step could not be set up (an artifact to mount is missing, …): its tasks end with an error.</summary>
public sealed class StepSetupException(string message) : Exception(message)
{
    public StepSetupException()
        : this("the step could not be set up")
    {
    }

    public StepSetupException(string message, Exception innerException)
        : this(message + ": " + innerException.Message)
    {
    }
}
