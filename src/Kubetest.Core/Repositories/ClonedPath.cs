namespace Kubetest.Repositories;

/// <summary>A repository's <c>clonedPath</c>: a checkout made earlier (reused as it is), or where to make one.</summary>
internal static class ClonedPath
{
    /// <summary>
    /// True when <paramref name="path"/> is a checkout of the repository already; false when it is
    /// missing or an empty directory (clone into it); a user error otherwise.
    /// </summary>
    public static async Task<bool> IsReusableAsync(CheckoutContext context, string path, CancellationToken cancellationToken)
    {
        var shown = Printable.Escape(path);
        if (File.Exists(path))
        {
            throw new UserInputException($"clonedPath {shown} is a file, not a directory: cannot check out {context.DisplayUrl} there");
        }

        if (!Directory.Exists(path) || !Directory.EnumerateFileSystemEntries(path).Any())
        {
            return false;
        }

        var config = Path.Combine(path, ".git", "config");
        if (!File.Exists(config))
        {
            throw new UserInputException(
                $"clonedPath {shown} exists but is not a git checkout (no .git directory in it): cannot check out {context.DisplayUrl} there; remove it or give an empty or missing directory");
        }

        // Read from the file itself: git's safe.directory check would refuse a checkout another user owns.
        var origin = await context.Git.RunAsync(null, ["config", "--file", config, "--get", "remote.origin.url"], cancellationToken).ConfigureAwait(false);
        var originUrl = origin.Output.Trim();
        if (!origin.Succeeded || !Same(originUrl, context.Url.Remote))
        {
            var actual = origin.Succeeded ? $"of {context.Mask(originUrl)}" : "without an origin remote";
            throw new UserInputException($"clonedPath {shown} is a git checkout {actual}, not of {context.DisplayUrl}");
        }

        return true;
    }

    private static bool Same(string left, string right) => Normalize(left) == Normalize(right);

    private static string Normalize(string url)
    {
        var remote = GitUrl.Parse(url).Remote.TrimEnd('/');
        return remote.EndsWith(".git", StringComparison.Ordinal) ? remote[..^4] : remote;
    }
}
