using Kubetest.Agent;
using Kubetest.Agent.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

if (args is [Launcher.Flag, "--", .. var argv])
{
    return Launcher.Run(argv);
}

if (args is ["--version"])
{
    Console.WriteLine($"kubetest-agent {AgentService.Version}");
    return 0;
}

if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(AgentOptions.Usage);
    return 0;
}

var (options, error) = AgentOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine($"kubetest-agent: {error}");
    return 3;
}

var (validator, keyError) = TokenValidator.FromPem(Environment.GetEnvironmentVariable(AgentAuth.PublicKeyVariable));
if (validator is null)
{
    Console.Error.WriteLine($"kubetest-agent: {keyError}");
    return 3;
}

var listenAddress = Environment.GetEnvironmentVariable(AgentAuth.ListenAddressVariable) is { Length: > 0 } addressText ? addressText : null;
System.Net.IPAddress? address = null;
if (listenAddress is not null && !System.Net.IPAddress.TryParse(listenAddress, out address))
{
    Console.Error.WriteLine($"kubetest-agent: {AgentAuth.ListenAddressVariable}: {listenAddress} is not an IP address");
    return 3;
}

// The empty builder reads no appsettings.json, environment or command line: the container's
// working directory is the user's, and its files must not configure the agent.
var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
{
    if (address is null)
    {
        kestrel.ListenAnyIP(options.Port, listen => listen.Protocols = HttpProtocols.Http2);
    }
    else
    {
        kestrel.Listen(address, options.Port, listen => listen.Protocols = HttpProtocols.Http2);
    }
});
// Warnings and errors go to stderr, stdout stays empty; a failed start is said once, by the line below, not
// again with the host's stack trace.
builder.Logging.AddSimpleConsole()
    .AddFilter((category, level) => level >= LogLevel.Warning && category != "Microsoft.Extensions.Hosting.Internal.Host");
builder.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Services.AddRoutingCore();
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));
builder.Services.AddSingleton(validator);
builder.Services.AddSingleton<AgentShutdown>();
builder.Services.AddGrpc(grpc => grpc.Interceptors.Add<AuthInterceptor>());

var app = builder.Build();
app.MapGrpcService<AgentService>();
try
{
    await app.StartAsync().ConfigureAwait(false);
}
catch (IOException e)
{
    Console.Error.WriteLine($"kubetest-agent: cannot listen on port {options.Port}: {e.Message}");
    return 3;
}

Console.Error.WriteLine($"kubetest-agent {AgentService.Version}: listening on {(address is null ? "port" : $"{address} port")} {options.Port} (key {validator.KeyId})");
var exitCode = 0;
var finished = app.Services.GetRequiredService<AgentShutdown>().Finished;
var stopping = app.Lifetime.ApplicationStopping;
using (var waiting = new CancellationTokenSource())
{
    var timeout = options.Timeout is { } t ? Task.Delay(t, waiting.Token) : Task.Delay(Timeout.Infinite, waiting.Token);
    var ended = await Task.WhenAny(finished, timeout, Task.Delay(Timeout.Infinite, stopping)).ConfigureAwait(false);
    if (ended == timeout)
    {
        Console.Error.WriteLine($"kubetest-agent: --timeout {options.TimeoutText} passed without a finish call; exiting");
        exitCode = 1;
    }

    await waiting.CancelAsync().ConfigureAwait(false);
}

await app.StopAsync().ConfigureAwait(false);
await app.DisposeAsync().ConfigureAwait(false);
return exitCode;
