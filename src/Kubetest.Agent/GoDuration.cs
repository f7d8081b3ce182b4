using System.Globalization;

namespace Kubetest.Agent;

/// <summary>Go's duration syntax (<c>time.ParseDuration</c>), which <c>--timeout</c> takes as in the original: 90s, 1h30m, 1.5h, 300ms.</summary>
public static class GoDuration
{
    private static readonly (string Unit, double Ticks)[] Units =
    [
        ("ns", 0.01), ("us", 10), ("µs", 10), ("ms", TimeSpan.TicksPerMillisecond),
        ("s", TimeSpan.TicksPerSecond), ("m", TimeSpan.TicksPerMinute), ("h", TimeSpan.TicksPerHour),
    ];

    /// <summary>The duration, or null when <paramref name="text"/> is not one.</summary>
    public static TimeSpan? Parse(string text)
    {
        var rest = text.AsSpan();
        var negative = rest.StartsWith("-");
        if (negative || rest.StartsWith("+"))
        {
            rest = rest[1..];
        }

        if (rest is "0")
        {
            return TimeSpan.Zero;
        }

        if (rest.IsEmpty)
        {
            return null;
        }

        double ticks = 0;
        while (!rest.IsEmpty)
        {
            var digits = 0;
            while (digits < rest.Length && (char.IsAsciiDigit(rest[digits]) || rest[digits] == '.'))
            {
                digits++;
            }

            if (digits == 0 || !double.TryParse(rest[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return null;
            }

            rest = rest[digits..];
            var letters = 0;
            while (letters < rest.Length && !char.IsAsciiDigit(rest[letters]) && rest[letters] != '.')
            {
                letters++;
            }

            var name = rest[..letters].ToString();
            var unit = Array.FindIndex(Units, u => u.Unit == name);
            if (unit < 0)
            {
                return null;
            }

            ticks += number * Units[unit].Ticks;
            rest = rest[letters..];
        }

        return ticks > TimeSpan.MaxValue.Ticks ? null : TimeSpan.FromTicks((long)(negative ? -ticks : ticks));
    }
}
