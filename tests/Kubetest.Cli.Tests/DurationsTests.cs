namespace Kubetest.Cli.Tests;

/// <summary>How the duration options read a duration (the grammar itself: Core.Tests' GoDurationTests).</summary>
public class DurationsTests
{
    [Theory]
    [InlineData("6h", 21600)]
    [InlineData("90m", 5400)]
    [InlineData("1h30m", 5400)]
    [InlineData("45s", 45)]
    [InlineData("1h0m5s", 3605)]
    [InlineData("120", 120)]
    [InlineData("1.5h", 5400)]
    [InlineData("2h45m", 9900)]
    [InlineData("1m0.5s", 60.5)]
    public void Go_durations_and_plain_seconds_are_read(string text, double seconds)
    {
        Assert.True(Kubetest.Model.GoDuration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("0s")]
    [InlineData("-5m")]
    [InlineData("5d")]
    [InlineData("+5m")]
    [InlineData("1.5")]
    [InlineData("1h 30m")]
    [InlineData("99999999999999999999")]
    public void Anything_else_is_refused(string text) => Assert.False(Kubetest.Model.GoDuration.TryParse(text, out _));
}
