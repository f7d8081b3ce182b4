namespace Kubetest.Repositories;

/// <summary>
/// Checks out a manifest's repository once, on the machine kubetest runs on, with the <c>git</c>
/// CLI: shallow and single-branch unless a merge needs history. The checkout keeps its <c>.git</c>
/// (tests in pods call git), never a credential.
/// </summary>
public static class GitCheckout
{
    /// <summary>
    /// The longest one git command of a checkout (<c>ls-remote</c>, <c>clone</c>, each <c>fetch</c>)
    /// may take unless <c>--clone-timeout</c> says otherwise: a shallow clone of a large repository
    /// takes a minute or two; a server that does not answer must not hold the run for long.
    /// </summary>
    public static readonly TimeSpan DefaultCloneTimeout = TimeSpan.FromMinutes(5);

    /// <inheritdoc cref="CheckoutAsync(Repository, string?, string, TimeSpan, CancellationToken)"/>
    public static Task<string> CheckoutAsync(Repository repository, string? token, string directory, CancellationToken cancellationToken) =>
        CheckoutAsync(repository, token, directory, DefaultCloneTimeout, cancellationToken);

    /// <summary>
    /// Checks out <paramref name="repository"/> and returns the checkout's directory. With
    /// ClonedPath: reuses it when it is a git checkout already, else clones into it. Otherwise
    /// clones into <paramref name="directory"/> (which must not exist yet; its parent exists).
    /// Each git command may take <paramref name="timeout"/> at most.
    /// </summary>
    public static async Task<string> CheckoutAsync(Repository repository, string? token, string directory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        // The manifest's validation refuses these first; this guards every other caller.
        if (RepositoryUrl.Refusal(repository.Url) is { } refusal)
        {
            throw new UserInputException($"repository \"{RepositoryUrl.Display(repository.Url)}\" (url): {refusal}");
        }

        var url = GitUrl.Parse(repository.Url);
        using var git = new GitSession(url, token, timeout);
        var context = new CheckoutContext(repository, url, git);
        context.RefuseOptionLikeValues();
        var target = repository.ClonedPath is { } clonedPath ? Path.GetFullPath(clonedPath) : Path.GetFullPath(directory);
        if (repository.ClonedPath is not null)
        {
            if (await ClonedPath.IsReusableAsync(context, target, cancellationToken).ConfigureAwait(false))
            {
                return target;
            }
        }
        else if (Directory.Exists(target) || File.Exists(target))
        {
            throw new ArgumentException($"the checkout directory {target} exists already", nameof(directory));
        }

        var created = !Directory.Exists(target);
        try
        {
            var refs = await RemoteRefs.ListAsync(context, cancellationToken).ConfigureAwait(false);
            await CloneAsync(context, target, cancellationToken).ConfigureAwait(false);
            if (repository.MergeBase is { } mergeBase)
            {
                await MergeAsync(context, target, mergeBase, repository.Branch ?? ShortRev(repository.Rev) ?? refs.DefaultBranch ?? "HEAD", cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            RemoveCheckout(target, created);
            throw;
        }

        return target;
    }

    private static async Task CloneAsync(CheckoutContext context, string target, CancellationToken cancellationToken)
    {
        var repository = context.Repository;
        if (repository.Rev is { } rev)
        {
            await FetchRevisionAsync(context, target, rev, cancellationToken).ConfigureAwait(false);
            return;
        }

        // --no-local: a plain path would otherwise be copied whole and --depth ignored.
        List<string> arguments = ["clone", "--quiet", "--no-local", "--depth", "1", "--single-branch"];
        if (repository.Branch is { } branch)
        {
            arguments.AddRange(["--branch", branch]);
        }

        arguments.AddRange(["--", context.Url.Remote, target]);
        var result = await context.Git.RunAsync(null, arguments, cancellationToken).ConfigureAwait(false);
        context.ThrowIfFailed(result, "cloning failed");
    }

    private static async Task FetchRevisionAsync(CheckoutContext context, string target, string rev, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(target);
        var git = context.Git;
        context.ThrowIfFailed(await git.RunAsync(target, ["init", "--quiet"], cancellationToken).ConfigureAwait(false), "git init failed");
        context.ThrowIfFailed(await git.RunAsync(target, ["remote", "add", "--", "origin", context.Url.Remote], cancellationToken).ConfigureAwait(false), "adding the remote failed");
        var fetched = await git.RunAsync(target, ["fetch", "--quiet", "--depth", "1", "--", "origin", rev], cancellationToken).ConfigureAwait(false);
        var checkout = "FETCH_HEAD";
        if (!fetched.Succeeded)
        {
            // Servers may refuse a bare sha that no ref points at (and a short sha is no ref): fetch all, then look it up.
            var all = await git.RunAsync(target, ["fetch", "--quiet", "--tags", "--", "origin"], cancellationToken).ConfigureAwait(false);
            context.ThrowIfFailed(all, $"fetching revision \"{Printable.Escape(rev)}\" failed");
            var resolved = await git.RunAsync(target, ["rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"], cancellationToken).ConfigureAwait(false);
            if (!resolved.Succeeded)
            {
                throw new UserInputException($"repository {context.DisplayUrl} has no revision \"{Printable.Escape(rev)}\" (rev)");
            }

            checkout = resolved.Output.Trim();
        }

        context.ThrowIfFailed(await git.RunAsync(target, ["checkout", "--quiet", "--detach", checkout], cancellationToken).ConfigureAwait(false), $"checking out revision \"{Printable.Escape(rev)}\" failed");
    }

    private static async Task MergeAsync(CheckoutContext context, string target, string mergeBase, string into, CancellationToken cancellationToken)
    {
        var git = context.Git;
        var baseRef = $"refs/remotes/origin/{mergeBase}";
        var fetchBase = $"+refs/heads/{mergeBase}:{baseRef}";
        var failed = $"fetching base branch \"{Printable.Escape(mergeBase)}\" (merge.base) failed";
        if (!await IsShallowAsync(git, target, cancellationToken).ConfigureAwait(false))
        {
            context.ThrowIfFailed(await git.RunAsync(target, ["fetch", "--quiet", "--", "origin", fetchBase], cancellationToken).ConfigureAwait(false), failed);
        }
        else
        {
            await FetchToCommonAncestorAsync(context, target, fetchBase, baseRef, failed, cancellationToken).ConfigureAwait(false);
        }

        var merged = await git.RunAsync(
            target,
            ["-c", "user.name=kubetest", "-c", "user.email=kubetest@localhost", "-c", "commit.gpgSign=false", "merge", "--quiet", "--no-edit", $"origin/{mergeBase}"],
            cancellationToken).ConfigureAwait(false);
        if (merged.Succeeded)
        {
            return;
        }

        var unmerged = await git.RunAsync(target, ["diff", "--name-only", "--diff-filter=U", "-z"], cancellationToken).ConfigureAwait(false);
        var files = unmerged.Output.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        if (files.Length == 0)
        {
            context.ThrowIfFailed(merged, $"merging base branch \"{Printable.Escape(mergeBase)}\" into \"{Printable.Escape(into)}\" failed");
        }

        await git.RunAsync(target, ["merge", "--abort"], cancellationToken).ConfigureAwait(false);
        throw new UserInputException(
            $"repository {context.DisplayUrl}: merging base branch \"{Printable.Escape(mergeBase)}\" into \"{Printable.Escape(into)}\" conflicts in: {string.Join(", ", files.Select(Printable.Escape))}");
    }

    /// <summary>
    /// Fetches both histories back to their common ancestor and not much further: deeper and
    /// deeper (16, 32, 64, … commits) until git finds one, then everything since a day before that
    /// ancestor's commit time, because a truncated history can hide a newer common ancestor (one
    /// reached by a longer path), and a newer ancestor is not older than the one found (commit times
    /// only rarely run backwards by more than a day). A history with none fetches everything, and
    /// the merge then says the histories are unrelated.
    /// </summary>
    private static async Task FetchToCommonAncestorAsync(CheckoutContext context, string target, string fetchBase, string baseRef, string failed, CancellationToken cancellationToken)
    {
        var git = context.Git;
        var head = (await git.RunAsync(target, ["rev-parse", "HEAD"], cancellationToken).ConfigureAwait(false)).Output.Trim();
        context.ThrowIfFailed(await git.RunAsync(target, ["fetch", "--quiet", "--depth", "1", "--", "origin", head, fetchBase], cancellationToken).ConfigureAwait(false), failed);
        for (var depth = 16; ; depth *= 2)
        {
            var ancestor = await git.RunAsync(target, ["merge-base", "HEAD", baseRef], cancellationToken).ConfigureAwait(false);
            if (ancestor.Succeeded)
            {
                var committed = await git.RunAsync(target, ["log", "-1", "--format=%ct", ancestor.Output.Trim()], cancellationToken).ConfigureAwait(false);
                if (long.TryParse(committed.Output.Trim(), System.Globalization.CultureInfo.InvariantCulture, out var seconds)
                    && await IsShallowAsync(git, target, cancellationToken).ConfigureAwait(false))
                {
                    var since = (seconds - 86_400).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    context.ThrowIfFailed(await git.RunAsync(target, ["fetch", "--quiet", $"--shallow-since={since}", "--", "origin", head, fetchBase], cancellationToken).ConfigureAwait(false), failed);
                }

                return;
            }

            if (!await IsShallowAsync(git, target, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            // --deepen past a few thousand commits is slower than taking the rest at once.
            List<string> deeper = depth > 4096 ? ["fetch", "--quiet", "--unshallow"] : ["fetch", "--quiet", $"--deepen={depth}"];
            context.ThrowIfFailed(await git.RunAsync(target, [.. deeper, "--", "origin", head, fetchBase], cancellationToken).ConfigureAwait(false), failed);
        }
    }

    private static async Task<bool> IsShallowAsync(GitSession git, string target, CancellationToken cancellationToken) =>
        (await git.RunAsync(target, ["rev-parse", "--is-shallow-repository"], cancellationToken).ConfigureAwait(false)).Output.Trim() == "true";

    private static string? ShortRev(string? rev) => rev is { Length: > 12 } ? rev[..12] : rev;

    private static void RemoveCheckout(string target, bool created)
    {
        if (!Directory.Exists(target))
        {
            return;
        }

        if (created)
        {
            Directory.Delete(target, recursive: true);
            return;
        }

        // An empty clonedPath the user made: only what the failed clone put there goes.
        foreach (var entry in new DirectoryInfo(target).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo { LinkTarget: null } subdirectory)
            {
                subdirectory.Delete(recursive: true);
            }
            else
            {
                entry.Delete();
            }
        }
    }
}
