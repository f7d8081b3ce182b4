using Kubetest.Model;
using Kubetest.Repositories;
using Kubetest.Tokens;

namespace Kubetest.Engine;

/// <summary>The checkout step: tokens resolved and repositories checked out once, before any pod.</summary>
public sealed partial class TestJobEngine
{
    /// <summary>One client for every run's GitHub App calls (a client per call would leave sockets behind).</summary>
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };
    /// <summary>
    /// Resolves every token (its value joins the run's mask before anything can print it) and writes
    /// it to a file of mode 0400 for <c>token</c> volumes, then checks out every repository (with
    /// its token, if it names one). Any failure is the user's to fix: <see cref="UserInputException"/>.
    /// </summary>
    private async Task<bool> CheckoutAsync(CheckoutStep step, RunContext run)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("tokens and repositories need a Unix file system (a token file of mode 0400)");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (step.Tokens.Count > 0)
        {
            var resolver = new TokenResolver(secrets ?? new NoSecrets(), run.Options.GitHubApiUrl ?? new Uri(TokenResolver.DefaultGitHubApiUrl), Http, time);
            var directory = Directory.CreateDirectory(Path.Combine(run.Workspace.Root, "tokens"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
            foreach (var token in step.Tokens)
            {
                var value = await resolver.ResolveAsync(token, run.Cancellation).ConfigureAwait(false);
                run.Mask.Add(value);
                values[token.Name] = value;
                var file = Path.Combine(directory, token.Name);
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
                await using (var stream = new FileStream(file, options))
                {
                    await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(value), run.Cancellation).ConfigureAwait(false);
                }

                File.SetUnixFileMode(file, UnixFileMode.UserRead);
                run.TokenFiles[token.Name] = file;
            }
        }

        foreach (var repo in step.Repos)
        {
            run.Events.On(new LogEvent(LogLevel.Info, $"clone repository: {GitUrl.Display(repo.Value.Url)}"));
            var token = repo.Value.Token is { } name ? values[name] : null;
            var target = Path.Combine(run.Workspace.Root, "repos", repo.Name);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var repository = repo.Value;
            if (repository.ClonedPath is { } cloned && run.Options.IgnoreHostPathsBecause is { } reason)
            {
                run.Events.On(new LogEvent(LogLevel.Warn, $"spec.repos[{Printable.Escape(repo.Name)}].value.clonedPath {Printable.Escape(cloned)} not used (cloned into the run's directory): {reason}"));
                repository = repository with { ClonedPath = null };
            }

            run.Repositories[repo.Name] = await GitCheckout.CheckoutAsync(repository, token, target, run.Options.CloneTimeout ?? GitCheckout.DefaultCloneTimeout, run.Cancellation).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Where secrets come from when the caller gave no source (e.g. a test): nowhere.</summary>
    private sealed class NoSecrets : ISecretSource
    {
        public Task<string> GetAsync(string name, string key, CancellationToken cancellationToken) =>
            throw new UserInputException($"secret {name} (key {key}): this run has no source of secrets");
    }
}
