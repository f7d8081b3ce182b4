using System.CommandLine;

namespace Kubetest.Cli.Controller;

/// <summary>The options of <c>kubetest controller</c>; the connection options are those of a run.</summary>
public sealed class ControllerOptions
{
    /// <summary>The first word that makes a command line <c>kubetest controller</c>.</summary>
    public const string Name = "controller";

    public const string Description = "Runs TestJob resources (testjobs.kubetest.io) as they are created in the cluster, with the kubernetes runtime, and writes each run's outcome into its status. A manifest file called controller runs as: kubetest ./controller";

    /// <summary>Four runs at once: enough to keep a small cluster busy, few enough that one controller pod's memory stays small.</summary>
    public const int DefaultMaxConcurrentRuns = 4;

    public const string DefaultLeaseName = "kubetest-controller";

    public Option<string?> Namespace { get; } = new("--namespace", "-n") { Description = "watch TestJobs in this namespace (default: the kubeconfig context's namespace, in a pod its own, else default)" };

    public Option<bool> AllNamespaces { get; } = new("--all-namespaces", "-A") { Description = "watch TestJobs in every namespace (needs the ClusterRole of deploy/all-namespaces)" };

    public Option<int> MaxConcurrentRuns { get; } = new("--max-concurrent-runs")
    {
        Description = $"run at most this many TestJobs at once; the others wait as Pending, oldest first",
        DefaultValueFactory = _ => DefaultMaxConcurrentRuns,
    };

    public Option<string?> Config { get; } = new("--config", "-c", "--kubeconfig") { Description = "kubeconfig path (default: the files of $KUBECONFIG merged as kubectl does, else $HOME/.kube/config)" };

    public Option<string?> Context { get; } = new("--context") { Description = "the kubeconfig context to use (default: its current-context)" };

    public Option<bool> InCluster { get; } = new("--in-cluster") { Description = "use the pod's service account (in a Deployment)" };

    public Option<bool> AllowLocalRepositories { get; } = new("--allow-local-repositories")
    {
        Description = "let TestJobs clone repositories from paths and file:// URLs on the controller's own filesystem: only for a controller alone on a development machine",
    };

    public Option<bool> NoLeaderElection { get; } = new("--no-leader-election") { Description = "act without holding the Lease: only for a single controller that is sure to be alone" };

    public Option<string> LeaseName { get; } = new("--lease-name")
    {
        Description = $"the coordination.k8s.io Lease that replicas take turns on; only its holder runs TestJobs",
        DefaultValueFactory = _ => DefaultLeaseName,
    };

    public Option<string?> LeaseNamespace { get; } = new("--lease-namespace") { Description = "the Lease's namespace (default: the watched namespace; with --all-namespaces the context's or the pod's)" };

    public Option<string?> Identity { get; } = new("--identity") { Description = "this replica's name in the Lease (default: $POD_NAME, else the host name)" };

    public Option<string?> LogLevel { get; } = new("--log-level") { Description = "debug, info, warn or error: the least level of a line the controller and its runs print [default: info]" };

    /// <summary><c>kubetest controller</c>, a subcommand of <see cref="CliOptions.CreateCommandsRoot"/>.</summary>
    public Command CreateCommand()
    {
        MaxConcurrentRuns.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 1000)
            {
                result.AddError($"--max-concurrent-runs must be from 1 to 1000, got {result.GetValueOrDefault<int>()}");
            }
        });
        LogLevel.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } level && CliOptions.ParseLevel(level) is null)
            {
                result.AddError($"--log-level expects debug, info, warn or error (in any case), got \"{Model.Printable.Escape(level)}\"");
            }
        });
        var command = new Command(Name, Description)
        {
            Namespace, AllNamespaces, MaxConcurrentRuns, AllowLocalRepositories, Config, Context, InCluster, NoLeaderElection, LeaseName, LeaseNamespace, Identity, LogLevel,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(AllNamespaces) && result.GetValue(Namespace) is not null)
            {
                result.AddError("--namespace and --all-namespaces both say where to watch; pass one of them");
            }
        });
        return command;
    }
}
