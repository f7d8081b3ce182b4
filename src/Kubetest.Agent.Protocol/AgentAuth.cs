using System.Security.Cryptography;

namespace Kubetest.Agent.Protocol;

/// <summary>
/// What the two ends agree on about a token. A run makes its own RSA key pair; the agent gets the
/// public half in <see cref="PublicKeyVariable"/> and accepts only RS256 JWTs with <c>iss</c>
/// <see cref="Issuer"/> and <c>aud</c> <see cref="AudienceFor"/> its key, so a token minted for
/// another run names another audience even where it were signed by a key the agent trusts.
/// </summary>
public static class AgentAuth
{
    /// <summary>The environment variable that carries the run's public key (PEM) into the agent, as in the original.</summary>
    public const string PublicKeyVariable = "AGENT_PUBLIC_KEY_PEM";

    /// <summary>
    /// Optional: the one address the agent listens on (default: all). A pod has a network of its own,
    /// so a cluster never needs it; the API emulator, whose pods share the host's network, sets each
    /// pod's own loopback address there so two pods can both use port 5000.
    /// </summary>
    public const string ListenAddressVariable = "KUBETEST_AGENT_ADDRESS";

    public const string Issuer = "kubetest";

    /// <summary>The gRPC metadata key of the bearer token (HTTP/2 header names are lower case).</summary>
    public const string MetadataKey = "authorization";

    /// <summary>The audience of tokens for the agent that holds <paramref name="keyId"/>.</summary>
    public static string AudienceFor(string keyId) => $"kubetest-agent:{keyId}";

    /// <summary>A short stable name of a public key: base64url of the SHA-256 of its SubjectPublicKeyInfo.</summary>
    public static string KeyId(RSA key)
    {
        var hash = SHA256.HashData(key.ExportSubjectPublicKeyInfo());
        return Convert.ToBase64String(hash).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
