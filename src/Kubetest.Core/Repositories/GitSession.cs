using System.ComponentModel;
using System.Diagnostics;
using Kubetest.Files;

namespace Kubetest.Repositories;

/// <summary>
/// Runs the <c>git</c> CLI for one checkout. Credentials reach git only through the child's
/// environment: an askpass script (no secret in it) prints the user name for a Username prompt and
/// <c>$KUBETEST_GIT_TOKEN</c> for a Password prompt, so a token is never in argv, a URL,
/// <c>.git/config</c> or a file. Stored credential helpers and the system config are switched off.
/// </summary>
internal sealed class GitSession : IDisposable
{
    public const string TokenUserName = "x-access-token";

    // printf is a shell builtin: the secret is never an argument of an exec'd process.
    private const string AskPassScript = """
        #!/bin/sh
        case "$1" in
          Username*) printf '%s\n' "$KUBETEST_GIT_USERNAME" ;;
          Password*) printf '%s\n' "$KUBETEST_GIT_TOKEN" ;;
          *) exit 1 ;;
        esac

        """;

    // Variables that would point git at another repository, inject config or credentials.
    private static readonly string[] DroppedVariables =
    [
        "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_NAMESPACE", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_ASKPASS", "SSH_ASKPASS",
        "GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM", "GIT_COMMON_DIR",
    ];

    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);
    private readonly string? _askPassDirectory;

    public GitSession(GitUrl url, string? token)
    {
        Secrets = [token, url.Password];
        Credentials = token is not null ? "the token" : url.Password is not null ? "the password in the URL" : null;
        _environment["GIT_TERMINAL_PROMPT"] = "0";
        _environment["GIT_CONFIG_NOSYSTEM"] = "1";
        // git's messages in English, whatever the user's locale: they are classified below.
        _environment["LC_ALL"] = "C";
        var (userName, password) = token is not null ? (TokenUserName, token) : (url.UserName, url.Password);
        if (password is null)
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("credentials for git are passed with a POSIX askpass script");
        }

        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        _askPassDirectory = Directory.CreateTempSubdirectory("kubetest-askpass-").FullName;
        File.SetUnixFileMode(_askPassDirectory, OwnerOnly);
        var script = Path.Combine(_askPassDirectory, "askpass");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnly };
        using (var writer = new StreamWriter(script, options))
        {
            writer.Write(AskPassScript);
        }

        _environment["GIT_ASKPASS"] = script;
        _environment["KUBETEST_GIT_USERNAME"] = userName ?? TokenUserName;
        _environment["KUBETEST_GIT_TOKEN"] = password;
    }

    /// <summary>What git is given to authenticate with, as messages name it; null when nothing.</summary>
    public string? Credentials { get; }

    /// <summary>What messages must never show: the token and a password taken from the URL.</summary>
    public IReadOnlyList<string?> Secrets { get; }

    public async Task<GitResult> RunAsync(string? workingDirectory, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("git")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        // An empty value resets the list of helpers: no stored credentials are used or written.
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("credential.helper=");
        if (_askPassDirectory is null)
        {
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("core.askPass=");
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var name in DroppedVariables)
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in _environment)
        {
            info.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new UserInputException("could not start git");
        }
        catch (Win32Exception e)
        {
            throw new UserInputException($"repositories are checked out with the git command, which could not be started: {e.Message}", e);
        }

        using (process)
        {
            process.StandardInput.Close();
            using var stderr = new TailStream();
            var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var error = process.StandardError.BaseStream.CopyToAsync(stderr, CancellationToken.None);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                await Task.WhenAll(output, error).ConfigureAwait(false);
                throw;
            }

            await error.ConfigureAwait(false);
            return new GitResult(process.ExitCode, await output.ConfigureAwait(false), stderr.ToString());
        }
    }

    public void Dispose()
    {
        if (_askPassDirectory is not null)
        {
            Directory.Delete(_askPassDirectory, recursive: true);
        }
    }
}

internal sealed record GitResult(int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;
}
