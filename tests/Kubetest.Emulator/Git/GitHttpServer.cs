using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Kubetest.Emulator.Git;

/// <summary>
/// Git's smart HTTP protocol on loopback, served by the real <c>git-http-backend</c> as a CGI
/// program, behind HTTP basic auth as GitHub takes tokens: user <see cref="UserName"/> and a
/// password from <see cref="AcceptedTokens"/>.
/// </summary>
public sealed class GitHttpServer : IAsyncDisposable
{
    public const string UserName = "x-access-token";

    private readonly WebApplication _app;
    private readonly string _projectRoot;
    private long _unauthorized;
    private long _requests;
    private long _delayTicks;

    private GitHttpServer(string projectRoot)
    {
        _projectRoot = Path.GetFullPath(projectRoot);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            // A push or a fetch negotiation of a large repository may exceed the 30 MB default.
            kestrel.Limits.MaxRequestBodySize = null;
        });
        _app = builder.Build();
        _app.Run(HandleAsync);
    }

    /// <summary>Bare repositories under this directory are served as <c>/name</c>.</summary>
    public string ProjectRoot => _projectRoot;

    public Uri BaseUri { get; private set; } = null!;

    public TokenSet AcceptedTokens { get; } = new();

    /// <summary>Requests answered 401 (no or wrong credentials) so far.</summary>
    public long UnauthorizedCount => Interlocked.Read(ref _unauthorized);

    /// <summary>Authorized requests served so far.</summary>
    public long RequestCount => Interlocked.Read(ref _requests);

    /// <summary>How long each authorized request waits before it is served, so a test sees git running.</summary>
    public TimeSpan RequestDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    public static async Task<GitHttpServer> StartAsync(string projectRoot, CancellationToken cancellationToken = default)
    {
        var server = new GitHttpServer(projectRoot);
        await server._app.StartAsync(cancellationToken);
        var address = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUri = new Uri($"http://127.0.0.1:{new Uri(address).Port}/");
        return server;
    }

    /// <summary>The URL of the repository <paramref name="name"/> (a directory under <see cref="ProjectRoot"/>, e.g. <c>repo.git</c>).</summary>
    public Uri RepositoryUrl(string name) => new(BaseUri, name);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!IsAuthorized(context.Request))
        {
            Interlocked.Increment(ref _unauthorized);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"git\"";
            return;
        }

        Interlocked.Increment(ref _requests);
        if (RequestDelay > TimeSpan.Zero)
        {
            await Task.Delay(RequestDelay, context.RequestAborted);
        }

        await GitCgi.RunAsync(context, _projectRoot, UserName, context.RequestAborted);
    }

    private bool IsAuthorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string credentials;
        try
        {
            credentials = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }

        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && credentials[..colon] == UserName && AcceptedTokens.Contains(credentials[(colon + 1)..]);
    }
}
