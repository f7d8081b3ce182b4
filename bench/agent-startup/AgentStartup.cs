#:project ../../src/Kubetest.Agent.Client/Kubetest.Agent.Client.csproj
#:property TreatWarningsAsErrors=false
// Start-up time of kubetest-agent: from starting the process to the first successful (authenticated) call.
// dotnet run bench/agent-startup/AgentStartup.cs -- RUNS COMMAND... (the agent command line without --port)
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Kubetest.Agent.Client;
using Kubetest.Agent.Protocol;

var runs = int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
var times = new List<double>();
for (var i = 0; i < runs; i++)
{
    using var key = AgentKey.Create(TimeProvider.System);
    var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    var port = ((IPEndPoint)listener.LocalEndpoint).Port;
    listener.Stop();
    var info = new ProcessStartInfo(args[1]) { RedirectStandardError = true };
    foreach (var a in args.Skip(2).Concat(["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
    {
        info.ArgumentList.Add(a);
    }

    info.Environment[AgentAuth.PublicKeyVariable] = key.PublicKeyPem;
    var token = key.Token();
    using var client = new AgentClient(new Uri($"http://127.0.0.1:{port}"), () => token);
    var watch = Stopwatch.StartNew();
    using var process = Process.Start(info)!;
    await client.WaitReadyAsync(TimeSpan.FromSeconds(30));
    times.Add(watch.Elapsed.TotalMilliseconds);
    await client.FinishAsync();
    await process.WaitForExitAsync();
}

times.Sort();
Console.WriteLine($"runs {runs}: median {times[runs / 2]:0} ms, min {times[0]:0} ms, max {times[^1]:0} ms");
