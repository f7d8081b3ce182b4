using System.Globalization;
using System.Text.RegularExpressions;
using Kubetest.Emulator;

// Standalone: write a kubeconfig for ourselves and serve until SIGINT/SIGTERM.
string? kubeconfig = null;
var admin = false;
var options = new EmulatorOptions();
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--kubeconfig": kubeconfig = Value(); break;
        case "--admin": admin = true; break;
        case "--no-sandbox": options.NoSandbox = true; break;
        case "--state-dir": options.StateDirectory = Value(); break;
        case "--fail-rate": options.Faults.InternalErrorRate = double.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--throttle-rate": options.Faults.TooManyRequestsRate = double.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--retry-after": options.Faults.RetryAfterSeconds = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--fail-delete-rate": options.Faults.DeleteFailureRate = double.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--fail-deletes": options.Faults.FailDeletesOf.UnionWith(Value().Split(',', StringSplitOptions.RemoveEmptyEntries)); break;
        case "--fault-exec-upgrades": options.Faults.IncludeExecUpgrades = true; break;
        case "--refuse-exec-upgrades": options.Faults.RefuseExecUpgrades = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--drop-exec-after-bytes": options.Faults.DropExecAfterBytes = long.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--drop-watch-after-events": options.Faults.DropWatchAfterEvents = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--drop-watch-after-seconds": options.Faults.DropWatchAfter = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)); break;
        case "--hold-pending": options.Faults.HoldPendingReason = Value(); break;
        case "--hold-pending-jobs": options.Faults.HoldPendingJobPattern = new Regex(Value()); break;
        case "--watch-history": options.WatchHistory = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--events-per-namespace": options.EventsPerNamespace = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--revoke": options.RevokedVerbs.UnionWith(Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)); break;
        default:
            await Console.Error.WriteLineAsync($"unknown option {args[i]}; usage: --kubeconfig FILE [--admin] [--no-sandbox] [--state-dir DIR] [--fail-rate 0.1] [--throttle-rate 0.1] [--retry-after S] [--fail-delete-rate 0.2] [--fail-deletes jobs,pods] [--fault-exec-upgrades] [--refuse-exec-upgrades N] [--drop-exec-after-bytes N] [--drop-watch-after-events N] [--drop-watch-after-seconds S] [--hold-pending REASON] [--hold-pending-jobs REGEX] [--watch-history N] [--events-per-namespace N] [--revoke \"update configmaps,…\"]");
            return 2;
    }
}

if (kubeconfig is null)
{
    await Console.Error.WriteLineAsync("usage: Kubetest.Emulator --kubeconfig FILE [options]");
    return 2;
}

await using var emulator = await KubeEmulator.StartAsync(options);
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.TrySetResult();
});

// Written to a temporary name first so a watcher never sees half a kubeconfig.
var temporary = kubeconfig + ".tmp";
emulator.WriteKubeconfig(temporary, admin ? "admin" : "kubetest");
File.Move(temporary, kubeconfig, overwrite: true);
Console.WriteLine($"kubetest emulator serving {emulator.BaseUri} ; kubeconfig written to {kubeconfig} (contexts: kubetest, admin, controller)");
await stop.Task;
File.Delete(kubeconfig);
return 0;
