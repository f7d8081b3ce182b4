using Kubetest.Tokens;

namespace Kubetest.Core.Tests.Tokens;

public sealed class DirectorySecretSourceTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-secrets-tests-").FullName;

    private string SecretsDir => Path.Combine(_root, "secrets");

    public void Dispose() => FileTree.Delete(_root);

    [Fact]
    public async Task A_key_file_of_a_secret_directory_is_read_as_it_is()
    {
        Write("secrets/gh/token", "ghp_value\n");

        var value = await new DirectorySecretSource(SecretsDir).GetAsync("gh", "token", CancellationToken.None);

        Assert.Equal("ghp_value\n", value);
    }

    [Fact]
    public async Task A_mounted_secret_with_its_data_links_inside_the_directory_is_read()
    {
        // What the kubelet writes for a Secret volume: key → ..data/key, ..data → ..<timestamp>.
        Write("secrets/github-app/..2026_11_25/private-key", "the key");
        Directory.CreateSymbolicLink(Path.Combine(SecretsDir, "github-app/..data"), "..2026_11_25");
        File.CreateSymbolicLink(Path.Combine(SecretsDir, "github-app/private-key"), "..data/private-key");

        var value = await new DirectorySecretSource(SecretsDir).GetAsync("github-app", "private-key", CancellationToken.None);

        Assert.Equal("the key", value);
    }

    [Fact]
    public async Task A_missing_secret_names_the_secret_the_key_and_the_directory_it_looked_for()
    {
        Directory.CreateDirectory(SecretsDir);

        var e = await Assert.ThrowsAsync<UserInputException>(() => new DirectorySecretSource(SecretsDir).GetAsync("gh", "token", CancellationToken.None));

        Assert.Equal($"secret \"gh\" key \"token\": no directory {SecretsDir}/gh", e.Message);
    }

    [Fact]
    public async Task A_missing_key_names_the_file_it_looked_for()
    {
        Write("secrets/gh/other", "s3cr3t-other-value");

        var e = await Assert.ThrowsAsync<UserInputException>(() => new DirectorySecretSource(SecretsDir).GetAsync("gh", "token", CancellationToken.None));

        Assert.Equal($"secret \"gh\" key \"token\": no file {SecretsDir}/gh/token", e.Message);
        TokenTestSupport.AssertNoSecrets(e, "s3cr3t-other-value");
    }

    [Theory]
    [InlineData("..", "token")]
    [InlineData("gh", "..")]
    [InlineData("gh/../..", "token")]
    [InlineData("gh", "../../outside")]
    [InlineData("/etc", "passwd")]
    [InlineData("gh", "to\0ken")]
    [InlineData("", "token")]
    [InlineData(".", "token")]
    public async Task A_name_or_key_that_could_leave_the_directory_is_refused_before_any_file_is_touched(string name, string key)
    {
        Write("outside", "s3cr3t-outside");
        Write("secrets/gh/token", "s3cr3t-token");

        var e = await Assert.ThrowsAsync<UserInputException>(() => new DirectorySecretSource(SecretsDir).GetAsync(name, key, CancellationToken.None));

        Assert.Contains("must be one path component", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\0", e.Message, StringComparison.Ordinal);
        TokenTestSupport.AssertNoSecrets(e, "s3cr3t-outside", "s3cr3t-token");
    }

    [Fact]
    public async Task A_key_that_links_to_a_file_outside_the_directory_is_refused()
    {
        var outside = Write("outside", "s3cr3t-outside");
        Directory.CreateDirectory(Path.Combine(SecretsDir, "gh"));
        File.CreateSymbolicLink(Path.Combine(SecretsDir, "gh/token"), outside);

        var e = await Assert.ThrowsAsync<UserInputException>(() => new DirectorySecretSource(SecretsDir).GetAsync("gh", "token", CancellationToken.None));

        Assert.Contains("leads out of", e.Message, StringComparison.Ordinal);
        TokenTestSupport.AssertNoSecrets(e, "s3cr3t-outside");
    }

    [Fact]
    public async Task A_secret_directory_that_links_outside_is_refused_even_through_a_chain_of_relative_links()
    {
        Write("elsewhere/token", "s3cr3t-elsewhere");
        Directory.CreateDirectory(SecretsDir);
        Directory.CreateSymbolicLink(Path.Combine(SecretsDir, "hop"), "../elsewhere");
        Directory.CreateSymbolicLink(Path.Combine(SecretsDir, "gh"), "hop");

        var e = await Assert.ThrowsAsync<UserInputException>(() => new DirectorySecretSource(SecretsDir).GetAsync("gh", "token", CancellationToken.None));

        Assert.Contains("leads out of", e.Message, StringComparison.Ordinal);
        TokenTestSupport.AssertNoSecrets(e, "s3cr3t-elsewhere");
    }

    [Fact]
    public async Task A_secrets_directory_given_through_a_link_is_still_its_own_inside()
    {
        Write("real/gh/token", "value");
        Directory.CreateSymbolicLink(SecretsDir, Path.Combine(_root, "real"));

        var value = await new DirectorySecretSource(SecretsDir).GetAsync("gh", "token", CancellationToken.None);

        Assert.Equal("value", value);
    }

    private string Write(string relative, string content)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }
}
