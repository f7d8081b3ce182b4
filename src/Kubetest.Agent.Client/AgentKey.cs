using System.Security.Cryptography;
using Kubetest.Agent.Protocol;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Kubetest.Agent.Client;

/// <summary>
/// The RSA key pair of one run. Its public half goes to every agent of the run (in
/// <see cref="AgentAuth.PublicKeyVariable"/>); its private half never leaves this process and signs
/// the short-lived tokens the client sends with each call.
/// </summary>
public sealed class AgentKey : IDisposable
{
    /// <summary>How long a token is good for; <see cref="Token"/> makes a new one once half of it has gone.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private readonly RSA _rsa;
    private readonly TimeProvider _time;
    private readonly SigningCredentials _credentials;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly Lock _lock = new();
    private (string Token, DateTimeOffset Expires)? _current;

    /// <summary>Wraps <paramref name="rsa"/>, which this key owns from now on.</summary>
    public AgentKey(RSA rsa, TimeProvider time)
    {
        _rsa = rsa;
        _time = time;
        KeyId = AgentAuth.KeyId(rsa);
        _credentials = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256);
    }

    /// <summary>A fresh 2048-bit key pair for one run.</summary>
    public static AgentKey Create(TimeProvider time) => new(RSA.Create(2048), time);

    public string KeyId { get; }

    /// <summary>The public key as a "PUBLIC KEY" PEM, the value of <see cref="AgentAuth.PublicKeyVariable"/>.</summary>
    public string PublicKeyPem => _rsa.ExportSubjectPublicKeyInfoPem();

    /// <summary>A token valid for at least half of <see cref="Lifetime"/>; the client's token factory.</summary>
    public string Token()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (_current is not { } current || current.Expires - now < Lifetime / 2)
            {
                _current = current = (CreateToken(now), now + Lifetime);
            }

            return current.Token;
        }
    }

    /// <summary>A token issued at <paramref name="issuedAt"/> and expiring <see cref="Lifetime"/> later.</summary>
    public string CreateToken(DateTimeOffset issuedAt) => _handler.CreateToken(new SecurityTokenDescriptor
    {
        Issuer = AgentAuth.Issuer,
        Audience = AgentAuth.AudienceFor(KeyId),
        IssuedAt = issuedAt.UtcDateTime,
        NotBefore = issuedAt.UtcDateTime,
        Expires = (issuedAt + Lifetime).UtcDateTime,
        SigningCredentials = _credentials,
    });

    public void Dispose() => _rsa.Dispose();
}
