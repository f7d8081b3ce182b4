using System.CommandLine;

namespace Kubetest.Cli;

/// <summary>The options of <c>kubetest gc</c>; the connection options are those of a run.</summary>
public sealed class GcOptions
{
    public Option<bool> DryRun { get; } = new("--dry-run") { Description = "list what would be deleted, delete nothing" };

    public Option<string> Runtime { get; } = new("--runtime")
    {
        Description = "kubernetes: Jobs and pods of runs that are gone; local: directories of local runs that are gone, in the temp directory",
        DefaultValueFactory = _ => RuntimeKind.Kubernetes.Name(),
    };

    public Option<string?> Config { get; } = new("--config", "-c", "--kubeconfig") { Description = "kubeconfig path (default: the files of $KUBECONFIG merged as kubectl does, else $HOME/.kube/config)" };

    public Option<string?> Namespace { get; } = new("--namespace", "-n") { Description = "the namespace (default: the kubeconfig context's namespace, else default)" };

    public Option<string?> Context { get; } = new("--context") { Description = "the kubeconfig context to use (default: its current-context; kubernetes runtime)" };

    public Option<bool> InCluster { get; } = new("--in-cluster") { Description = "specify whether in cluster" };

    public Option<TimeSpan?> OlderThan { get; } = new("--older-than")
    {
        Description = "also delete kubetest Jobs created longer ago than this (e.g. 12h) whose owner cannot be checked from here: runs of other hosts before their deadline, Jobs without an owner",
        CustomParser = result => Durations.Parse(result),
    };

    /// <summary>The first word that makes a command line <c>kubetest gc</c>.</summary>
    public const string Name = "gc";

    public const string Description = "Deletes what kubetest runs whose process is gone left behind: Jobs and their pods (kubernetes), run directories (local). A manifest file called gc runs as: kubetest ./gc";

    /// <summary><c>kubetest gc</c>, a subcommand of <see cref="CliOptions.CreateCommandsRoot"/>.</summary>
    public Command CreateCommand()
    {
        Runtime.AcceptOnlyFromAmong([.. RuntimeKinds.Names]);
        return new Command(Name, Description)
        {
            DryRun, Runtime, Config, Context, Namespace, InCluster, OlderThan,
        };
    }
}
