using System.Globalization;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Kubetest.Tokens;

/// <summary>The JWT a GitHub App signs to ask for installation tokens (RS256, at most ten minutes long).</summary>
public static class GitHubAppJwt
{
    /// <summary>GitHub refuses an <c>iat</c> in its future; back-dating covers a clock a little ahead of GitHub's.</summary>
    public static readonly TimeSpan Backdate = TimeSpan.FromSeconds(60);

    /// <summary>GitHub refuses <c>exp</c> more than ten minutes after <c>iat</c>; nine keeps a margin.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(9);

    private static readonly string[] PrivateKeyLabels = ["RSA PRIVATE KEY", "PRIVATE KEY"];

    /// <summary>
    /// An RS256 JWT with <c>iss</c> = <paramref name="appId"/>, <c>iat</c> = now - 60 s, <c>exp</c> = now + 9 min.
    /// <paramref name="privateKeyPem"/> is a PKCS#1 (<c>RSA PRIVATE KEY</c>, what GitHub hands out) or PKCS#8
    /// (<c>PRIVATE KEY</c>) PEM. A key that is neither throws <see cref="UserInputException"/> without its content.
    /// </summary>
    public static string Create(long appId, string privateKeyPem, DateTimeOffset now)
    {
        using var rsa = ImportPrivateKey(privateKeyPem);
        var key = new RsaSecurityKey(rsa)
        {
            // The factory's cache would keep a provider around this RSA after it is disposed.
            CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false },
        };
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = appId.ToString(CultureInfo.InvariantCulture),
            IssuedAt = (now - Backdate).UtcDateTime,
            Expires = (now + Lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        };

        // Without this the handler adds nbf from the wall clock, not from `now`.
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(descriptor);
    }

    private static RSA ImportPrivateKey(string pem)
    {
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            if (Array.IndexOf(PrivateKeyLabels, label) >= 0)
            {
                return Import(label, rest[fields.Base64Data].ToString());
            }

            if (label == "ENCRYPTED PRIVATE KEY")
            {
                throw new UserInputException("the private key is encrypted; kubetest needs it unencrypted (PKCS#1 \"RSA PRIVATE KEY\" or PKCS#8 \"PRIVATE KEY\" PEM)");
            }

            rest = rest[fields.Location.End..];
        }

        throw new UserInputException("the private key is not a PEM RSA private key (PKCS#1 \"RSA PRIVATE KEY\" or PKCS#8 \"PRIVATE KEY\")");
    }

    private static RSA Import(string label, string base64)
    {
        var rsa = RSA.Create();
        try
        {
            var der = Convert.FromBase64String(base64);
            if (label == "RSA PRIVATE KEY")
            {
                rsa.ImportRSAPrivateKey(der, out _);
            }
            else
            {
                rsa.ImportPkcs8PrivateKey(der, out _);
            }

            return rsa;
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            rsa.Dispose();

            // The inner exception is left out on purpose: nothing of the key goes anywhere.
            throw new UserInputException($"the {label} PEM is not a valid RSA private key");
        }
    }
}
