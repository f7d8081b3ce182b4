using System.Diagnostics;
using System.Text.Json;

namespace Kubetest.Cli.Tests;

/// <summary>Runs a script of <c>tests/editor-check</c> (the npm tools an editor or a CI linter uses) and reads the JSON it prints.</summary>
internal static class EditorCheck
{
    public static readonly string Directory = Path.Combine(CliRunner.RepositoryRoot, "tests", "editor-check");

    /// <summary>
    /// <c>node SCRIPT ARGUMENTS…</c> in the check directory: its standard output parsed, after it exited 0.
    /// <paramref name="package"/> is the npm package it needs, named in the failure when it is not installed.
    /// </summary>
    public static async Task<JsonDocument> RunAsync(string script, string package, IEnumerable<string> arguments, TimeSpan timeout)
    {
        Assert.True(
            File.Exists(Path.Combine(Directory, "node_modules", package, "package.json")),
            $"{package} is not installed in {Directory}: run `npm ci` there (the test build does when npm is available)");

        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Directory };
        foreach (var argument in arguments.Prepend(script))
        {
            info.ArgumentList.Add(argument);
        }

        using var node = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await node.WaitForExitAsync(cancel.Token);
        Assert.True(node.ExitCode == 0, $"{script} exited with {node.ExitCode}: {await stderr}");
        return JsonDocument.Parse(await stdout);
    }
}
