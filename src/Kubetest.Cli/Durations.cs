using System.CommandLine.Parsing;

namespace Kubetest.Cli;

/// <summary>Durations on the command line in the one grammar of <see cref="Model.GoDuration"/>: Go's (<c>300ms</c>, <c>1.5h</c>, <c>1h30m</c>) or whole seconds.</summary>
public static class Durations
{
    /// <summary>A parser for an option of type <see cref="TimeSpan"/>: a bad value, or one above <paramref name="max"/>, is a usage error naming the option.</summary>
    public static TimeSpan Parse(ArgumentResult result, TimeSpan? max = null)
    {
        var text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
        var option = (result.Parent as OptionResult)?.Option.Name ?? "the duration";
        if (!Model.GoDuration.TryParse(text, out var duration))
        {
            result.AddError(Model.GoDuration.Invalid(option, text));
        }
        else if (duration > max)
        {
            result.AddError(Model.GoDuration.TooLong(option, max.Value, text));
        }

        return duration;
    }
}
