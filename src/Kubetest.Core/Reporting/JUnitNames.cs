namespace Kubetest.Reporting;

/// <summary>
/// How a JUnit testcase belongs to a key when no testcase is named like the key and none has it as its
/// classname: by whole dotted components of the testcase's id. Runners that name each testcase by its
/// full path (CPython's regrtest: <c>test.test_os.FileTests.test_x</c>; pytest's classname
/// <c>tests.test_a.TestX</c>) are run with keys that name a module, a package or a file (<c>test_os</c>,
/// <c>tests/test_a.py</c>): such a key owns the testcases whose id holds it as a run of whole components.
/// </summary>
public static partial class JUnitNames
{
    /// <summary>Ids with more components than this are not test paths; they get no scopes.</summary>
    internal const int MaxComponents = 32;

    /// <summary>The longest scope, in components.</summary>
    internal const int MaxScopeComponents = 8;

    /// <summary>
    /// A key as a dotted id (<see cref="Canonical"/>): pytest's <c>::</c>, a path's <c>/</c>, Surefire's <c>#</c> become dots,
    /// a <c>.py</c> file suffix and a leading <c>./</c> are dropped, parameters are kept as written
    /// (<c>tests/test_a.py::TestX::test_y[a/b]</c> → <c>tests.test_a.TestX.test_y[a/b]</c>).
    /// </summary>
    public static string Normalize(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Canonical(key).Id;
    }

    /// <summary>
    /// The scopes of a testcase: every run of up to <see cref="MaxScopeComponents"/> whole components of
    /// its classname, or without one, of its name less the last component (the test itself). Each once.
    /// </summary>
    public static IReadOnlySet<string> Scopes(string? name, string? classname)
    {
        var id = classname ?? (name is not null && name.LastIndexOf('.') is var last and > 0 ? name[..last] : null);
        var scopes = new HashSet<string>(StringComparer.Ordinal);
        if (id is null)
        {
            return scopes;
        }

        var parts = id.Split('.', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length > MaxComponents)
        {
            return scopes;
        }

        for (var start = 0; start < parts.Length; start++)
        {
            for (var length = 1; length <= MaxScopeComponents && start + length <= parts.Length; length++)
            {
                scopes.Add(string.Join('.', parts, start, length));
            }
        }

        return scopes;
    }
}
