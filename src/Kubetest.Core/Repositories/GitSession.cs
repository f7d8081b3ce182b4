using System.ComponentModel;
using System.Diagnostics;
using Kubetest.Files;

namespace Kubetest.Repositories;

/// <summary>
/// Runs the <c>git</c> CLI for one checkout. Credentials reach git only through the child's
/// environment: an askpass script (no secret in it) prints the user name for a Username prompt and
/// <c>$KUBETEST_GIT_TOKEN</c> for a Password prompt, so a token is never in argv, a URL,
/// <c>.git/config</c> or a file. Stored credential helpers and the system config are switched off.
/// Only the transports of <see cref="RepositoryUrl"/> are allowed (also for URLs the user's config
/// rewrites), and each git command has a time limit: at it, git is killed with all it started.
/// </summary>
internal sealed class GitSession : IDisposable
{
    public const string TokenUserName = "x-access-token";

    // A transfer slower than this many bytes a second for this many seconds is aborted by git's
    // curl (http, https), so a stalled server ends a step long before the time limit; ssh and
    // git:// have no such setting and end at the limit.
    private const string LowSpeedLimit = "1000";
    private const string LowSpeedSeconds = "60";

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
    private readonly TimeSpan _timeout;
    private readonly string _displayUrl;

    /// <param name="timeout">The longest one git command may take (<c>--clone-timeout</c>).</param>
    public GitSession(GitUrl url, string? token, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _timeout = timeout;
        _displayUrl = url.Shown;
        Secrets = [token, url.Password];
        Credentials = token is not null ? "the token" : url.Password is not null ? "the password in the URL" : null;
        _environment["GIT_TERMINAL_PROMPT"] = "0";
        _environment["GIT_CONFIG_NOSYSTEM"] = "1";
        // Overrides protocol.allow in any config: fd::, ext:: and other remote helpers never run.
        _environment["GIT_ALLOW_PROTOCOL"] = RepositoryUrl.AllowedProtocols;
        // The user's own values win: they know their network.
        _environment["GIT_HTTP_LOW_SPEED_LIMIT"] = Environment.GetEnvironmentVariable("GIT_HTTP_LOW_SPEED_LIMIT") ?? LowSpeedLimit;
        _environment["GIT_HTTP_LOW_SPEED_TIME"] = Environment.GetEnvironmentVariable("GIT_HTTP_LOW_SPEED_TIME") ?? LowSpeedSeconds;
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
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(_timeout);
            try
            {
                await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The tree: git's remote helpers (git-remote-https) and ssh are its children.
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                await Task.WhenAll(output, error).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                throw new UserInputException(
                    $"repository {_displayUrl}: git {Verb(arguments)} did not finish within {GoDuration.Format(_timeout)} (--clone-timeout), so it was stopped: the server does not answer, or the transfer needs a longer --clone-timeout");
            }

            await error.ConfigureAwait(false);
            return new GitResult(process.ExitCode, await output.ConfigureAwait(false), stderr.ToString());
        }
    }

    /// <summary>The git command's name (<c>fetch</c>), after any <c>-c name=value</c> pairs.</summary>
    private static string Verb(IReadOnlyList<string> arguments)
    {
        var i = 0;
        while (i + 1 < arguments.Count && arguments[i] == "-c")
        {
            i += 2;
        }

        return i < arguments.Count ? arguments[i] : "git";
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
