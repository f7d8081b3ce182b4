namespace Kubetest.Cli.Tests;

/// <summary>How a namespace and a TestJob name become the default timing store's file name.</summary>
public class TimingStoreChoiceTests
{
    [Theory]
    [InlineData("default")]
    [InlineData("my-job.v2")]
    public void A_kubernetes_name_is_its_own_file_name(string name) => Assert.Equal(name, TimingStoreChoice.FileNamePart(name));

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("../../etc")]
    [InlineData("a/b")]
    [InlineData("new\nline")]
    [InlineData(".hidden")]
    public void Anything_else_becomes_one_plain_path_segment(string name)
    {
        var part = TimingStoreChoice.FileNamePart(name);

        Assert.Matches("^[A-Za-z0-9_-]+$", part);
        Assert.NotEqual(".", part);
    }

    [Fact]
    public void Names_that_read_the_same_once_replaced_still_get_different_files() =>
        Assert.NotEqual(TimingStoreChoice.FileNamePart("a/b"), TimingStoreChoice.FileNamePart("a:b"));

    [Fact]
    public void A_long_name_is_cut_with_its_hash_kept() =>
        Assert.True(TimingStoreChoice.FileNamePart(new string('x', 5000)).Length < 100);
}
