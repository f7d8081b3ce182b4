using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Kubetest.Tokens;

/// <summary>The GitHub App flow as GitHub documents it: JWT → (organization → installation id) → installation token.</summary>
public sealed partial class TokenResolver
{
    private const int MaxMessageLength = 300;

    private async Task<string> GitHubAppTokenAsync(string field, GitHubAppTokenSource app, CancellationToken cancellationToken)
    {
        if (app.KeyFile is not { } keyFile)
        {
            throw new UserInputException($"{field}.keyFile: name the secret and key that hold the app's private key");
        }

        if (app.AppId <= 0)
        {
            throw new UserInputException($"{field}.appId: must be the GitHub App's id (a positive number)");
        }

        if (app.InstallationId is null && string.IsNullOrWhiteSpace(app.Organization))
        {
            throw new UserInputException($"{field}: set organization or installationId");
        }

        var keyName = $"secret \"{Printable.Escape(keyFile.Name)}\" key \"{Printable.Escape(keyFile.Key)}\"";
        var pem = await _secrets.GetAsync(keyFile.Name, keyFile.Key, cancellationToken).ConfigureAwait(false);
        string jwt;
        try
        {
            jwt = GitHubAppJwt.Create(app.AppId, pem, _time.GetUtcNow());
        }
        catch (UserInputException e)
        {
            throw new UserInputException($"{field}.keyFile: {keyName}: {e.Message}");
        }

        var call = new Call(field, app.AppId, keyName, jwt);
        var installation = app.InstallationId ?? await InstallationOfAsync(call, app.Organization!, cancellationToken).ConfigureAwait(false);
        var url = $"{_gitHubApi}/app/installations/{installation.ToString(CultureInfo.InvariantCulture)}/access_tokens";
        using var body = await SendAsync(call, HttpMethod.Post, url, cancellationToken).ConfigureAwait(false)
            ?? throw new UserInputException($"{field}.installationId: GitHub App {app.AppId} has no installation {installation} (404 from POST {Printable.Escape(url)})");
        return body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("token", out var token)
            && token.ValueKind == JsonValueKind.String && token.GetString() is { Length: > 0 } value
            ? value
            : throw new UserInputException($"{field}: POST {Printable.Escape(url)} answered without a token");
    }

    private async Task<long> InstallationOfAsync(Call call, string organization, CancellationToken cancellationToken)
    {
        var url = $"{_gitHubApi}/orgs/{Uri.EscapeDataString(organization)}/installation";
        using var body = await SendAsync(call, HttpMethod.Get, url, cancellationToken).ConfigureAwait(false)
            ?? throw new UserInputException(
                $"{call.Field}.organization: GitHub App {call.AppId} is not installed on organization \"{Printable.Escape(organization)}\" (404 from GET {Printable.Escape(url)})");
        return body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("id", out var id) && id.TryGetInt64(out var value)
            ? value
            : throw new UserInputException($"{call.Field}: GET {Printable.Escape(url)} answered without an installation id");
    }

    /// <summary>The JSON of a successful answer; null for 404, which only the caller can explain.</summary>
    private async Task<JsonDocument?> SendAsync(Call call, HttpMethod method, string url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", call.Jwt);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("kubetest", null));
        request.Headers.Add("X-GitHub-Api-Version", "2022-11-28");
        var shown = $"{method} {Printable.Escape(url)}";
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new UserInputException($"{call.Field}: cannot reach the GitHub API ({shown}): {Printable.Escape(e.Message)}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UserInputException($"{call.Field}: the GitHub API did not answer {shown} within {_http.Timeout.TotalSeconds:0} s");
        }

        using (response)
        {
            var body = await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode && body is not null)
            {
                return body;
            }

            var message = GitHubMessage(body, call.Jwt);
            body?.Dispose();
            return response.StatusCode switch
            {
                HttpStatusCode.NotFound => null,
                HttpStatusCode.Unauthorized => throw new UserInputException(
                    $"{call.Field}: GitHub refused the app's JWT (401 from {shown}{message}): the private key in {call.KeyName} does not belong to GitHub App {call.AppId}, or this machine's clock is off"),
                _ when response.IsSuccessStatusCode => throw new UserInputException($"{call.Field}: the GitHub API answered {shown} with something other than JSON"),
                _ => throw new UserInputException($"{call.Field}: the GitHub API answered {(int)response.StatusCode} to {shown}{message}"),
            };
        }
    }

    private static async Task<JsonDocument?> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonDocument.ParseAsync(stream, default, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is JsonException or HttpRequestException or IOException)
        {
            return null;
        }
    }

    /// <summary>GitHub's own explanation ("A JSON web token could not be decoded"), short, on one line, and never echoing the JWT.</summary>
    private static string GitHubMessage(JsonDocument? body, string jwt)
    {
        if (body?.RootElement is not { ValueKind: JsonValueKind.Object } root || !root.TryGetProperty("message", out var message)
            || message.ValueKind != JsonValueKind.String || message.GetString() is not { Length: > 0 } text)
        {
            return string.Empty;
        }

        text = text.Replace(jwt, "<jwt>", StringComparison.Ordinal);
        text = text.Length > MaxMessageLength ? text[..MaxMessageLength] + "…" : text;
        return ": " + Printable.Escape(text);
    }

    private sealed record Call(string Field, long AppId, string KeyName, string Jwt);
}
