using CsCheck;
using Kubetest.Model;

namespace Kubetest.Core.Tests.Model;

/// <summary>The one duration grammar: Go's <c>time.ParseDuration</c>, and kubetest's positive, unsigned use of it with whole seconds.</summary>
public class GoDurationTests
{
    /// <summary>Each row was printed by Go 1.19's own <c>time.ParseDuration</c> (nanoseconds; false = refused).</summary>
    [Theory]
    [InlineData("0", true, 0L)]
    [InlineData("5s", true, 5000000000L)]
    [InlineData("300ms", true, 300000000L)]
    [InlineData("1.5h", true, 5400000000000L)]
    [InlineData("2h45m", true, 9900000000000L)]
    [InlineData("1h30m", true, 5400000000000L)]
    [InlineData("45s", true, 45000000000L)]
    [InlineData("-5s", true, -5000000000L)]
    [InlineData("+5s", true, 5000000000L)]
    [InlineData("-0", true, 0L)]
    [InlineData("+0", true, 0L)]
    [InlineData("5.s", true, 5000000000L)]
    [InlineData(".5s", true, 500000000L)]
    [InlineData("5.6s", true, 5600000000L)]
    [InlineData("1.004s", true, 1004000000L)]
    [InlineData("10ns", true, 10L)]
    [InlineData("11us", true, 11000L)]
    [InlineData("12\u00b5s", true, 12000L)]
    [InlineData("12\u03bcs", true, 12000L)]
    [InlineData("13ms", true, 13000000L)]
    [InlineData("15m", true, 900000000000L)]
    [InlineData("16h", true, 57600000000000L)]
    [InlineData("10.5s4m", true, 250500000000L)]
    [InlineData("1h2m3s4ms5us6ns", true, 3723004005006L)]
    [InlineData("0.3333333333333333333h", true, 1200000000000L)]
    [InlineData("9223372036854775807ns", true, 9223372036854775807L)]
    [InlineData("9223372036854775808ns", false, 0L)]
    [InlineData("-9223372036854775808ns", true, -9223372036854775808L)]
    [InlineData("3000000h", false, 0L)]
    [InlineData("2562047h", true, 9223369200000000000L)]
    [InlineData("2562048h", false, 0L)]
    [InlineData("", false, 0L)]
    [InlineData("3", false, 0L)]
    [InlineData("-", false, 0L)]
    [InlineData("s", false, 0L)]
    [InlineData(".", false, 0L)]
    [InlineData("-.", false, 0L)]
    [InlineData(".s", false, 0L)]
    [InlineData("+.s", false, 0L)]
    [InlineData("1d", false, 0L)]
    [InlineData("1.5", false, 0L)]
    [InlineData("1h 30m", false, 0L)]
    [InlineData(" 1h", false, 0L)]
    [InlineData("1H", false, 0L)]
    [InlineData("1e3s", false, 0L)]
    [InlineData("0x10s", false, 0L)]
    [InlineData("1,5s", false, 0L)]
    [InlineData("00010s", true, 10000000000L)]
    [InlineData("0.000000001s", true, 1L)]
    [InlineData("0.0000000001s", true, 0L)]
    [InlineData("1.5ns", true, 1L)]
    [InlineData("100.00100s", true, 100001000000L)]
    [InlineData("0.100000000000000000000h", true, 360000000000L)]
    [InlineData("0.830103483285477580700h", true, 2988372539827L)]
    [InlineData("9007199254740993ns", true, 9007199254740993L)]
    [InlineData("1m1m", true, 120000000000L)]
    [InlineData("1s1h", true, 3601000000000L)]
    [InlineData("99999999999999999999s", false, 0L)]
    [InlineData("1..5s", false, 0L)]
    [InlineData("1.5.5s", false, 0L)]
    [InlineData("\u0661s", false, 0L)]
    public void Parses_exactly_as_Go_does(string text, bool ok, long nanoseconds)
    {
        Assert.Equal(ok, GoDuration.TryParseGo(text, out var parsed));
        Assert.Equal(nanoseconds, parsed);
    }

    [Theory]
    [InlineData("300ms", 3_000_000)]
    [InlineData("1.5h", 54_000_000_000)]
    [InlineData("2h45m", 99_000_000_000)]
    [InlineData("600", 6_000_000_000)]
    [InlineData("1ns", 1)]
    [InlineData("150ns", 2)]
    public void Kubetest_takes_positive_Go_durations_and_whole_seconds_rounding_below_a_tick_up(string text, long ticks)
    {
        Assert.True(GoDuration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromTicks(ticks), duration);
    }

    [Theory]
    [InlineData("+5s")]
    [InlineData("-5s")]
    [InlineData("-0")]
    [InlineData("0")]
    [InlineData("0s")]
    [InlineData("0.0000000001s")]
    [InlineData("1000000000")]
    [InlineData("1.5")]
    [InlineData("")]
    public void Kubetest_refuses_signs_zero_and_what_Go_refuses(string text) => Assert.False(GoDuration.TryParse(text, out _));

    [Fact]
    public void Formatting_then_parsing_gives_the_same_duration() =>
        Gen.Long[1, long.MaxValue / 100].Sample(ticks =>
        {
            var duration = TimeSpan.FromTicks(ticks);
            var text = GoDuration.Format(duration);
            return GoDuration.TryParse(text, out var parsed) && parsed == duration;
        });

    [Fact]
    public void Kubetest_agrees_with_Go_on_every_unsigned_duration_with_a_unit() =>
        Gen.Select(Gen.Long[0, 100_000], Gen.Int[0, 999_999], Gen.OneOf("ns", "us", "\u00b5s", "ms", "s", "m", "h"))
            .Select(t => $"{t.Item1}.{t.Item2:D6}{t.Item3}").List[1, 3].Select(string.Concat)
            .Sample(text =>
            {
                var go = GoDuration.TryParseGo(text, out var nanoseconds);
                var ours = GoDuration.TryParse(text, out var duration);
                return ours == (go && nanoseconds > 0) && (!ours || duration.Ticks == (nanoseconds + 99) / 100);
            });

    [Fact]
    public void Any_text_is_parsed_or_refused_without_throwing() =>
        Gen.String.Sample(text =>
        {
            _ = GoDuration.TryParseGo(text, out _);
            return !GoDuration.TryParse(text, out var duration) || duration > TimeSpan.Zero;
        });

    [Theory]
    [InlineData(600, "10m")]
    [InlineData(3605, "1h5s")]
    [InlineData(21600, "6h")]
    [InlineData(90, "1m30s")]
    public void Whole_seconds_format_as_the_short_Go_style(int seconds, string text) =>
        Assert.Equal(text, GoDuration.Format(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData(3_000_000, "300ms")]
    [InlineData(15_000_000, "1.5s")]
    [InlineData(15, "1.5\u00b5s")]
    public void Parts_of_a_second_format_as_Go_does(long ticks, string text) =>
        Assert.Equal(text, GoDuration.Format(TimeSpan.FromTicks(ticks)));

    [Fact]
    public void A_refused_text_is_quoted_with_control_characters_escaped()
    {
        var message = GoDuration.Invalid("--max-run-time", "1h\u001b[2J\u202e");

        Assert.Equal("--max-run-time expects a duration such as 90s, 10m, 1h30m, 1.5h or 300ms (or whole seconds), got \"1h\\u001b[2J\\u202e\"", message);
    }
}
