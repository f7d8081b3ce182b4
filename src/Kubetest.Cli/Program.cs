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
        var root = options.CreateRootCommand();
        root.SetAction((parseResult, ct) => RunCommand.HandleAsync(new RunCommand.Streams(output, error), options, parseResult, ct));
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var parseError in parseResult.Errors)
            {
                await error.WriteLineAsync($"kubetest: {parseError.Message}").ConfigureAwait(false);
            }

            await error.WriteLineAsync("Run 'kubetest --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        // Our own signal handling cancels the token; System.CommandLine must not also hold the process.
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
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
