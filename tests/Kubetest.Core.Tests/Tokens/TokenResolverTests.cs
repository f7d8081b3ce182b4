using Kubetest.Model;
using Kubetest.Tokens;

namespace Kubetest.Core.Tests.Tokens;

/// <summary>The sources that need no GitHub: a secret's value and a file.</summary>
public sealed class TokenResolverTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-token-tests-").FullName;
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _http.Dispose();
        FileTree.Delete(_root);
    }

    [Fact]
    public async Task A_github_token_is_the_secret_s_value_trimmed()
    {
        var resolver = Resolver(TokenTestSupport.Secrets(("gh", "token", "  ghp_abc123\n")));

        var value = await resolver.ResolveAsync(Token(new TokenSource(null, new SecretKeySelector("gh", "token"), null)), CancellationToken.None);

        Assert.Equal("ghp_abc123", value);
    }

    [Fact]
    public async Task A_github_token_whose_secret_is_missing_names_the_secret_and_key()
    {
        var resolver = Resolver(TokenTestSupport.Secrets(("gh", "other", "s3cr3t-other")));

        var e = await Assert.ThrowsAsync<UserInputException>(() => resolver.ResolveAsync(Token(new TokenSource(null, new SecretKeySelector("gh", "token"), null)), CancellationToken.None));

        Assert.Contains("secret \"gh\" key \"token\"", e.Message, StringComparison.Ordinal);
        TokenTestSupport.AssertNoSecrets(e, "s3cr3t-other");
    }

    [Fact]
    public async Task A_github_token_secret_of_only_whitespace_is_refused_as_empty()
    {
        var resolver = Resolver(TokenTestSupport.Secrets(("gh", "token", " \n")));

        var e = await Assert.ThrowsAsync<UserInputException>(() => resolver.ResolveAsync(Token(new TokenSource(null, new SecretKeySelector("gh", "token"), null)), CancellationToken.None));

        Assert.Equal("spec.tokens[t].value.githubToken: secret \"gh\" key \"token\" is empty", e.Message);
    }

    [Fact]
    public async Task A_file_path_token_is_the_file_s_content_trimmed()
    {
        var path = Path.Combine(_root, "token.txt");
        await File.WriteAllTextAsync(path, "\tfile-token-value\r\n");

        var value = await Resolver(TokenTestSupport.Secrets()).ResolveAsync(Token(new TokenSource(null, null, path)), CancellationToken.None);

        Assert.Equal("file-token-value", value);
    }

    [Fact]
    public async Task A_missing_token_file_is_named_with_its_field()
    {
        var path = Path.Combine(_root, "absent.txt");

        var e = await Assert.ThrowsAsync<UserInputException>(() => Resolver(TokenTestSupport.Secrets()).ResolveAsync(Token(new TokenSource(null, null, path)), CancellationToken.None));

        Assert.StartsWith($"spec.tokens[t].value.filePath: cannot read {path}: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_with_no_source_or_two_sources_is_refused()
    {
        var resolver = Resolver(TokenTestSupport.Secrets(("gh", "token", "s3cr3t-token")));
        var both = new TokenSource(null, new SecretKeySelector("gh", "token"), Path.Combine(_root, "x"));

        var none = await Assert.ThrowsAsync<UserInputException>(() => resolver.ResolveAsync(Token(new TokenSource(null, null, null)), CancellationToken.None));
        var two = await Assert.ThrowsAsync<UserInputException>(() => resolver.ResolveAsync(Token(both), CancellationToken.None));

        Assert.Equal("spec.tokens[t].value: set exactly one of githubApp, githubToken, filePath", none.Message);
        Assert.Equal(none.Message, two.Message);
    }

    [Fact]
    public void A_relative_github_api_url_is_refused() =>
        Assert.Throws<UserInputException>(() => new TokenResolver(TokenTestSupport.Secrets(), new Uri("api/v3", UriKind.Relative), _http, TimeProvider.System));

    private TokenResolver Resolver(ISecretSource secrets) =>
        new(secrets, new Uri(TokenResolver.DefaultGitHubApiUrl), _http, TimeProvider.System);

    private static TokenSpec Token(TokenSource source) => new("t", source);
}
