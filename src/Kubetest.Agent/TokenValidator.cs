using System.Security.Cryptography;
using Kubetest.Agent.Protocol;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Kubetest.Agent;

/// <summary>Checks the bearer token of a call: RS256 by the run's key, issuer kubetest, audience this key, not expired.</summary>
public sealed class TokenValidator
{
    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters _parameters;

    private TokenValidator(RSA publicKey)
    {
        KeyId = AgentAuth.KeyId(publicKey);
        _parameters = new TokenValidationParameters
        {
            ValidIssuer = AgentAuth.Issuer,
            ValidAudience = AgentAuth.AudienceFor(KeyId),
            IssuerSigningKey = new RsaSecurityKey(publicKey) { KeyId = KeyId },
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = TimeSpan.FromSeconds(30),
        };
    }

    public string KeyId { get; }

    /// <summary>The validator for the PEM in <see cref="AgentAuth.PublicKeyVariable"/>, or the one line that says what is wrong with it.</summary>
    public static (TokenValidator? Validator, string? Error) FromPem(string? pem)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            return (null, $"{AgentAuth.PublicKeyVariable} is not set: it must hold the run's RSA public key (PEM)");
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            if (rsa.KeySize < 2048)
            {
                rsa.Dispose();
                return (null, $"{AgentAuth.PublicKeyVariable} holds a {rsa.KeySize}-bit RSA key; at least 2048 bits are needed");
            }

            return (new TokenValidator(rsa), null);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            return (null, $"{AgentAuth.PublicKeyVariable} is not an RSA public key in PEM (\"PUBLIC KEY\" or \"RSA PUBLIC KEY\")");
        }
    }

    /// <summary>Null when <paramref name="authorization"/> (the metadata value) is a valid token; else why not, in words safe to send back.</summary>
    public async Task<string?> RefusalAsync(string? authorization)
    {
        const string Prefix = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return "no bearer token";
        }

        var result = await _handler.ValidateTokenAsync(authorization[Prefix.Length..].Trim(), _parameters).ConfigureAwait(false);
        return result.IsValid ? null : result.Exception switch
        {
            SecurityTokenExpiredException => "the token has expired",
            SecurityTokenNotYetValidException => "the token is not valid yet",
            SecurityTokenInvalidAudienceException => "the token is for another run",
            SecurityTokenInvalidIssuerException => $"the token's issuer is not {AgentAuth.Issuer}",
            SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "the token is not signed by this run's key",
            _ => "the token is not valid",
        };
    }
}
