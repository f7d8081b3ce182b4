using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kubetest.Tokens;

namespace Kubetest.Core.Tests.Tokens;

public sealed class GitHubAppJwtTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_jwt_is_rs256_signed_by_the_key_with_the_app_as_issuer_back_dated_a_minute_and_nine_minutes_long(bool pkcs8)
    {
        var jwt = GitHubAppJwt.Create(134426, pkcs8 ? TokenTestSupport.AppKeyPkcs8 : TokenTestSupport.AppKeyPkcs1, TokenTestSupport.Now);

        var parts = jwt.Split('.');
        using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]));
        using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
        using var rsa = RSA.Create();
        rsa.ImportFromPem(TokenTestSupport.AppPublicKey);
        Assert.Equal("RS256", header.RootElement.GetProperty("alg").GetString());
        Assert.True(rsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.Equal("134426", payload.RootElement.GetProperty("iss").GetString());
        Assert.Equal(TokenTestSupport.Now.ToUnixTimeSeconds() - 60, payload.RootElement.GetProperty("iat").GetInt64());
        Assert.Equal(TokenTestSupport.Now.ToUnixTimeSeconds() + (9 * 60), payload.RootElement.GetProperty("exp").GetInt64());
        Assert.False(payload.RootElement.TryGetProperty("nbf", out _));
    }

    [Fact]
    public void The_same_key_signs_again_after_the_first_token()
    {
        var first = GitHubAppJwt.Create(1, TokenTestSupport.AppKeyPkcs1, TokenTestSupport.Now);
        var second = GitHubAppJwt.Create(1, TokenTestSupport.AppKeyPkcs1, TokenTestSupport.Now.AddSeconds(1));

        Assert.NotEqual(first, second);
    }

    [Theory]
    [InlineData("not a key at all s3cr3t-not-a-key")]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\nczNjcjN0LWdhcmJhZ2UtaW4tdGhlLWtleQ==\n-----END RSA PRIVATE KEY-----\n")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nczNjcjN0LWdhcmJhZ2UtaW4tdGhlLWtleQ==\n-----END PRIVATE KEY-----\n")]
    public void Text_that_is_no_rsa_private_key_is_refused_without_repeating_it(string pem)
    {
        var e = Assert.Throws<UserInputException>(() => GitHubAppJwt.Create(1, pem, TokenTestSupport.Now));

        Assert.Contains("private key", e.Message, StringComparison.Ordinal);
        TokenTestSupport.AssertNoSecrets(e, pem, "s3cr3t", "czNjcjN0");
    }

    [Fact]
    public void A_public_key_is_not_taken_for_the_private_one() =>
        Assert.Throws<UserInputException>(() => GitHubAppJwt.Create(1, TokenTestSupport.AppPublicKey, TokenTestSupport.Now));
}
