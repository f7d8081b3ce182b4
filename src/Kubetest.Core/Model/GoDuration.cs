using System.Globalization;
using System.Text;

namespace Kubetest.Model;

/// <summary>
/// Durations as Go writes them (<c>time.ParseDuration</c>: <c>300ms</c>, <c>1.5h</c>, <c>2h45m</c>), plus bare
/// whole seconds (<c>600</c>) as the original's seconds options took them. One grammar for every option and
/// manifest field, and for kubetest-agent's <c>--timeout</c>: the agent compiles this file in, so it uses
/// nothing else of Core.
/// </summary>
public static class GoDuration
{
    /// <summary>Bare seconds stop below this, as they always did: a longer number is more likely a mistake.</summary>
    private const long MaxPlainSeconds = 1_000_000_000;

    private const ulong Overflow = 1UL << 63;

    /// <summary>The longest wait a .NET timer takes (<c>Task.Delay</c> stops at about 49 days): kubetest-agent's <c>--timeout</c> limit.</summary>
    public static readonly TimeSpan MaxTimerDelay = TimeSpan.FromHours(1000);

    private static readonly (string Unit, ulong Nanoseconds)[] Units =
    [
        ("ns", 1), ("us", 1_000), ("\u00b5s", 1_000), ("\u03bcs", 1_000), ("ms", 1_000_000),
        ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
    ];

    /// <summary>
    /// A positive duration in kubetest's grammar: Go's without a sign, or bare whole seconds. Sub-tick
    /// remainders (below 100 ns) round up, so a positive text never becomes zero.
    /// </summary>
    public static bool TryParse(string text, out TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(text);
        duration = TimeSpan.Zero;
        if (text.Length == 0 || text[0] is '+' or '-')
        {
            return false;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var plain))
        {
            duration = TimeSpan.FromSeconds(plain);
            return plain is > 0 and < MaxPlainSeconds;
        }

        if (!TryParseGo(text, out var nanoseconds) || nanoseconds <= 0)
        {
            return false;
        }

