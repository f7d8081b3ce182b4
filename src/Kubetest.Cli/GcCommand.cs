using System.CommandLine;
using k8s.Autorest;
using Kubetest.Runtime.Kubernetes;

namespace Kubetest.Cli;

/// <summary>
/// <c>kubetest gc</c>: lists (<c>--dry-run</c>) or deletes what runs whose process is gone left
/// behind. One line per object on stdout (<c>deleted …</c> or <c>would delete …</c>), what stays
/// on stderr. Exit 0 when everything listed is gone, 1 when something could not be deleted, 3
/// when the cluster cannot be reached.
/// </summary>
public static class GcCommand
{
    public static async Task<int> HandleAsync(RunCommand.Streams streams, GcOptions options, ParseResult parseResult, CancellationToken cancellationToken)
    {
        var dryRun = parseResult.GetValue(options.DryRun);
        try
        {
            return RuntimeKinds.Parse(parseResult.GetValue(options.Runtime)!) == RuntimeKind.Local
                ? await LocalAsync(streams, dryRun).ConfigureAwait(false)
                : await KubernetesAsync(streams, options, parseResult, dryRun, cancellationToken).ConfigureAwait(false);
        }
        catch (UserInputException ex)
        {
            await streams.Error.WriteLineAsync($"[ERROR] {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Error;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await streams.Error.WriteLineAsync("[WARN] gc stopped").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
    }

    private static async Task<int> LocalAsync(RunCommand.Streams streams, bool dryRun)
    {
        var parent = Path.GetTempPath();
        var failed = false;
        if (dryRun)
        {
            foreach (var (path, owner) in RunWorkspace.FindStale(parent))
            {
                await streams.Output.WriteLineAsync($"would delete directory {path}: its kubetest pid {owner.Pid} (run {owner.RunId}) is gone").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        }

        foreach (var (path, error) in RunWorkspace.RemoveStale(parent))
        {
            if (error is null)
            {
                await streams.Output.WriteLineAsync($"deleted directory {path}").ConfigureAwait(false);
            }
            else
            {
                failed = true;
                await streams.Error.WriteLineAsync($"[WARN] could not delete directory {path}: {error}").ConfigureAwait(false);
            }
        }

        return failed ? ExitCodes.Failed : ExitCodes.Success;
    }

    private static async Task<int> KubernetesAsync(RunCommand.Streams streams, GcOptions options, ParseResult parseResult, bool dryRun, CancellationToken cancellationToken)
    {
        // The same conventions as a run: -n, else the context's namespace, else default.
        var target = KubernetesConnection.Load(parseResult.GetValue(options.Config), parseResult.GetValue(options.Context), parseResult.GetValue(options.InCluster));
        var @namespace = parseResult.GetValue(options.Namespace) ?? target.ContextNamespace ?? "default";
        using var client = await KubernetesConnection.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
        var leftovers = new Leftovers(client, @namespace, TimeProvider.System);
        IReadOnlyList<Leftover> collect, keep;
        try
        {
            (collect, keep) = await leftovers.FindAsync(parseResult.GetValue(options.OlderThan), cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            throw new UserInputException($"cannot list kubetest's jobs and pods in namespace {@namespace}: the API server answered {(int)ex.Response.StatusCode} {KubernetesPodRuntime.StatusMessage(ex)} (gc needs list on batch/jobs and core/pods, see deploy/rbac.yaml)", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw new UserInputException($"cannot list kubetest's jobs and pods in namespace {@namespace}: {ex.Message}", ex);
        }

        foreach (var kept in keep)
        {
            await streams.Error.WriteLineAsync($"[INFO] keep {kept}").ConfigureAwait(false);
        }

        var failed = false;
        foreach (var leftover in collect)
        {
            if (dryRun)
            {
                await streams.Output.WriteLineAsync($"would delete {leftover}").ConfigureAwait(false);
                continue;
            }

            if (await leftovers.DeleteAsync(leftover, cancellationToken).ConfigureAwait(false) is { } error)
            {
                failed = true;
                await streams.Error.WriteLineAsync($"[WARN] could not delete {leftover.Kind}/{leftover.Name} in namespace {leftover.Namespace}: {error}").ConfigureAwait(false);
            }
            else
            {
                await streams.Output.WriteLineAsync($"deleted {leftover}").ConfigureAwait(false);
            }
        }

        return failed ? ExitCodes.Failed : ExitCodes.Success;
    }
}
