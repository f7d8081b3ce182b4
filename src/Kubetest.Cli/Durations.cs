using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Kubetest.Cli;

/// <summary>Durations on the command line as Go writes them (<c>6h</c>, <c>90m</c>, <c>1h30m</c>, <c>45s</c>) or plain seconds.</summary>
public static partial class Durations
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var plain) && plain < 1_000_000_000)
        {
            duration = TimeSpan.FromSeconds(plain);
            return plain > 0;
        }

        var match = Pattern().Match(text);
        if (!match.Success || match.Length == 0)
        {
            return false;
        }

        long Part(string name) => match.Groups[name].Success ? long.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        duration = TimeSpan.FromHours(Part("h")) + TimeSpan.FromMinutes(Part("m")) + TimeSpan.FromSeconds(Part("s"));
        return duration > TimeSpan.Zero;
    }

    /// <summary>A parser for an option of type <see cref="TimeSpan"/>: a bad value is a usage error naming the option.</summary>
    public static TimeSpan Parse(ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
        if (TryParse(text, out var duration))
        {
            return duration;
        }

        var option = (result.Parent as OptionResult)?.Option.Name ?? "the duration";
        result.AddError($"{option} expects a duration such as 6h, 90m, 1h30m or 45s (or whole seconds), got \"{text}\"");
        return TimeSpan.Zero;
    }

    [GeneratedRegex(@"^(?:(?<h>\d{1,6})h)?(?:(?<m>\d{1,6})m)?(?:(?<s>\d{1,9})s)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
