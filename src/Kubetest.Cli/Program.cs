using System.CommandLine;
using System.Runtime.InteropServices;

namespace Kubetest.Cli;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Stop(context, stop));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Stop(context, stop));
        return await RunAsync(args, Console.Out, Console.Error, stop.Token).ConfigureAwait(false);
    }

    /// <summary>The whole CLI with its writers injected, so tests read what it prints.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var options = new CliOptions();
        var streams = new RunCommand.Streams(output, error);
        Command root;
        var usage = "kubetest --help";

        // `kubetest gc …` is its own command line, chosen by its first word only: `kubetest FILE`
        // stays exactly as it was, and a manifest file called gc runs as `kubetest ./gc`.
        if (args is [GcOptions.Name, ..])
        {
            root = options.Gc.CreateCommand();
            root.SetAction((parseResult, ct) => GcCommand.HandleAsync(streams, options.Gc, parseResult, ct));
            args = args[1..];
            usage = "kubetest gc --help";
        }
        else
        {
            root = options.CreateRootCommand();
            root.SetAction((parseResult, ct) => RunCommand.HandleAsync(streams, options, parseResult, ct));
        }

        var parseResult = root.Parse(args);
        var unknown = UnknownOptions(root, args);
        if (parseResult.Errors.Count > 0 || unknown.Count > 0)
        {
            // An unknown option would otherwise be taken for FILE and blamed on the real file.
            var messages = unknown.Count > 0
                ? unknown.Select(u => $"unknown option '{u}'")
                : parseResult.Errors.Select(e => e.Message);
            foreach (var message in messages)
            {
                await error.WriteLineAsync($"kubetest: {message}").ConfigureAwait(false);
            }

            await error.WriteLineAsync($"Run '{usage}' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        // Our own signal handling cancels the token; System.CommandLine must not also hold the process.
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }

    private static List<string> UnknownOptions(Command root, string[] args)
    {
        var known = root.Options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
        return args
            .TakeWhile(a => a != "--")
            .Where(a => a.Length > 1 && a[0] == '-' && !known.Contains(a.Split('=', 2)[0]))
            .ToList();
    }

    /// <summary>The first signal stops the run cleanly (exit 4); a second one ends the process at once.</summary>
    private static void Stop(PosixSignalContext context, CancellationTokenSource stop)
    {
        if (stop.IsCancellationRequested)
        {
            return;
        }

        context.Cancel = true;
        stop.Cancel();
    }
}
