namespace Kubetest.Tokens;

/// <summary>
/// Turns a manifest's <c>spec.tokens</c> entry into the token's value: a secret's value, a file's
/// content, or a GitHub App installation token bought with a JWT signed by the app's private key.
/// No value, key or JWT ever goes into an error message.
/// </summary>
public sealed partial class TokenResolver
{
    public const string DefaultGitHubApiUrl = "https://api.github.com";

    private readonly ISecretSource _secrets;
    private readonly string _gitHubApi;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;

    public TokenResolver(ISecretSource secrets, Uri gitHubApiUrl, HttpClient http, TimeProvider time)
    {
        if (!gitHubApiUrl.IsAbsoluteUri || gitHubApiUrl.Scheme is not ("https" or "http"))
        {
            throw new UserInputException($"the GitHub API URL {Printable.Escape(gitHubApiUrl.OriginalString)} is not an absolute http(s) URL");
        }

        _secrets = secrets;

        // GitHub Enterprise Server serves the API under a prefix (https://ghe.example/api/v3): paths are appended to it.
        _gitHubApi = gitHubApiUrl.GetLeftPart(UriPartial.Path).TrimEnd('/');
        _http = http;
        _time = time;
    }

    /// <summary>
    /// The token's value: <c>githubToken</c> → the secret's value (trimmed); <c>githubApp</c> → an
    /// installation token; <c>filePath</c> → the file's content (trimmed).
    /// </summary>
    public async Task<string> ResolveAsync(TokenSpec token, CancellationToken cancellationToken)
    {
        var field = $"spec.tokens[{Printable.Escape(token.Name)}].value";
        var source = token.Value;
        var kinds = (source.GitHubApp is null ? 0 : 1) + (source.GitHubToken is null ? 0 : 1) + (source.FilePath is null ? 0 : 1);
        if (kinds != 1)
        {
            throw new UserInputException($"{field}: set exactly one of githubApp, githubToken, filePath");
        }

        if (source.GitHubToken is { } secret)
        {
            var value = (await _secrets.GetAsync(secret.Name, secret.Key, cancellationToken).ConfigureAwait(false)).Trim();
            return value.Length > 0
                ? value
                : throw new UserInputException($"{field}.githubToken: secret \"{Printable.Escape(secret.Name)}\" key \"{Printable.Escape(secret.Key)}\" is empty");
        }

        if (source.FilePath is { } path)
        {
            return await ReadFileAsync($"{field}.filePath", path, cancellationToken).ConfigureAwait(false);
        }

        return await GitHubAppTokenAsync($"{field}.githubApp", source.GitHubApp!, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string> ReadFileAsync(string field, string path, CancellationToken cancellationToken)
    {
        string value;
        try
        {
            value = (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{field}: cannot read {Printable.Escape(path)}: {Printable.Escape(e.Message)}");
        }

        return value.Length > 0 ? value : throw new UserInputException($"{field}: {Printable.Escape(path)} is empty");
    }
}
