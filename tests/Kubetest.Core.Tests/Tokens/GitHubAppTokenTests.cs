using System.Net;
using System.Net.Sockets;
using Kubetest.Emulator.GitHub;
using Kubetest.Model;
using Kubetest.Tokens;

namespace Kubetest.Core.Tests.Tokens;

/// <summary>githubApp tokens bought from a GitHub stand-in that checks the JWT as GitHub does.</summary>
public sealed class GitHubAppTokenTests : IAsyncLifetime
{
    private const long AppId = 134426;
    private const long GoccyInstallation = 4242;
    private const string IssuedToken = "ghs_s3cr3tInstallationToken";

    /// <summary>Shared, as a CLI run shares one.</summary>
    private static readonly HttpClient Http = new();

    private GitHubAppStandIn _gitHub = null!;

    public async Task InitializeAsync()
    {
        _gitHub = await GitHubAppStandIn.StartAsync(
            AppId, TokenTestSupport.AppPublicKey, new Dictionary<string, long> { ["goccy"] = GoccyInstallation, ["other-org"] = 7 }, new FixedTime(TokenTestSupport.Now));
        _gitHub.InstallationToken = IssuedToken;
    }

    public async Task DisposeAsync()
    {
        await _gitHub.DisposeAsync();
    }

    [Fact]
    public async Task With_an_installation_id_the_token_is_asked_for_directly()
    {
        var value = await Resolver().ResolveAsync(App(installationId: GoccyInstallation), CancellationToken.None);

        Assert.Equal(IssuedToken, value);
        Assert.Equal(["POST /app/installations/4242/access_tokens"], _gitHub.Requests);
        Assert.Equal(1, _gitHub.TokensIssued);
    }

    [Fact]
    public async Task With_an_organization_its_installation_is_looked_up_first_and_each_resolve_buys_a_fresh_token()
    {
        var resolver = Resolver();

        var first = await resolver.ResolveAsync(App(organization: "goccy"), CancellationToken.None);
        _gitHub.InstallationToken = "ghs_second";
        var second = await resolver.ResolveAsync(App(organization: "goccy"), CancellationToken.None);

        Assert.Equal(IssuedToken, first);
        Assert.Equal("ghs_second", second);
        Assert.Equal(["GET /orgs/goccy/installation", "POST /app/installations/4242/access_tokens"], _gitHub.Requests.Take(2));
        Assert.Equal(2, _gitHub.TokensIssued);
    }

    [Fact]
    public async Task A_pkcs8_key_works_as_well_as_github_s_pkcs1_one()
    {
        var resolver = Resolver(TokenTestSupport.Secrets(("github-app", "private-key", TokenTestSupport.AppKeyPkcs8)));

        Assert.Equal(IssuedToken, await resolver.ResolveAsync(App(organization: "goccy"), CancellationToken.None));
    }

    [Theory]
    [InlineData("/api/v3")]
    [InlineData("/api/v3/")]
    public async Task A_github_enterprise_api_url_keeps_its_path_prefix(string prefix)
    {
        var resolver = Resolver(apiUrl: new Uri(_gitHub.ApiUrl, prefix));

        var value = await resolver.ResolveAsync(App(organization: "goccy"), CancellationToken.None);

        Assert.Equal(IssuedToken, value);
        Assert.Equal(["GET /api/v3/orgs/goccy/installation", "POST /api/v3/app/installations/4242/access_tokens"], _gitHub.Requests);
    }

