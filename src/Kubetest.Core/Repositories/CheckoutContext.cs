namespace Kubetest.Repositories;

/// <summary>One checkout's repository, its URL and git session, and how its failures read.</summary>
internal sealed class CheckoutContext(Repository repository, GitUrl url, GitSession git)
{
    private const int TailLines = 3;

    public Repository Repository { get; } = repository;

    public GitUrl Url { get; } = url;

    public GitSession Git { get; } = git;

    /// <summary>The repository URL as messages show it: user info masked, escaped.</summary>
    public string DisplayUrl { get; } = GitUrl.Display(repository.Url);

    /// <summary>
    /// Values git would read as options (<c>--upload-pack=…</c>) are refused before git sees them;
    /// they are never a real URL, branch or revision.
    /// </summary>
    public void RefuseOptionLikeValues()
    {
        foreach (var (field, value) in new[] { ("url", Repository.Url), ("branch", Repository.Branch), ("rev", Repository.Rev), ("merge.base", Repository.MergeBase) })
        {
            if (value is not null && (value.Length == 0 || value[0] == '-'))
            {
                throw new UserInputException($"repository {DisplayUrl}: {field} \"{Mask(value)}\" is not valid: it is empty or starts with '-'");
            }
        }
    }

    /// <summary>Throws a one-line <see cref="UserInputException"/> with the tail of git's stderr unless <paramref name="result"/> succeeded.</summary>
    public void ThrowIfFailed(GitResult result, string what)
    {
        if (result.Succeeded)
        {
            return;
        }

        var problem = IsAuthenticationFailure(result.Error)
            ? Git.Credentials is { } credentials ? $"authentication failed ({credentials} was refused)" : "authentication failed (no token was given)"
            : what;
        throw new UserInputException($"repository {DisplayUrl}: {problem}; git: {Mask(Tail(result.Error))}");
    }

    public string Mask(string text) => GitUrl.Mask(text, Git.Secrets);

    // git reports a refused or missing credential only in words: these are its messages (LC_ALL=C).
    private static bool IsAuthenticationFailure(string error) =>
        error.Contains("Authentication failed", StringComparison.Ordinal)
        || error.Contains("could not read Username", StringComparison.Ordinal)
        || error.Contains("could not read Password", StringComparison.Ordinal)
        || error.Contains("The requested URL returned error: 401", StringComparison.Ordinal)
        || error.Contains("The requested URL returned error: 403", StringComparison.Ordinal);

    /// <summary>git's own error lines when it printed some (hints after them add nothing), else its last lines.</summary>
    private static string Tail(string error)
    {
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var errors = lines.Where(line => line.StartsWith("fatal:", StringComparison.Ordinal) || line.StartsWith("error:", StringComparison.Ordinal)).ToArray();
        var shown = (errors.Length > 0 ? errors : lines).TakeLast(TailLines).ToArray();
        return shown.Length == 0 ? "(no message)" : string.Join(" | ", shown);
    }
}
