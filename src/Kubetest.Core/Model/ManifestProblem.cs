namespace Kubetest.Model;

/// <summary>One thing wrong with a manifest, located by field path and (where known) line.</summary>
public sealed record ManifestProblem(string Path, int? Line, string Message)
{
    public override string ToString()
    {
        var where = Line is int line ? $"{Path} (line {line})" : Path;
        return string.IsNullOrEmpty(Path) ? Message : $"{where}: {Message}";
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
        var prefix = string.IsNullOrEmpty(file) ? "invalid manifest" : $"invalid manifest {file}";
        return problems.Count == 1
            ? $"{prefix}: {problems[0]}"
            : $"{prefix}:{string.Concat(problems.Select(p => $"{Environment.NewLine}  - {p}"))}";
    }
}
