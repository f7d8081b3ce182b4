using System.CommandLine.Parsing;

namespace Kubetest.Cli;

/// <summary>Durations on the command line as Go writes them (<c>6h</c>, <c>90m</c>, <c>1h30m</c>, <c>45s</c>) or plain seconds.</summary>
public static class Durations
{
    /// <summary>A parser for an option of type <see cref="TimeSpan"/>: a bad value is a usage error naming the option.</summary>
    public static TimeSpan Parse(ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
        if (Model.GoDuration.TryParse(text, out var duration))
        {
            return duration;
        }

        var option = (result.Parent as OptionResult)?.Option.Name ?? "the duration";
        result.AddError($"{option} expects a duration such as 6h, 90m, 1h30m or 45s (or whole seconds), got \"{text}\"");
        return TimeSpan.Zero;
    }
}
