namespace Kubetest.Repositories;

/// <summary>
/// What the remote has, asked once before cloning (<c>git ls-remote</c>): that it can be read at
/// all, its default branch, and whether the branch and merge base exist, so that each of those
/// mistakes gets its own message instead of one of git's.
/// </summary>
internal sealed record RemoteRefs(string? DefaultBranch, IReadOnlySet<string> Refs)
{
    private const string Heads = "refs/heads/";

    public static async Task<RemoteRefs> ListAsync(CheckoutContext context, CancellationToken cancellationToken)
    {
        var repository = context.Repository;
        List<string> arguments = ["ls-remote", "--symref", "--", context.Url.Remote, "HEAD"];
        foreach (var branch in new[] { repository.Branch, repository.MergeBase })
        {
            if (branch is not null)
            {
                arguments.Add(Heads + branch);
            }
        }

        var result = await context.Git.RunAsync(null, arguments, cancellationToken).ConfigureAwait(false);
        context.ThrowIfFailed(result, "cannot be read (unreachable, or not a git repository)");
        var refs = Parse(result.Output);
        Require(context, refs, repository.Branch, "branch");
        Require(context, refs, repository.MergeBase, "merge.base");
        if (repository.Branch is null && repository.Rev is null && !refs.Refs.Contains("HEAD"))
        {
            throw new UserInputException($"repository {context.DisplayUrl} has no default branch (it may be empty); set branch or rev");
        }

        return refs;
    }

    private static RemoteRefs Parse(string output)
    {
        string? defaultBranch = null;
        var refs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split('\t');
            if (fields.Length != 2)
            {
                continue;
            }

            if (fields[0].StartsWith("ref: " + Heads, StringComparison.Ordinal) && fields[1] == "HEAD")
            {
                defaultBranch = fields[0][("ref: " + Heads).Length..];
            }
            else
            {
                refs.Add(fields[1]);
            }
        }

        return new RemoteRefs(defaultBranch, refs);
    }

    private static void Require(CheckoutContext context, RemoteRefs refs, string? branch, string field)
    {
        if (branch is not null && !refs.Refs.Contains(Heads + branch))
        {
            throw new UserInputException($"repository {context.DisplayUrl} has no branch \"{context.Mask(branch)}\" ({field})");
        }
    }
}
