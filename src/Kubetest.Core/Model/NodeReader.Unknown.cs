namespace Kubetest.Model;

/// <summary>
/// Fields nobody reads: each is a warning (with "did you mean" when a known field is close, see
/// <see cref="FieldSuggestion"/>), and one that sits beside a required field found missing is named in that
/// error, since it is most likely the missing field misspelt.
/// </summary>
internal sealed partial class NodeReader
{
    private readonly List<UnknownField> _unknown = [];

    /// <summary>An unknown field: its path, name and line, and what it is not a field of (e.g. "a Kubernetes Container").</summary>
    private sealed record UnknownField(string Path, string Name, int? Line, string Of);

    /// <summary>
    /// The problems, each about a field the manifest does not have and beside which an unknown field sits whose
    /// name is close to it, told so: "… is required; `comand` (line 25) is not a field of a Kubernetes Container;
    /// did you mean `command`?".
    /// </summary>
    public List<ManifestProblem> ProblemsWithTypos() => [.. Problems.Select(p => MissingBeside(p) is { } typo
        ? p with { Message = $"{p.Message}; `{typo.Name}`{(typo.Line is int line ? $" (line {line})" : "")} is not a field of {typo.Of}; did you mean `{LastName(p.Path)}`?" }
        : p)];

    private void Unknown(string path, string name, string of, IEnumerable<string> known, string warning)
    {
        var line = tree.LineOf(path);
        _unknown.Add(new UnknownField(path, name, line, of));
        var suggestion = FieldSuggestion.Closest(name, known);
        Warnings.Add(new ManifestProblem(path, line, suggestion is null ? warning : $"{warning}; did you mean `{suggestion}`?"));
    }

    private UnknownField? MissingBeside(ManifestProblem problem)
    {
        if (problem.Path.Length == 0 || tree.Has(problem.Path) || problem.Path.EndsWith(']'))
        {
            return null;
        }

        var parent = YamlTree.Parent(problem.Path);
        var missing = LastName(problem.Path);
        return _unknown.FirstOrDefault(u => YamlTree.Parent(u.Path) == parent && FieldSuggestion.IsClose(u.Name, missing));
    }

    private static string LastName(string path) => path[(path.LastIndexOf('.') + 1)..];

    /// <summary>How an object of kubetest's own is called in a message: by its field's name (<c>`key`</c>, <c>`repos` item</c>).</summary>
    private static string KubetestObject(string path)
    {
        if (path.Length == 0)
        {
            return "a TestJob";
        }

        var name = LastName(path);
        var item = name.EndsWith(']');
        var field = item ? name[..name.IndexOf('[', StringComparison.Ordinal)] : name;
        return item ? $"a `{field}` item" : $"`{field}`";
    }
}
