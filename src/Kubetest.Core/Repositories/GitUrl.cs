using System.Text.RegularExpressions;

namespace Kubetest.Repositories;

/// <summary>
/// The parts of a repository URL kubetest treats separately: a password written into the URL
/// (<c>https://user:password@host/…</c>) is a secret like a token, so it is taken out of what git
/// is given and stores in <c>.git/config</c>, and masked in every message. A class, not a record:
/// a record's generated ToString would print the password.
/// </summary>
internal sealed partial class GitUrl(string remote, string? userName, string? password, string shown)
{
    /// <summary>The URL git is given: without a password.</summary>
    public string Remote { get; } = remote;

    public string? UserName { get; } = userName;

    public string? Password { get; } = password;

    /// <summary>The URL as written, as messages show it (<see cref="Display"/>).</summary>
    public string Shown { get; } = shown;

    public static GitUrl Parse(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme <= 0 || !IsHttp(url[..scheme]))
        {
            return new GitUrl(url, null, null, Display(url));
        }

        var authorityStart = scheme + 3;
        var authorityEnd = url.IndexOfAny(['/', '?', '#'], authorityStart);
        var authority = authorityEnd < 0 ? url[authorityStart..] : url[authorityStart..authorityEnd];
        var at = authority.LastIndexOf('@');
        var colon = at < 0 ? -1 : authority.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || colon > at)
        {
            // No password: a bare user name is no secret and git may need it, so it stays.
            return new GitUrl(url, null, null, Display(url));
        }

        var remote = url[..authorityStart] + authority[(at + 1)..] + (authorityEnd < 0 ? string.Empty : url[authorityEnd..]);
        return new GitUrl(remote, Uri.UnescapeDataString(authority[..colon]), Uri.UnescapeDataString(authority[(colon + 1)..at]), Display(url));
    }

    /// <summary>The URL as messages show it: any user info replaced by <c>***</c>.</summary>
    public static string Display(string url) => Mask(url, []);

    /// <summary>
    /// <paramref name="text"/> with the given secrets and the user info of every URL in it replaced
    /// by <c>***</c>, then escaped so that it prints as one line.
    /// </summary>
    public static string Mask(string text, IEnumerable<string?> secrets)
    {
        foreach (var secret in secrets)
        {
            if (!string.IsNullOrEmpty(secret))
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return Model.Printable.Escape(UserInfo().Replace(text, "://***@"));
    }

    private static bool IsHttp(string scheme) =>
        scheme.Equals("http", StringComparison.OrdinalIgnoreCase) || scheme.Equals("https", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"://[^/@\s]+@")]
    private static partial Regex UserInfo();
}
