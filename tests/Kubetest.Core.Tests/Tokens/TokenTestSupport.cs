using System.Security.Cryptography;
using Kubetest.Tokens;

namespace Kubetest.Core.Tests.Tokens;

/// <summary>Keys made once per test run (RSA generation is slow), a clock that stands still, and the leak check.</summary>
internal static class TokenTestSupport
{
    private static readonly Lazy<RSA> App = new(() => RSA.Create(2048));
    private static readonly Lazy<RSA> Stranger = new(() => RSA.Create(2048));

    /// <summary>The GitHub App's key as GitHub hands it out (PKCS#1).</summary>
    public static string AppKeyPkcs1 => App.Value.ExportRSAPrivateKeyPem();

    public static string AppKeyPkcs8 => App.Value.ExportPkcs8PrivateKeyPem();

    public static string AppPublicKey => App.Value.ExportSubjectPublicKeyInfoPem();

    /// <summary>A valid key that belongs to some other app.</summary>
    public static string StrangerKey => Stranger.Value.ExportRSAPrivateKeyPem();

    public static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static EnvironmentSecretSource Secrets(params (string Name, string Key, string Value)[] secrets) =>
        new(secrets.ToDictionary(s => EnvironmentSecretSource.VariableName(s.Name, s.Key), s => (string?)s.Value));

    /// <summary>
    /// Neither the exception nor anything it wraps shows a secret: not the values given, not a line of a
    /// PEM's body, not a JWT (whose base64url header always starts with "eyJ").
    /// </summary>
    public static void AssertNoSecrets(Exception exception, params string[] secrets)
    {
        var text = exception.ToString();
        Assert.DoesNotContain("eyJ", text, StringComparison.Ordinal);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            foreach (var line in secret.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.Length >= 16 && !l.StartsWith("-----", StringComparison.Ordinal)))
            {
                Assert.DoesNotContain(line, text, StringComparison.Ordinal);
            }
        }
    }
}

/// <summary>A clock set to one moment.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
