using System.CommandLine;
using System.Runtime.InteropServices;
using Kubetest.Cli.Progress;

namespace Kubetest.Cli;

public static class Program
{
    /// <summary>The first word that prints the manifest schema; a manifest file called schema runs as <c>kubetest ./schema</c>.</summary>
    private const string SchemaCommand = "schema";

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
        if (args is [SchemaCommand, .. var rest])
        {
            return await PrintSchemaAsync(rest, output, error).ConfigureAwait(false);
        }

        var options = new CliOptions();
        var streams = new RunCommand.Streams(output, error, interactive);
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

    /// <summary>`kubetest schema`: the TestJob manifest's JSON Schema on stdout, for editors and linters.</summary>
    private static async Task<int> PrintSchemaAsync(string[] rest, TextWriter output, TextWriter error)
    {
        if (rest is ["-h" or "--help"])
        {
            await output.WriteLineAsync("Usage: kubetest schema\n\nPrints the JSON Schema (draft 2020-12) of a TestJob manifest, e.g. for yaml-language-server:\n  kubetest schema > testjob.schema.json\n  # yaml-language-server: $schema=./testjob.schema.json").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        if (rest.Length > 0)
        {
            await error.WriteLineAsync($"kubetest: schema takes no arguments, got '{rest[0]}'\nRun 'kubetest schema --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        await output.WriteLineAsync(Model.ManifestSchema.Json()).ConfigureAwait(false);
        return ExitCodes.Success;
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