    [Fact]
    public async Task A_key_of_another_app_is_refused_with_401_and_says_so()
    {
        var resolver = Resolver(TokenTestSupport.Secrets(("github-app", "private-key", TokenTestSupport.StrangerKey)));

        var e = await Assert.ThrowsAsync<UserInputException>(() => resolver.ResolveAsync(App(organization: "goccy"), CancellationToken.None));

        Assert.StartsWith("spec.tokens[github-app-token].value.githubApp: GitHub refused the app's JWT (401 from GET ", e.Message, StringComparison.Ordinal);
        Assert.Contains("A JSON web token could not be decoded", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("the private key in secret \"github-app\" key \"private-key\" does not belong to GitHub App 134426, or this machine's clock is off", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, _gitHub.TokensIssued);
        TokenTestSupport.AssertNoSecrets(e, TokenTestSupport.StrangerKey, IssuedToken);
    }

    [Theory]
    [InlineData(-15 * 60, "'Expiration time' claim ('exp') must be a numeric value representing the future time")]
    [InlineData(5 * 60, "'Issued at' claim ('iat') must be an Integer representing a time in the past")]
    public async Task A_jwt_from_a_clock_far_off_github_s_is_refused(int skewSeconds, string gitHubSays)
    {
        var resolver = Resolver(time: new FixedTime(TokenTestSupport.Now.AddSeconds(skewSeconds)));

        var e = await Assert.ThrowsAsync<UserInputException>(() => resolver.ResolveAsync(App(installationId: GoccyInstallation), CancellationToken.None));

        Assert.Contains("(401 from POST ", e.Message, StringComparison.Ordinal);
        Assert.Contains(gitHubSays, e.Message, StringComparison.Ordinal);
        Assert.Contains("clock is off", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, _gitHub.TokensIssued);
        TokenTestSupport.AssertNoSecrets(e, TokenTestSupport.AppKeyPkcs1, IssuedToken);
    }

    [Fact]
    public async Task A_clock_a_little_behind_github_s_is_still_fine()
    {
        var resolver = Resolver(time: new FixedTime(TokenTestSupport.Now.AddMinutes(-5)));

        Assert.Equal(IssuedToken, await resolver.ResolveAsync(App(installationId: GoccyInstallation), CancellationToken.None));
    }

    [Fact]
    public async Task An_organization_without_the_app_is_a_404_naming_the_organization()
    {
        var e = await Assert.ThrowsAsync<UserInputException>(() => Resolver().ResolveAsync(App(organization: "nobody"), CancellationToken.None));

        Assert.Equal(
            $"spec.tokens[github-app-token].value.githubApp.organization: GitHub App 134426 is not installed on organization \"nobody\" (404 from GET {_gitHub.ApiUrl}orgs/nobody/installation)",
            e.Message);
        TokenTestSupport.AssertNoSecrets(e, TokenTestSupport.AppKeyPkcs1, IssuedToken);
    }

    [Fact]
    public async Task An_unknown_installation_id_is_a_404_naming_the_installation()
    {
        var e = await Assert.ThrowsAsync<UserInputException>(() => Resolver().ResolveAsync(App(installationId: 99), CancellationToken.None));

        Assert.Equal(
            $"spec.tokens[github-app-token].value.githubApp.installationId: GitHub App 134426 has no installation 99 (404 from POST {_gitHub.ApiUrl}app/installations/99/access_tokens)",
            e.Message);
        TokenTestSupport.AssertNoSecrets(e, TokenTestSupport.AppKeyPkcs1, IssuedToken);
    }

    [Theory]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\nczNjcjN0LWdhcmJhZ2UtaW4tdGhlLWtleQ==\n-----END RSA PRIVATE KEY-----\n")]
    [InlineData("s3cr3t-pasted-the-wrong-thing")]
    public async Task An_invalid_private_key_names_the_secret_and_key_but_not_the_content(string pem)
    {
        var resolver = Resolver(TokenTestSupport.Secrets(("github-app", "private-key", pem)));

        var e = await Assert.ThrowsAsync<UserInputException>(() => resolver.ResolveAsync(App(organization: "goccy"), CancellationToken.None));

        Assert.StartsWith("spec.tokens[github-app-token].value.githubApp.keyFile: secret \"github-app\" key \"private-key\": ", e.Message, StringComparison.Ordinal);
        Assert.Empty(_gitHub.Requests);
        TokenTestSupport.AssertNoSecrets(e, pem, "s3cr3t", "czNjcjN0");
    }

    [Fact]
    public async Task A_missing_key_secret_names_the_secret_and_key()
    {
        var e = await Assert.ThrowsAsync<UserInputException>(() => Resolver(TokenTestSupport.Secrets()).ResolveAsync(App(organization: "goccy"), CancellationToken.None));

        Assert.Contains("secret \"github-app\" key \"private-key\"", e.Message, StringComparison.Ordinal);
        Assert.Empty(_gitHub.Requests);
    }

    [Fact]
    public async Task An_unreachable_api_is_named_by_its_url()
    {
        var closed = new Uri($"http://127.0.0.1:{ClosedPort()}/api/v3");

        var e = await Assert.ThrowsAsync<UserInputException>(() => Resolver(apiUrl: closed).ResolveAsync(App(installationId: GoccyInstallation), CancellationToken.None));

        Assert.StartsWith($"spec.tokens[github-app-token].value.githubApp: cannot reach the GitHub API (POST {closed}/app/installations/4242/access_tokens): ", e.Message, StringComparison.Ordinal);
        TokenTestSupport.AssertNoSecrets(e, TokenTestSupport.AppKeyPkcs1);
    }

    [Fact]
    public async Task An_app_with_neither_organization_nor_installation_id_is_refused_before_any_request()
    {
        var e = await Assert.ThrowsAsync<UserInputException>(() => Resolver().ResolveAsync(App(), CancellationToken.None));

        Assert.Equal("spec.tokens[github-app-token].value.githubApp: set organization or installationId", e.Message);
        Assert.Empty(_gitHub.Requests);
    }

    private TokenResolver Resolver(ISecretSource? secrets = null, Uri? apiUrl = null, TimeProvider? time = null) =>
        new(
            secrets ?? TokenTestSupport.Secrets(("github-app", "private-key", TokenTestSupport.AppKeyPkcs1)),
            apiUrl ?? _gitHub.ApiUrl,
            Http,
            time ?? new FixedTime(TokenTestSupport.Now));

    private static TokenSpec App(string? organization = null, long? installationId = null) =>
        new("github-app-token", new TokenSource(new GitHubAppTokenSource(organization, AppId, installationId, new SecretKeySelector("github-app", "private-key")), null, null));

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
