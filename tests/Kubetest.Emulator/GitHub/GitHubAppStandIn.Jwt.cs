using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Kubetest.Emulator.GitHub;

/// <summary>
/// The JWT check, written against RFC 7515/7519 by hand rather than with the library kubetest signs
/// with, so a mistake shared by both cannot pass. The messages are GitHub's own wording.
/// </summary>
public sealed partial class GitHubAppStandIn
{
    private const string Undecodable = "A JSON web token could not be decoded";

    /// <summary>GitHub's limit on <c>exp</c> - <c>iat</c>, and on how far ahead <c>exp</c> may be.</summary>
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(10);

    /// <summary>Why GitHub would refuse this Authorization header, or null when it accepts it.</summary>
    private string? JwtRefusal(string authorization)
    {
        const string bearer = "Bearer ";
        if (!authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
        {
            return "Requires authentication";
        }

        var parts = authorization[bearer.Length..].Trim().Split('.');
        if (parts.Length != 3)
        {
            return Undecodable;
        }

        try
        {
            using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]));
            if (header.RootElement.TryGetProperty("alg", out var alg) is false || alg.ValueKind != JsonValueKind.String || alg.GetString() != "RS256")
            {
                return Undecodable;
            }

            var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
            if (!_publicKey.VerifyData(signed, Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                return Undecodable;
            }

            using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
            return ClaimsRefusal(payload.RootElement);
        }
        catch (Exception e) when (e is FormatException or JsonException or CryptographicException or InvalidOperationException)
        {
            return Undecodable;
        }
    }

    private string? ClaimsRefusal(JsonElement claims)
    {
        var issuer = claims.TryGetProperty("iss", out var iss) ? iss.ValueKind switch
        {
            JsonValueKind.Number => iss.GetRawText(),
            JsonValueKind.String => iss.GetString(),
            _ => null,
        } : null;
        if (issuer != AppId.ToString(CultureInfo.InvariantCulture))
        {
            return "'Issuer' claim ('iss') must be an Integer";
        }

        if (!claims.TryGetProperty("iat", out var iatClaim) || !iatClaim.TryGetInt64(out var iat))
        {
            return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
        }

        if (!claims.TryGetProperty("exp", out var expClaim) || !expClaim.TryGetInt64(out var exp))
        {
            return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        if (iat > now)
        {
            return "'Issued at' claim ('iat') must be an Integer representing a time in the past";
        }

        if (exp <= now)
        {
            return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
        }

        return exp - iat > (long)MaxLifetime.TotalSeconds || exp - now > (long)MaxLifetime.TotalSeconds
            ? "'Expiration time' claim ('exp') is too far in the future"
            : null;
    }
}
