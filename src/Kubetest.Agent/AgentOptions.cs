using System.Globalization;
using Kubetest.Model;

namespace Kubetest.Agent;

/// <summary>The command line: <c>kubetest-agent --port N [--timeout DURATION]</c>, as the original's agent takes it.</summary>
public sealed record AgentOptions(int Port, TimeSpan? Timeout, string? TimeoutText)
{
    /// <summary>The longest wait a timer here takes (Task.Delay stops at about 49 days).</summary>
    public static readonly TimeSpan MaxTimeout = GoDuration.MaxTimerDelay;

    public const string Usage = "usage: kubetest-agent --port N [--timeout DURATION]   (DURATION as in Go: 90s, 30m, 1h30m, 1.5h, or whole seconds)";

    /// <summary>The options, or the one line that says what is wrong.</summary>
    public static (AgentOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        int? port = null;
        TimeSpan? timeout = null;
        string? timeoutText = null;
        for (var i = 0; i < args.Count; i++)
        {
            var (name, value) = Split(args[i]);
            if (name is not ("--port" or "--timeout"))
            {
                return (null, $"unknown argument {args[i]}; {Usage}");
            }

            if (value is null)
            {
                if (i + 1 >= args.Count)
                {
                    return (null, $"{name} needs a value; {Usage}");
                }

                value = args[++i];
            }

            if (name == "--port")
            {
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
                {
                    return (null, $"--port: {value} is not a port number (1-65535)");
                }

                port = number;
            }
            else
            {
                if (!GoDuration.TryParse(value, out var duration))
                {
                    return (null, GoDuration.Invalid(name, value));
                }

                if (duration > MaxTimeout)
                {
                    return (null, GoDuration.TooLong(name, MaxTimeout, value));
                }

                timeout = duration;
                timeoutText = value;
            }
        }

        return port is { } p ? (new AgentOptions(p, timeout, timeoutText), null) : (null, $"--port is required; {Usage}");
    }

    private static (string Name, string? Value) Split(string argument)
    {
        var equals = argument.IndexOf('=', StringComparison.Ordinal);
        return argument.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? (argument[..equals], argument[(equals + 1)..]) : (argument, null);
    }
}
