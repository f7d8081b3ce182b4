using System.CommandLine;
using System.Runtime.InteropServices;
using Kubetest.Cli.Progress;

namespace Kubetest.Cli;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Stop(context, stop));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Stop(context, stop));
        var interactive = TerminalMode.Interactive(Environment.GetEnvironmentVariable, !Console.IsOutputRedirected, !Console.IsErrorRedirected);
        return await RunAsync(args, Console.Out, Console.Error, interactive, stop.Token).ConfigureAwait(false);
    }

    /// <summary>The whole CLI with its writers injected, so tests read what it prints (the plain lines, never the live view).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        RunAsync(args, output, error, interactive: false, cancellationToken);

    /// <summary>
    /// The whole CLI; <paramref name="interactive"/>: <paramref name="error"/> is an interactive terminal,
    /// where a run shows the live progress view below its lines.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, bool interactive, CancellationToken cancellationToken)
    {
        var options = new CliOptions();
        var streams = new RunCommand.Streams(output, error, interactive);
        // `kubetest gc …`, `kubetest schema`, `kubetest crd` and `kubetest controller` are chosen by their first word only: `kubetest FILE`
        // stays exactly as it was, and a manifest file called gc runs as `kubetest ./gc`.
        var root = args is [GcOptions.Name or CliOptions.SchemaName or CliOptions.CrdName or Controller.ControllerOptions.Name, ..] ? options.CreateCommandsRoot() : options.CreateRootCommand();
        root.SetAction((parseResult, ct) => RunCommand.HandleAsync(streams, options, parseResult, ct));
        options.GcCommand.SetAction((parseResult, ct) => GcCommand.HandleAsync(streams, options.Gc, parseResult, ct));
        options.ControllerCommand.SetAction((parseResult, ct) => Controller.ControllerCommand.HandleAsync(streams, options.Controller, parseResult, ct));
        options.Schema.SetAction(async (_, _) =>
        {
            await output.WriteLineAsync(Model.ManifestSchema.Json()).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        options.Crd.SetAction(async (_, _) =>
        {
            await output.WriteAsync(Model.TestJobCrd.Yaml()).ConfigureAwait(false);
            return ExitCodes.Success;
        });

        var parseResult = root.Parse(args);
        var command = parseResult.CommandResult.Command;
        var usage = command == root ? "kubetest --help" : $"kubetest {command.Name} --help";
        var unknown = UnknownOptions(root, command, args);
        var messages = command != root && (args.Length == 0 || args[0] != command.Name)
            ? [$"{command.Name} is a command only as the first word; a manifest file called {command.Name} runs as: kubetest ./{command.Name}"]
            : unknown.Count > 0
                ? unknown.Select(u => $"unknown option '{u}'") // else taken for FILE and blamed on the real file
                : (command == options.Schema || command == options.Crd) && parseResult.UnmatchedTokens.Count > 0
                    ? [$"{command.Name} takes no arguments, got '{Model.Printable.Escape(parseResult.UnmatchedTokens[0])}'"]
                    : parseResult.Errors.Select(e => e.Message);
        var problems = messages.ToList();
        if (problems.Count > 0)
        {
            foreach (var message in problems)
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

    /// <summary>Options of neither <paramref name="command"/> nor those it inherits (help); an option's value (<c>--pending-timeout -5m</c>) is not one.</summary>
    private static List<string> UnknownOptions(RootCommand root, Command command, string[] args)
    {
        var known = command.Options.Concat(command == root ? [] : root.Options.Where(o => o.Recursive))
            .SelectMany(o => o.Aliases.Append(o.Name).Select(name => (name, o)))
            .ToDictionary(p => p.name, p => p.o, StringComparer.Ordinal);
        var unknown = new List<string>();
        for (var i = 0; i < args.Length && args[i] != "--"; i++)
        {
            var name = args[i].Split('=', 2)[0];
            if (known.TryGetValue(name, out var option))
            {
                i += option.Arity.MinimumNumberOfValues > 0 && name.Length == args[i].Length ? 1 : 0;
            }
            else if (args[i].Length > 1 && args[i][0] == '-')
            {
                unknown.Add(args[i]);
            }
        }

        return unknown;
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
