using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kubetest.Emulator.GitHub;
using Kubetest.Tokens;

namespace Kubetest.Core.Tests.Tokens;

/// <summary>The stand-in refuses what GitHub refuses, so the resolver tests passing means something.</summary>
public sealed class GitHubAppStandInTests : IAsyncLifetime
{
    private static readonly HttpClient Http = new();
    private GitHubAppStandIn _gitHub = null!;

    public async Task InitializeAsync() =>
        _gitHub = await GitHubAppStandIn.StartAsync(5, TokenTestSupport.AppPublicKey, new Dictionary<string, long> { ["acme"] = 11 }, new FixedTime(TokenTestSupport.Now));

    public async Task DisposeAsync() => await _gitHub.DisposeAsync();

    [Fact]
    public async Task A_jwt_valid_for_more_than_ten_minutes_is_refused()
    {
        var now = TokenTestSupport.Now.ToUnixTimeSeconds();
        var jwt = HandMade(new { iss = 5, iat = now - 60, exp = now + 600 });

        var (status, message) = await PostAsync(jwt);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("'Expiration time' claim ('exp') is too far in the future", message);
        Assert.Equal(0, _gitHub.TokensIssued);
    }

    [Fact]
    public async Task A_jwt_for_another_app_is_refused_and_one_for_this_app_with_an_integer_issuer_is_taken()
    {
        var now = TokenTestSupport.Now.ToUnixTimeSeconds();

        var (other, _) = await PostAsync(HandMade(new { iss = 6, iat = now - 60, exp = now + 540 }));
        var (own, _) = await PostAsync(HandMade(new { iss = 5, iat = now - 60, exp = now + 540 }));

        Assert.Equal(HttpStatusCode.Unauthorized, other);
        Assert.Equal(HttpStatusCode.Created, own);
        Assert.Equal(1, _gitHub.TokensIssued);
    }

    [Fact]
    public async Task A_jwt_with_a_forged_payload_fails_the_signature_check()
    {
        var jwt = GitHubAppJwt.Create(4, TokenTestSupport.AppKeyPkcs1, TokenTestSupport.Now).Split('.');
        var payload = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(jwt[1])).Replace("\"4\"", "\"5\"", StringComparison.Ordinal)));

        var (status, message) = await PostAsync($"{jwt[0]}.{payload}.{jwt[2]}");

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("A JSON web token could not be decoded", message);
    }

    [Fact]
    public async Task A_request_without_a_user_agent_is_forbidden_as_github_does()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_gitHub.ApiUrl, "app/installations/11/access_tokens"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GitHubAppJwt.Create(5, TokenTestSupport.AppKeyPkcs1, TokenTestSupport.Now));

        using var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private static string HandMade(object claims)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(TokenTestSupport.AppKeyPkcs1);
        var signed = Base64Url.EncodeToString(Encoding.UTF8.GetBytes("{\"alg\":\"RS256\",\"typ\":\"JWT\"}")) + "." + Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims));
        return signed + "." + Base64Url.EncodeToString(rsa.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    private async Task<(HttpStatusCode Status, string? Message)> PostAsync(string jwt)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_gitHub.EnterpriseApiUrl + "/app/installations/11/access_tokens"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", jwt);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("kubetest-tests", null));
        using var response = await Http.SendAsync(request);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, body.RootElement.TryGetProperty("message", out var message) ? message.GetString() : null);
    }
}
