namespace Kubetest.Model;

/// <summary>One thing wrong with a manifest, located by field path and (where known) line.</summary>
public sealed record ManifestProblem(string Path, int? Line, string Message)
{
    public override string ToString()
    {
        // Paths hold the manifest's own keys, which may hold anything: keep the problem on one line.
        var path = Printable.Escape(Path);
        if (path.Length > 160)
        {
            // a[0][0]…: a path 100 levels deep says no more in full.
            path = $"{path[..80]}…{path[^60..]}";
        }

        var message = Printable.Escape(Message);
        var where = Line is int line ? $"{path} (line {line})" : path;
        return string.IsNullOrEmpty(Path) ? message : $"{where}: {message}";
    }
}

/// <summary>A manifest that cannot be run; carries every problem found, each naming its field.</summary>
public sealed class ManifestException : UserInputException
{
    public ManifestException(string file, IReadOnlyList<ManifestProblem> problems)
        : base(Format(file, problems))
    {
        File = file;
        Problems = problems;
    }

    public ManifestException()
        : this("", [])
    {
    }

    public ManifestException(string message)
        : this("", [new ManifestProblem("", null, message)])
    {
    }

    public ManifestException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = "";
        Problems = [new ManifestProblem("", null, message)];
    }

    public string File { get; } = "";

    public IReadOnlyList<ManifestProblem> Problems { get; } = [];

    private static string Format(string file, IReadOnlyList<ManifestProblem> problems)
    {
        var prefix = string.IsNullOrEmpty(file) ? "invalid manifest" : $"invalid manifest {Printable.Escape(file)}";
        if (problems.Count == 1)
        {
            return $"{prefix}: {problems[0]}";
        }

        // One bad item repeated a million times must not print a million lines.
        var shown = problems.Take(InputLimits.MaxProblemsShown).Select(p => $"{Environment.NewLine}  - {p}");
        var more = problems.Count > InputLimits.MaxProblemsShown ? $"{Environment.NewLine}  … and {problems.Count - InputLimits.MaxProblemsShown} more" : "";
        return $"{prefix}:{string.Concat(shown)}{more}";
    }
}
