using System.CommandLine;
using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Kubetest.Runtime.Kubernetes;

namespace Kubetest.Cli.Controller;

/// <summary>
/// <c>kubetest controller</c>: connects, takes the Lease (only its holder acts, as controller-runtime's leader election
/// does), then runs <see cref="TestJobController"/> until a signal (exit 0) or the Lease is lost (exit 1, so its pod
/// restarts and waits for the Lease again). A problem with the options or the kubeconfig is one line and exit 3.
/// </summary>
public static class ControllerCommand
{
    /// <summary>How long a Lease holds without renewal; a replica takes over this long after its holder died.</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(15);

    public static async Task<int> HandleAsync(RunCommand.Streams streams, ControllerOptions options, ParseResult parseResult, CancellationToken cancellationToken)
    {
        var log = new ControllerLog(streams.Error, CliOptions.ParseLevel(parseResult.GetValue(options.LogLevel)) ?? LogLevel.Info);
        IKubernetes client;
        string? watched;
        string leaseNamespace;
        try
        {
            var target = KubernetesConnection.Load(parseResult.GetValue(options.Config), parseResult.GetValue(options.Context), parseResult.GetValue(options.InCluster));
            var contextNamespace = target.ContextNamespace ?? "default";
            watched = parseResult.GetValue(options.AllNamespaces) ? null : parseResult.GetValue(options.Namespace) ?? contextNamespace;
            leaseNamespace = parseResult.GetValue(options.LeaseNamespace) ?? watched ?? contextNamespace;
            client = await KubernetesConnection.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
        }
        catch (UserInputException ex)
        {
            await streams.Error.WriteLineAsync($"[ERROR] {Model.Printable.Escape(ex.Message)}").ConfigureAwait(false);
            return ExitCodes.Error;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }

        using (client)
        {
            // A controller restarted in the same pod finds its predecessor's run directories in /tmp: they are gone with it.
            foreach (var (path, error) in RunWorkspace.RemoveStale(Path.GetTempPath()))
            {
                log.Line(error is null ? LogLevel.Debug : LogLevel.Warn, error is null ? $"removed {path}, the directory of a kubetest run that is gone" : $"could not remove {path}, the directory of a kubetest run that is gone: {error}");
            }

            var identity = parseResult.GetValue(options.Identity) ?? (Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod : Environment.MachineName);
            var controller = new TestJobController(new TestJobClient(client, watched, identity), log, parseResult.GetValue(options.MaxConcurrentRuns), identity, new TestJobPolicy(parseResult.GetValue(options.AllowLocalRepositories), TestJobPolicy.ServiceAccountFromEnvironment()));
            if (parseResult.GetValue(options.NoLeaderElection))
            {
                log.Line(LogLevel.Warn, "--no-leader-election: acting without the Lease; a second controller would run the same TestJobs");
                await controller.RunAsync(cancellationToken).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            return await LeadAsync(client, controller, leaseNamespace, parseResult.GetValue(options.LeaseName)!, identity, log, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<int> LeadAsync(IKubernetes client, TestJobController controller, string leaseNamespace, string leaseName, string identity, ControllerLog log, CancellationToken stop)
    {
        var lease = new LeaseLock(client, leaseNamespace, leaseName, identity);
        var config = new LeaderElectionConfig(lease)
        {
            LeaseDuration = LeaseDuration,
            RenewDeadline = TimeSpan.FromSeconds(10),
            RetryPeriod = TimeSpan.FromSeconds(2),
        };
        using var elector = new LeaderElector(config);
        var leading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var lost = new CancellationTokenSource();
        elector.OnStartedLeading += () => leading.TrySetResult();
        elector.OnStoppedLeading += () => lost.Cancel();
        elector.OnNewLeader += leader =>
        {
            if (leader != identity)
            {
                log.Line(LogLevel.Info, $"lease {leaseNamespace}/{leaseName} is held by {leader}: waiting for it");
            }
        };
        void Failed(Exception ex) => log.Once(LogLevel.Error, $"lease {leaseNamespace}/{leaseName}: {TestJobClient.Describe(ex)}{(TestJobClient.IsForbidden(ex) ? " (the controller needs get, create and update on leases)" : string.Empty)}");
        elector.OnError += Failed;

        // The lock swallows a refused create or update (it only answers "not taken"); a conflict is another replica's
        // turn, anything else is said once.
        lease.OnHttpError += ex =>
        {
            if (ex.Response.StatusCode != System.Net.HttpStatusCode.Conflict)
            {
                Failed(ex);
            }
        };
        log.Line(LogLevel.Info, $"controller {identity}: waiting for lease {leaseNamespace}/{leaseName}");
        using var electing = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var election = elector.RunUntilLeadershipLostAsync(electing.Token);
        await Task.WhenAny(leading.Task, election, Task.Delay(Timeout.Infinite, stop)).ConfigureAwait(false);
        if (!leading.Task.IsCompleted)
        {
            await electing.CancelAsync().ConfigureAwait(false);
            await election.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return stop.IsCancellationRequested ? ExitCodes.Success : ExitCodes.Failed;
        }

        log.Line(LogLevel.Info, $"controller {identity}: holds lease {leaseNamespace}/{leaseName}");
        using var acting = CancellationTokenSource.CreateLinkedTokenSource(stop, lost.Token);
        await controller.RunAsync(acting.Token).ConfigureAwait(false);
        await electing.CancelAsync().ConfigureAwait(false);
        await election.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (lost.IsCancellationRequested && !stop.IsCancellationRequested)
        {
            log.Line(LogLevel.Error, $"controller {identity}: lost lease {leaseNamespace}/{leaseName}; its runs were stopped, exiting so that it starts again and waits for the lease");
            return ExitCodes.Failed;
        }

        return ExitCodes.Success;
    }
}
