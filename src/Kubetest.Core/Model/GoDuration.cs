using System.Globalization;
using System.Text.RegularExpressions;

namespace Kubetest.Model;

/// <summary>Durations as Go writes them (<c>6h</c>, <c>90m</c>, <c>1h30m</c>, <c>45s</c>) or plain whole seconds; the manifest and the command line share it.</summary>
public static partial class GoDuration
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(text);
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

    /// <summary>The shortest Go-style text for a whole number of seconds: <c>90s</c> → <c>1m30s</c>.</summary>
    public static string Format(TimeSpan duration)
    {
        var seconds = (long)duration.TotalSeconds;
        var text = (seconds / 3600 > 0 ? $"{seconds / 3600}h" : "") + (seconds % 3600 / 60 > 0 ? $"{seconds % 3600 / 60}m" : "") + (seconds % 60 > 0 ? $"{seconds % 60}s" : "");
        return text.Length == 0 ? "0s" : text;
    }

    [GeneratedRegex(@"^(?:(?<h>\d{1,6})h)?(?:(?<m>\d{1,6})m)?(?:(?<s>\d{1,9})s)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
