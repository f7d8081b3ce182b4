namespace Kubetest.Reporting;

/// <summary>
/// Keys that name one test (pytest's <c>tests/test_a.py::TestX::test_y[p1]</c>, Go's <c>TestX/sub</c> or
/// <c>./pkg/foo:TestX/sub</c>, Surefire's <c>com.example.FooTest#testBar</c>, <c>dotnet test</c>'s <c>Ns.Class.Method</c>)
/// and the testcases runners write for them, read as one id: the dotted components of the part before the parameters,
/// then the parameters verbatim. Separators are <c>.</c>, <c>/</c>, <c>:</c> (so <c>::</c>) and <c>#</c>; a file
/// part's <c>.py</c> is dropped, as pytest's classname drops it. The parameters are the rest of the text from the first
/// <c>(</c> or <c>[</c> of the last component (found before the first <c>[</c>, outside parentheses), never normalised:
/// pytest's brackets may hold dots, slashes and <c>::</c>. A testcase's id is its classname and name joined.
/// </summary>
public static partial class JUnitNames
{
    private static readonly char[] Separators = ['.', '/', ':', '#'];

    /// <summary>A testcase's id, or null when it has no name.</summary>
    public static TestId? TestIdOf(string? name, string? classname) =>
        string.IsNullOrEmpty(name) ? null : Canonical(string.IsNullOrEmpty(classname) ? name : classname + "::" + name);

    internal static TestId Canonical(string text)
    {
        var head = text.IndexOf('[', StringComparison.Ordinal) is var bracket and >= 0 ? bracket : text.Length;
        var depth = 0;
        var lastSeparator = -1;
        for (var i = 0; i < head; i++)
        {
            var c = text[i];
            depth = c == '(' ? depth + 1 : c == ')' ? Math.Max(0, depth - 1) : depth;
            if (depth == 0 && Array.IndexOf(Separators, c) >= 0)
            {
                lastSeparator = i;
            }
        }

        var parameters = text.IndexOfAny(['(', '['], lastSeparator + 1) is var open and >= 0 ? open : text.Length;
        var path = text[..parameters];
        var cut = path.IndexOf("::", StringComparison.Ordinal) is var colons and >= 0 ? colons : path.Length;
        if (path.AsSpan(0, cut).EndsWith(".py", StringComparison.Ordinal))
        {
            path = path[..(cut - 3)] + path[cut..];
        }

        var parts = path.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        var id = string.Join('.', parts);
        var starts = new List<int> { 0 };
        var offset = id.Length;
        for (var k = parts.Length - 1; k > 0 && k >= parts.Length - MaxScopeComponents; k--)
        {
            offset -= parts[k].Length + 1;
            starts.Insert(1, offset + 1);
        }

        return new TestId(id + text[parameters..], id.Length, starts);
    }
}

/// <summary>
/// A test's id (<see cref="JUnitNames.Canonical"/>) and the forms a key naming it may take, longest first: the whole id,
/// each run of up to <see cref="JUnitNames.MaxScopeComponents"/> trailing components (a Go test name without its
/// package), each with its parameters and then without them (a key for every parametrised invocation).
/// </summary>
public sealed record TestId(string Id, int PathLength, IReadOnlyList<int> Starts)
{
    public IEnumerable<Range> Forms()
    {
        foreach (var start in Starts.Where(start => start < PathLength))
        {
            yield return start..;
            if (PathLength < Id.Length)
            {
                yield return start..PathLength;
            }
        }
    }
}
