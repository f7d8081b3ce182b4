using System.Text.RegularExpressions;

namespace Kubetest.Model;

/// <summary>
/// The forms of <c>spec.repos[].value.url</c> kubetest clones, the original's (go-git's) transports:
/// <c>https://</c>, <c>http://</c>, <c>ssh://</c>, <c>git://</c>, <c>file://</c>, scp-like
/// <c>[user@]host:path</c> (ssh) and a local path (file). Anything else would run one of git's
/// remote helpers (<c>fd::17</c>, <c>ext::sh -c …</c> runs a command, <c>foo://</c> runs
/// <c>git-remote-foo</c>), so it is refused before anything runs; git itself is also told to allow
/// only these (<see cref="AllowedProtocols"/>), which covers URLs its config rewrites.
/// </summary>
public static partial class RepositoryUrl
{
    /// <summary>git's <c>GIT_ALLOW_PROTOCOL</c> value: local paths and scp-like URLs count as file and ssh.</summary>
    public const string AllowedProtocols = "http:https:ssh:git:file";

    private const string Forms = "use https://, http://, ssh://, git://, file://, user@host:path or a local path";

    private static readonly string[] Schemes = ["https", "http", "ssh", "git", "file"];

    /// <summary>Why git must not be given <paramref name="url"/>; null when it is one of the forms above.</summary>
    public static string? Refusal(string url)
    {
        if (HelperSyntax().Match(url) is { Success: true } helper)
        {
            return $"git's {helper.Groups[1].Value}:: transport (a remote helper) is not allowed; {Forms}";
        }

        if (UrlSyntax().Match(url) is { Success: true } scheme && !Schemes.Contains(scheme.Groups[1].Value, StringComparer.Ordinal))
        {
            return $"the transport {scheme.Groups[1].Value}:// is not allowed; {Forms}";
        }

        return url.Any(char.IsControl) ? "contains a control character" : null;
    }

    /// <summary>
    /// Whether git reads <paramref name="url"/> from the machine running kubetest: a <c>file://</c> URL or a path
    /// (as git tells them from scp-like <c>host:path</c>: no colon before the first slash).
    /// </summary>
    public static bool IsLocal(string url)
    {
        if (UrlSyntax().Match(url) is { Success: true } scheme)
        {
            return scheme.Groups[1].Value == "file";
        }

        var colon = url.IndexOf(':', StringComparison.Ordinal);
        var slash = url.IndexOf('/', StringComparison.Ordinal);
        return colon < 0 || (slash >= 0 && slash < colon);
    }

    /// <summary>
    /// <paramref name="url"/> as a message shows it: the user info of a URL (<c>://user:pass@</c>) and a
    /// <c>user:password@</c> anywhere else replaced by <c>***</c>, then escaped onto one line.
    /// </summary>
    public static string Display(string url) => Printable.Escape(Credentials().Replace(url, "$1***@"));

    // As git reads them (transport.c): <transport>::<address> and <scheme>://, the name made of
    // letters, digits, '+', '-' and '.' (even empty before "::").
    [GeneratedRegex(@"\A([A-Za-z0-9+.-]*)::")]
    private static partial Regex HelperSyntax();

    [GeneratedRegex(@"\A([A-Za-z0-9+.-]+)://")]
    private static partial Regex UrlSyntax();

    // The user info after the start, a scheme, a transport or a space, up to '@' (not across "::").
    [GeneratedRegex(@"(\A|://|::|\s)(?:(?!::)[^/@\s])+@")]
    private static partial Regex Credentials();
}