        duration = TimeSpan.FromTicks((nanoseconds / 100) + (nanoseconds % 100 == 0 ? 0 : 1));
        return true;
    }

    /// <summary>Exactly Go's <c>time.ParseDuration</c>, sign and all, in nanoseconds (Go's <c>time.Duration</c>).</summary>
    public static bool TryParseGo(string text, out long nanoseconds)
    {
        ArgumentNullException.ThrowIfNull(text);
        nanoseconds = 0;
        var rest = text.AsSpan();
        var negative = false;
        if (!rest.IsEmpty && rest[0] is '-' or '+')
        {
            negative = rest[0] == '-';
            rest = rest[1..];
        }

        if (rest is "0")
        {
            return true;
        }

        if (rest.IsEmpty)
        {
            return false;
        }

        ulong total = 0;
        while (!rest.IsEmpty)
        {
            if (!TryParseTerm(ref rest, out var term) || term > Overflow - total)
            {
                return false;
            }

            total += term;
        }

        if (!negative && total == Overflow)
        {
            return false;
        }

        nanoseconds = negative ? unchecked((long)(0 - total)) : (long)total;
        return true;
    }

    /// <summary>One <c>[0-9]*(\.[0-9]*)?unit</c> of Go's grammar, in nanoseconds, as Go computes it (fractions through a double).</summary>
    private static bool TryParseTerm(ref ReadOnlySpan<char> rest, out ulong nanoseconds)
    {
        nanoseconds = 0;
        if (!(rest[0] == '.' || char.IsAsciiDigit(rest[0])))
        {
            return false;
        }

        var length = rest.Length;
        ulong whole = 0;
        while (!rest.IsEmpty && char.IsAsciiDigit(rest[0]))
        {
            if (whole > Overflow / 10)
            {
                return false;
            }

            whole = (whole * 10) + (ulong)(rest[0] - '0');
            if (whole > Overflow)
            {
                return false;
            }

            rest = rest[1..];
        }

        var hasWhole = rest.Length != length;
        ulong fraction = 0;
        var scale = 1.0;
        var hasFraction = false;
        if (!rest.IsEmpty && rest[0] == '.')
        {
            rest = rest[1..];
            length = rest.Length;
            var overflow = false;
            while (!rest.IsEmpty && char.IsAsciiDigit(rest[0]))
            {
                // Digits past what fits are read and ignored, as Go does.
                overflow = overflow || fraction > (Overflow - 1) / 10 || (fraction * 10) + (ulong)(rest[0] - '0') > Overflow;
                if (!overflow)
                {
                    fraction = (fraction * 10) + (ulong)(rest[0] - '0');
                    scale *= 10;
                }

                rest = rest[1..];
            }

            hasFraction = rest.Length != length;
        }

        if (!hasWhole && !hasFraction)
        {
            return false;
        }

        var unitLength = 0;
        while (unitLength < rest.Length && rest[unitLength] != '.' && !char.IsAsciiDigit(rest[unitLength]))
        {
            unitLength++;
        }

        var unitText = rest[..unitLength];
        rest = rest[unitLength..];
        ulong perUnit = 0;
        foreach (var (name, value) in Units)
        {
            perUnit = unitText.SequenceEqual(name) ? value : perUnit;
        }

        if (perUnit == 0)
        {
            return false;
        }

        if (whole > Overflow / perUnit)
        {
            return false;
        }

        nanoseconds = whole * perUnit;
        if (fraction > 0)
        {
            nanoseconds += (ulong)(fraction * (perUnit / scale));
            if (nanoseconds > Overflow)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The shortest Go-style text: <c>90s</c> → <c>1m30s</c>, <c>1.5s</c> → <c>1.5s</c>, <c>0.3s</c> → <c>300ms</c>;
    /// it parses back to the same duration (to 100 ns, a tick).
    /// </summary>
    public static string Format(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
        {
            return "0s";
        }

        if (duration < TimeSpan.Zero)
        {
            return "-" + Format(duration == TimeSpan.MinValue ? TimeSpan.MaxValue : duration.Negate());
        }

        var ticks = (ulong)duration.Ticks;
        if (ticks < (ulong)TimeSpan.TicksPerSecond)
        {
            // Below a second Go picks the unit that keeps a whole part: 300ms, 1.5µs, 100ns.
            var nanoseconds = ticks * 100;
            var (unit, per) = nanoseconds >= 1_000_000 ? ("ms", 1_000_000UL) : nanoseconds >= 1_000 ? ("\u00b5s", 1_000UL) : ("ns", 1UL);
            return Decimal(nanoseconds, per) + unit;
        }

        // Go would write 1h0m0s; the zero parts are left out (6h, 1h5s), which Go reads the same.
        var hours = ticks / (ulong)TimeSpan.TicksPerHour;
        var minutes = ticks / (ulong)TimeSpan.TicksPerMinute % 60;
        var seconds = ticks % (ulong)TimeSpan.TicksPerMinute;
        return (hours > 0 ? Decimal(hours, 1) + "h" : "") + (minutes > 0 ? Decimal(minutes, 1) + "m" : "") + (seconds > 0 ? Decimal(seconds, (ulong)TimeSpan.TicksPerSecond) + "s" : "");
    }

    /// <summary>The text of <paramref name="value"/>/<paramref name="per"/> with no trailing zeros: 1500/1000 → 1.5.</summary>
    private static string Decimal(ulong value, ulong per)
    {
        var whole = (value / per).ToString(CultureInfo.InvariantCulture);
        var fraction = value % per;
        if (fraction == 0)
        {
            return whole;
        }

        var digits = per.ToString(CultureInfo.InvariantCulture).Length - 1;
        return whole + "." + fraction.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
    }

    /// <summary>For limits kept in whole seconds (a shell's <c>sleep</c>, <c>activeDeadlineSeconds</c>): a part of a second counts as one.</summary>
    public static TimeSpan WholeSecondsUp(TimeSpan duration) =>
        TimeSpan.FromSeconds(Math.Ceiling(duration.TotalSeconds));

    /// <summary>The one message for a text that is not a duration, naming the option or field it was given to.</summary>
    public static string Invalid(string name, string text) => $"{name} {Expected(text)}";

    /// <summary>What <see cref="Invalid"/> says after the name (a manifest's problems put the field's path and line first).</summary>
    public static string Expected(string text) =>
        $"expects a duration such as 90s, 10m, 1h30m, 1.5h or 300ms (or whole seconds), got {Quote(text)}";

    /// <summary>The one message for a duration above its limit.</summary>
    public static string TooLong(string name, TimeSpan max, string text) => $"{name} {AtMost(max, text)}";

    /// <summary>What <see cref="TooLong"/> says after the name.</summary>
    public static string AtMost(TimeSpan max, string text) => $"must be at most {Format(max)}, got {Quote(text)}";

    /// <summary>The user's text, quoted, with what a terminal would act on escaped and a long text cut short.</summary>
    private static string Quote(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in text.Length > 64 ? text[..64] : text)
        {
            var category = char.GetUnicodeCategory(c);
            if (char.IsControl(c) || category is UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                quoted.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                quoted.Append(c is '"' or '\\' ? "\\" + c : c.ToString());
            }
        }

        return quoted.Append(text.Length > 64 ? "\"…" : "\"").ToString();
    }
}
