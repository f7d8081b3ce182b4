using System.Text;
using Kubetest.Emulator;
using Kubetest.Emulator.Git;
using Kubetest.Model;
using Kubetest.Repositories;
using static Kubetest.Core.Tests.Repositories.GitServerFixture;

namespace Kubetest.Core.Tests.Repositories;

/// <summary>Checking out with the git CLI over file:// and smart HTTP with a token: what is checked out, how mistakes read, where the token never goes.</summary>
public sealed class GitCheckoutTests(GitServerFixture fixture) : IClassFixture<GitServerFixture>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-checkout-tests-").FullName;

    public void Dispose() => FileTree.Delete(_root);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_branch_is_checked_out_shallow_at_its_tip(bool http)
    {
        var checkout = await CheckoutAsync(Repo(http, branch: GitFixtures.FeatureBranch), http ? fixture.Token : null);

        Assert.Equal(fixture.Repository.FeatureHead, Git(checkout, "rev-parse", "HEAD"));
        Assert.Equal("true", Git(checkout, "rev-parse", "--is-shallow-repository"));
        Assert.True(File.Exists(Path.Combine(checkout, GitFixtures.FeatureFile)));
        Assert.True(Directory.Exists(Path.Combine(checkout, ".git")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_rev_that_no_branch_points_at_is_checked_out_detached(bool http)
    {
        var checkout = await CheckoutAsync(Repo(http, rev: fixture.Repository.InitialCommit), http ? fixture.Token : null);

        Assert.Equal(fixture.Repository.InitialCommit, Git(checkout, "rev-parse", "HEAD"));
        Assert.Equal("HEAD", Git(checkout, "rev-parse", "--abbrev-ref", "HEAD"));
        Assert.False(File.Exists(Path.Combine(checkout, GitFixtures.MainOnlyFile)));
    }

    [Fact]
    public async Task A_short_rev_is_found_with_a_full_fetch()
    {
        var checkout = await CheckoutAsync(Repo(http: false, rev: fixture.Repository.InitialCommit[..10]), null);

        Assert.Equal(fixture.Repository.InitialCommit, Git(checkout, "rev-parse", "HEAD"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Without_branch_or_rev_the_default_branch_is_checked_out_shallow(bool http)
    {
        var checkout = await CheckoutAsync(Repo(http), http ? fixture.Token : null);

        Assert.Equal(fixture.Repository.MainHead, Git(checkout, "rev-parse", "HEAD"));
        Assert.Equal("true", Git(checkout, "rev-parse", "--is-shallow-repository"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_merge_base_is_merged_into_the_branch(bool http)
    {
        var checkout = await CheckoutAsync(Repo(http, branch: GitFixtures.FeatureBranch, mergeBase: GitFixtures.MainBranch), http ? fixture.Token : null);

        Assert.Equal(fixture.Repository.FeatureHead, Git(checkout, "rev-parse", "HEAD^1"));
        Assert.Equal(fixture.Repository.MainHead, Git(checkout, "rev-parse", "HEAD^2"));
        Assert.True(File.Exists(Path.Combine(checkout, GitFixtures.FeatureFile)));
        Assert.Equal("main\n", File.ReadAllText(Path.Combine(checkout, GitFixtures.MainOnlyFile)));
        Assert.Equal("line 1\nmain\nline 3\n", File.ReadAllText(Path.Combine(checkout, GitFixtures.ConflictingFile)));
        Assert.Equal("kubetest", Git(checkout, "log", "-1", "--format=%an"));
    }

    [Theory]
    [InlineData(40, 3)]
    [InlineData(10, 40)]
    public async Task A_merge_fetches_history_back_to_the_common_ancestor_not_all_of_it(int shared, int own)
    {
        var bare = Path.Combine(_root, "long.git");
        var parted = GitFixtures.CreateLongHistoryRepository(bare, shared, own);

        var checkout = await CheckoutAsync(new Repository("file://" + bare, "topic", null, null, GitFixtures.MainBranch, null), null);

        Assert.Equal(parted, Git(checkout, "merge-base", "HEAD^1", "HEAD^2"));
        Assert.True(File.Exists(Path.Combine(checkout, $"topic-{own - 1}.txt")));
        Assert.True(File.Exists(Path.Combine(checkout, $"main-{own - 1}.txt")));
        Assert.Equal("true", Git(checkout, "rev-parse", "--is-shallow-repository"));
        var fetched = int.Parse(Git(checkout, "rev-list", "--count", "HEAD"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(fetched < shared + (2 * own), $"{fetched} of {shared + (2 * own) + 1} commits fetched");
    }

    [Fact]
    public async Task A_merge_base_is_merged_into_a_rev()
    {
        var checkout = await CheckoutAsync(Repo(http: true, rev: fixture.Repository.FeatureHead, mergeBase: GitFixtures.MainBranch), fixture.Token);

        Assert.Equal(fixture.Repository.MainHead, Git(checkout, "rev-parse", "HEAD^2"));
        Assert.True(File.Exists(Path.Combine(checkout, GitFixtures.FeatureFile)));
    }

    [Fact]
    public async Task A_conflicting_merge_base_is_an_error_naming_both_branches_and_the_files()
    {
        var directory = NewDirectory();

        var error = await Assert.ThrowsAsync<UserInputException>(() =>
            GitCheckout.CheckoutAsync(Repo(http: true, branch: GitFixtures.ConflictingBranch, mergeBase: GitFixtures.MainBranch), fixture.Token, directory, CancellationToken.None));

        Assert.Contains("merging base branch \"main\" into \"conflicting\" conflicts in: shared.txt", error.Message, StringComparison.Ordinal);
        Assert.Contains(fixture.HttpUrl, error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public async Task A_missing_cloned_path_is_cloned_into()
    {
        var clonedPath = Path.Combine(_root, "cloned");

        var checkout = await CheckoutAsync(Repo(http: false, clonedPath: clonedPath), null);

        Assert.Equal(clonedPath, checkout);
        Assert.Equal(fixture.Repository.MainHead, Git(clonedPath, "rev-parse", "HEAD"));
    }

    [Fact]
    public async Task A_cloned_path_that_is_a_checkout_of_the_repository_is_reused_without_cloning_again()
    {
        var clonedPath = Path.Combine(_root, "cloned");
        var repository = Repo(http: true, clonedPath: clonedPath);
        await CheckoutAsync(repository, fixture.Token);
        var marker = Path.Combine(clonedPath, "marker.txt");
        File.WriteAllText(marker, "still here");
        var requests = fixture.Server.RequestCount;

        var again = await CheckoutAsync(repository, fixture.Token);

        Assert.Equal(clonedPath, again);
        Assert.Equal("still here", File.ReadAllText(marker));
        Assert.Equal(requests, fixture.Server.RequestCount);
    }

    [Fact]
    public async Task A_cloned_path_that_is_not_a_git_checkout_is_an_error()
    {
        var clonedPath = Path.Combine(_root, "cloned");
        Directory.CreateDirectory(clonedPath);
        File.WriteAllText(Path.Combine(clonedPath, "mine.txt"), "user data");

        var error = await Assert.ThrowsAsync<UserInputException>(() => CheckoutAsync(Repo(http: false, clonedPath: clonedPath), null));

        Assert.Contains("exists but is not a git checkout", error.Message, StringComparison.Ordinal);
        Assert.Equal("user data", File.ReadAllText(Path.Combine(clonedPath, "mine.txt")));
    }

    [Fact]
    public async Task A_cloned_path_that_is_a_checkout_of_another_repository_is_an_error()
    {
        var clonedPath = Path.Combine(_root, "cloned");
        await CheckoutAsync(Repo(http: false, clonedPath: clonedPath), null);

        var error = await Assert.ThrowsAsync<UserInputException>(() => CheckoutAsync(Repo(http: true, clonedPath: clonedPath), fixture.Token));

        Assert.Contains($"is a git checkout of {fixture.FileUrl}, not of {fixture.HttpUrl}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_token_is_an_authentication_error_that_does_not_show_it()
    {
        const string Wrong = "wrong-token-5f3c9a";
        var directory = NewDirectory();
        var refused = fixture.Server.UnauthorizedCount;

        var error = await Assert.ThrowsAsync<UserInputException>(() =>
            GitCheckout.CheckoutAsync(Repo(http: true), Wrong, directory, CancellationToken.None));

        Assert.Contains($"repository {fixture.HttpUrl}: authentication failed (the token was refused)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Wrong, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Token, error.Message, StringComparison.Ordinal);
        Assert.True(fixture.Server.UnauthorizedCount > refused);
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public async Task No_token_for_a_private_repository_is_an_authentication_error()
    {
        var error = await Assert.ThrowsAsync<UserInputException>(() => CheckoutAsync(Repo(http: true), null));

        Assert.Contains("authentication failed (no token was given)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_password_in_the_url_works_and_is_masked_and_never_stored()
    {
        var withPassword = fixture.HttpUrl.Replace("http://", $"http://{GitHttpServer.UserName}:{fixture.Token}@", StringComparison.Ordinal);

        var checkout = await CheckoutAsync(new Repository(withPassword, null, null, null, null, null), null);
        var wrong = withPassword.Replace(fixture.Token, "wrong-password-77", StringComparison.Ordinal);
        var error = await Assert.ThrowsAsync<UserInputException>(() => CheckoutAsync(new Repository(wrong, "nope", null, null, null, null), null));

        Assert.Equal(fixture.Repository.MainHead, Git(checkout, "rev-parse", "HEAD"));
        AssertNoFileContains(checkout, fixture.Token);
        Assert.Contains("authentication failed (the password in the URL was refused)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password-77", error.Message, StringComparison.Ordinal);
        Assert.Contains("http://***@127.0.0.1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:1/repo.git", "Failed to connect")]
    [InlineData("file:///nonexistent/kubetest/repo.git", "does not appear to be a git repository")]
    public async Task An_unreachable_repository_is_an_error_naming_its_url_and_gits_reason(string url, string reason)
    {
        var error = await Assert.ThrowsAsync<UserInputException>(() => CheckoutAsync(new Repository(url, null, null, null, null, null), null));

        Assert.StartsWith($"repository {url}: cannot be read (unreachable, or not a git repository); git: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_missing_branch_is_an_error_naming_it(bool http)
    {
        var error = await Assert.ThrowsAsync<UserInputException>(() => CheckoutAsync(Repo(http, branch: "no-such-branch"), http ? fixture.Token : null));

        Assert.Equal($"repository {(http ? fixture.HttpUrl : fixture.FileUrl)} has no branch \"no-such-branch\" (branch)", error.Message);
    }

    [Fact]
    public async Task A_missing_merge_base_is_an_error_naming_it()
    {
        var error = await Assert.ThrowsAsync<UserInputException>(() => CheckoutAsync(Repo(http: false, branch: GitFixtures.FeatureBranch, mergeBase: "gone"), null));

        Assert.Equal($"repository {fixture.FileUrl} has no branch \"gone\" (merge.base)", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_missing_rev_is_an_error_naming_it(bool http)
    {
        const string Missing = "0123456789abcdef0123456789abcdef01234567";
        var directory = NewDirectory();

        var error = await Assert.ThrowsAsync<UserInputException>(() =>
            GitCheckout.CheckoutAsync(Repo(http, rev: Missing), http ? fixture.Token : null, directory, CancellationToken.None));

        Assert.Equal($"repository {(http ? fixture.HttpUrl : fixture.FileUrl)} has no revision \"{Missing}\" (rev)", error.Message);
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public async Task A_branch_that_looks_like_an_option_is_refused_before_git_sees_it()
    {
        var error = await Assert.ThrowsAsync<UserInputException>(() => CheckoutAsync(Repo(http: false, branch: "--upload-pack=touch /tmp/x"), null));

        Assert.Contains("branch \"--upload-pack=touch /tmp/x\" is not valid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_is_in_no_file_of_the_checkout_not_even_git_config()
    {
        var checkout = await CheckoutAsync(Repo(http: true, branch: GitFixtures.FeatureBranch, mergeBase: GitFixtures.MainBranch), fixture.Token);

        Assert.Equal(fixture.HttpUrl, Git(checkout, "config", "--get", "remote.origin.url"));
        AssertNoFileContains(checkout, fixture.Token);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task While_git_runs_no_process_has_the_token_on_its_command_line_and_the_askpass_script_is_private_and_removed()
    {
        fixture.Server.RequestDelay = TimeSpan.FromMilliseconds(150);
        try
        {
            var before = AskPassDirectories();
            var directory = NewDirectory();
            var checkout = GitCheckout.CheckoutAsync(Repo(http: true, branch: GitFixtures.FeatureBranch, mergeBase: GitFixtures.MainBranch), fixture.Token, directory, CancellationToken.None);
            var sawGit = false;
            var askPassChecked = false;
            var leaks = new List<string>();
            while (!checkout.IsCompleted)
            {
                foreach (var commandLine in ProcessTable.CommandLines())
                {
                    sawGit |= commandLine.Contains("git", StringComparison.Ordinal) && commandLine.Contains(fixture.Server.BaseUri.Authority, StringComparison.Ordinal);
                    if (commandLine.Contains(fixture.Token, StringComparison.Ordinal))
                    {
                        leaks.Add(commandLine);
                    }
                }

                foreach (var askPass in AskPassDirectories().Except(before))
                {
                    try
                    {
                        var script = Path.Combine(askPass, "askpass");
                        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(askPass));
                        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(script));
                        Assert.DoesNotContain(fixture.Token, File.ReadAllText(script), StringComparison.Ordinal);
                        askPassChecked = true;
                    }
                    catch (IOException)
                    {
                        // Removed between listing and reading: the checkout has just finished.
                    }
                }

                await Task.Delay(5);
            }

            await checkout;
            Assert.True(sawGit, "the poll never saw git talking to the server");
            Assert.True(askPassChecked, "the poll never saw the askpass script");
            Assert.Empty(leaks);
            Assert.Empty(AskPassDirectories().Except(before));
        }
        finally
        {
            fixture.Server.RequestDelay = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task Cancellation_kills_git_and_removes_the_partial_checkout()
    {
        fixture.Server.RequestDelay = TimeSpan.FromSeconds(2);
        try
        {
            var directory = NewDirectory();
            using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                GitCheckout.CheckoutAsync(Repo(http: true), fixture.Token, directory, cancellation.Token));

            Assert.False(Directory.Exists(directory));
            Assert.DoesNotContain(ProcessTable.CommandLines(), line => line.Contains(fixture.Server.BaseUri.Authority, StringComparison.Ordinal));
        }
        finally
        {
            fixture.Server.RequestDelay = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task A_git_command_past_the_time_limit_is_killed_and_fails_naming_the_url_and_the_limit()
    {
        fixture.Server.RequestDelay = TimeSpan.FromMinutes(2);
        try
        {
            var directory = NewDirectory();

            var error = await Assert.ThrowsAsync<UserInputException>(() =>
                GitCheckout.CheckoutAsync(Repo(http: true), fixture.Token, directory, TimeSpan.FromSeconds(1), CancellationToken.None));

            Assert.Equal(
                $"repository {fixture.HttpUrl}: git ls-remote did not finish within 1s (--clone-timeout), so it was stopped: the server does not answer, or the transfer needs a longer --clone-timeout",
                error.Message);
            Assert.False(Directory.Exists(directory));
            Assert.DoesNotContain(ProcessTable.CommandLines(), line => line.Contains(fixture.Server.BaseUri.Authority, StringComparison.Ordinal));
        }
        finally
        {
            fixture.Server.RequestDelay = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task A_remote_helper_url_is_refused_before_git_runs()
    {
        var marker = Path.Combine(_root, "marker");

        var error = await Assert.ThrowsAsync<UserInputException>(() =>
            CheckoutAsync(new Repository($"ext::sh -c touch% {marker}", null, null, null, null, null), null));

        Assert.StartsWith("repository \"ext::sh -c touch% ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(url): git's ext:: transport (a remote helper) is not allowed; use https://, http://, ssh://, git://, file://, user@host:path or a local path", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Symlinks_and_executable_modes_survive_the_checkout()
    {
        var checkout = await CheckoutAsync(Repo(http: true), fixture.Token);

        Assert.Equal(GitFixtures.Readme, new FileInfo(Path.Combine(checkout, GitFixtures.Symlink)).LinkTarget);
        Assert.True(File.GetUnixFileMode(Path.Combine(checkout, GitFixtures.Script)).HasFlag(UnixFileMode.UserExecute));
        Assert.False(File.GetUnixFileMode(Path.Combine(checkout, GitFixtures.Readme)).HasFlag(UnixFileMode.UserExecute));
        Assert.Equal("nested\n", File.ReadAllText(Path.Combine(checkout, GitFixtures.NestedFile)));
    }

    private Repository Repo(bool http, string? branch = null, string? rev = null, string? mergeBase = null, string? clonedPath = null) =>
        new(http ? fixture.HttpUrl : fixture.FileUrl, branch, rev, null, mergeBase, clonedPath);

    private Task<string> CheckoutAsync(Repository repository, string? token) =>
        GitCheckout.CheckoutAsync(repository, token, NewDirectory(), CancellationToken.None);

    private string NewDirectory() => Path.Combine(_root, Guid.NewGuid().ToString("N"));

    private static void AssertNoFileContains(string directory, string secret)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        foreach (var file in Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            if (new FileInfo(file).LinkTarget is null)
            {
                Assert.False(File.ReadAllBytes(file).AsSpan().IndexOf(bytes) >= 0, $"{file} contains the secret");
            }
        }
    }

    private static HashSet<string> AskPassDirectories() =>
        [.. Directory.EnumerateDirectories(Path.GetTempPath(), "kubetest-askpass-*")];
}
