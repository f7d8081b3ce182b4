namespace Kubetest.Cli;

/// <summary>The exit codes of docs/cli.md ("Exit codes"), the same for every runtime.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The TestJob ran and something in it failed.</summary>
    public const int Failed = 1;

    /// <summary>Bad command-line options.</summary>
    public const int Usage = 2;

    /// <summary>Anything else the user can fix: an invalid manifest, a missing file, an unreachable cluster.</summary>
    public const int Error = 3;

    /// <summary>Stopped by SIGINT/SIGTERM, after cleaning up.</summary>
    public const int Interrupted = 4;
}
