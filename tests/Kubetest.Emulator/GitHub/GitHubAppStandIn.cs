using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Kubetest.Emulator.GitHub;

/// <summary>
/// The two GitHub endpoints a GitHub App uses to get an installation token, on loopback (plain HTTP,
/// random port), served both at the root (github.com's api.github.com) and under <c>/api/v3</c>
/// (GitHub Enterprise Server). It checks the app's JWT the way GitHub does — RS256 signature with the
/// app's public key, <c>iss</c> = the app id, <c>exp</c> in the future and at most ten minutes after
/// <c>iat</c> — and answers 401 otherwise, 404 for an organization or installation it does not know.
/// </summary>
public sealed partial class GitHubAppStandIn : IAsyncDisposable
{
    public const string EnterprisePrefix = "/api/v3";

    private readonly WebApplication _app;
    private readonly RSA _publicKey;
    private readonly IReadOnlyDictionary<string, long> _installations;
    private readonly TimeProvider _time;
    private readonly ConcurrentQueue<string> _requests = new();
    private int _tokensIssued;
    private int _disposed;

    private GitHubAppStandIn(long appId, string publicKeyPem, IReadOnlyDictionary<string, long> installations, TimeProvider time)
    {
        AppId = appId;
        _publicKey = RSA.Create();
        _publicKey.ImportFromPem(publicKeyPem);
        _installations = new Dictionary<string, long>(installations, StringComparer.OrdinalIgnoreCase); // GitHub logins ignore case
        _time = time;

        var builder = WebApplication.CreateSlimBuilder();
        if (Environment.GetEnvironmentVariable("KUBETEST_EMULATOR_LOG") is null)
        {
            builder.Logging.ClearProviders();
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        foreach (var prefix in new[] { string.Empty, EnterprisePrefix })
        {
            _app.MapGet(prefix + "/orgs/{org}/installation", (HttpContext c, string org) => OrganizationInstallationAsync(c, org));
            _app.MapPost(prefix + "/app/installations/{id}/access_tokens", (HttpContext c, string id) => AccessTokenAsync(c, id));
        }

        _app.MapFallback((HttpContext c) => WriteAsync(c, 404, NotFound()));
    }

    public long AppId { get; }

    /// <summary>What <c>POST …/access_tokens</c> hands out; change it to tell one issue from the next.</summary>
    public string InstallationToken { get; set; } = "ghs_standInInstallationToken0000000000";

    /// <summary>The api.github.com stand-in, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri ApiUrl { get; private set; } = null!;

    /// <summary>The same API under a GitHub Enterprise Server prefix, e.g. <c>http://127.0.0.1:41234/api/v3</c>.</summary>
    public Uri EnterpriseApiUrl => new(ApiUrl, EnterprisePrefix);

    /// <summary>Installation tokens handed out so far.</summary>
    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    /// <summary>Every request served, as "METHOD /path", in order.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    /// <param name="appId">The app whose JWTs are accepted (their <c>iss</c>).</param>
    /// <param name="publicKeyPem">The app's RSA public key (any PEM <see cref="RSA.ImportFromPem"/> takes).</param>
    /// <param name="installations">Organization login → installation id; the ids are also the installations tokens are issued for.</param>
    /// <param name="time">GitHub's clock, against which <c>iat</c> and <c>exp</c> are judged.</param>
    public static async Task<GitHubAppStandIn> StartAsync(
        long appId, string publicKeyPem, IReadOnlyDictionary<string, long> installations, TimeProvider time, CancellationToken cancellationToken = default)
    {
        var standIn = new GitHubAppStandIn(appId, publicKeyPem, installations, time);
        await standIn._app.StartAsync(cancellationToken);
        var address = standIn._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        standIn.ApiUrl = new Uri($"http://127.0.0.1:{new Uri(address).Port}/");
        return standIn;
    }

    private Task OrganizationInstallationAsync(HttpContext context, string organization)
    {
        if (Refuse(context) is { } refusal)
        {
            return refusal;
        }

        return _installations.TryGetValue(organization, out var id)
            ? WriteAsync(context, 200, new JsonObject
            {
                ["id"] = id,
                ["account"] = new JsonObject { ["login"] = organization, ["type"] = "Organization" },
                ["app_id"] = AppId,
                ["target_type"] = "Organization",
            })
            : WriteAsync(context, 404, NotFound());
    }

    private Task AccessTokenAsync(HttpContext context, string installation)
    {
        if (Refuse(context) is { } refusal)
        {
            return refusal;
        }

        if (!long.TryParse(installation, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || !_installations.Values.Contains(id))
        {
            return WriteAsync(context, 404, NotFound());
        }

        Interlocked.Increment(ref _tokensIssued);
        return WriteAsync(context, 201, new JsonObject
        {
            ["token"] = InstallationToken,
            ["expires_at"] = (_time.GetUtcNow() + TimeSpan.FromHours(1)).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["permissions"] = new JsonObject { ["contents"] = "read", ["metadata"] = "read" },
            ["repository_selection"] = "all",
        });
    }

    /// <summary>Records the request; a 403 or 401 already written when it may not go on, else null.</summary>
    private Task? Refuse(HttpContext context)
    {
        _requests.Enqueue($"{context.Request.Method} {context.Request.Path}");
        if (string.IsNullOrEmpty(context.Request.Headers.UserAgent))
        {
            // What GitHub says to a request without a User-Agent.
            return WriteAsync(context, 403, Message("Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.", 403));
        }

        return JwtRefusal(context.Request.Headers.Authorization.ToString()) is { } reason
            ? WriteAsync(context, 401, Message(reason, 401))
            : null;
    }

    private static JsonObject NotFound() => Message("Not Found", 404);

    private static JsonObject Message(string message, int status) => new()
    {
        ["message"] = message,
        ["documentation_url"] = "https://docs.github.com/rest",
        ["status"] = status.ToString(CultureInfo.InvariantCulture),
    };

    private static async Task WriteAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        _publicKey.Dispose();
    }
}
