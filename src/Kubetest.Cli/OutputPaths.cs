namespace Kubetest.Cli;

/// <summary>
/// The files a run writes only at its end (<c>-o</c>, and each later report option with one more
/// entry), checked before anything runs so that a path that cannot be written fails at once
/// (exit 3) instead of after the whole run. The check creates nothing that stays.
/// </summary>
public static class OutputPaths
{
    /// <summary>The path that means stdout, as for most command-line tools.</summary>
    public const string Stdout = "-";

    /// <summary>Throws for the first output path that cannot be written: one line naming the flag and the path.</summary>
    /// <param name="outputs">Each output option as written on the command line, with its value (null when not given).</param>
    public static void Check(IEnumerable<(string Flag, string? Path)> outputs)
    {
        foreach (var (flag, path) in outputs)
        {
            if (path is not null and not Stdout && Problem(path) is { } problem)
            {
                throw new UserInputException($"{flag}: cannot write {path}: {problem}");
            }
        }
    }

    /// <summary>Why <paramref name="path"/> cannot be written as a file, or null when it can.</summary>
    /// <remarks>
    /// Missing directories are created when the file is written, so the nearest directory that
    /// exists must take a new entry; nothing is created here but a probe file that is gone at once.
    /// </remarks>
    internal static string? Problem(string path)
    {
        if (path.Length == 0)
        {
            return "the path is empty";
        }

        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return ex.Message;
        }

        if (Directory.Exists(full))
        {
            return "it is a directory; give the path of a file";
        }

        if (File.Exists(full))
        {
            // Opened for writing without truncating: the file stays as it is until the run ends.
            return Try(() => new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite).Dispose(), "the file is not writable");
        }

        var directory = Path.GetDirectoryName(full);
        while (directory is not null && !Directory.Exists(directory))
        {
            if (File.Exists(directory))
            {
                return $"{directory} is a file, not a directory";
            }

            directory = Path.GetDirectoryName(directory);
        }

        if (directory is null)
        {
            return "no directory of the path exists";
        }

        var probe = Path.Combine(directory, $".kubetest-write-check-{Guid.NewGuid():N}");
        return Try(
            () => new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose).Dispose(),
            $"the directory {directory} is not writable");
    }

    private static string? Try(Action write, string what)
    {
        try
        {
            write();
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{what} ({ex.Message})";
        }
    }
}
