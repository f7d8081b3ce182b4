using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Kubetest.Runtime.Kubernetes;

/// <summary>The name of a TestJob's timing ConfigMap (or its report's, with another prefix): readable when it can be, always a valid object name.</summary>
public static partial class ConfigMapNames
{
    public const string Prefix = "kubetest-timings-";

    /// <summary>A readable part short enough that the hashed form stays well inside a label's 63 characters.</summary>
    private const int ReadableLength = 28;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotAlphanumeric();

    /// <summary>
    /// <c>PREFIX&lt;name&gt;</c> (<c>kubetest-timings-</c> by default) when that is a DNS-1123 subdomain of at most 253 characters;
    /// otherwise (upper case, underscores, spaces, too long, empty) the name lowercased with runs of other
    /// characters as one '-', cut to 28 characters, then '-' and 16 hex digits of the SHA-256 of the exact
    /// name: still readable, and two names that read alike (MyJob, myjob) get two ConfigMaps.
    /// </summary>
    public static string For(string testJobName, string prefix = Prefix)
    {
        var plain = prefix + testJobName;
        if (plain.Length <= 253 && Dns1123Subdomain().IsMatch(plain))
        {
            return plain;
        }

        var readable = NotAlphanumeric().Replace(testJobName.ToLowerInvariant(), "-");
        readable = readable[..Math.Min(readable.Length, ReadableLength)].Trim('-');
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(testJobName)))[..16].ToLowerInvariant();
        return prefix + (readable.Length == 0 ? hash : readable + "-" + hash);
    }
}
