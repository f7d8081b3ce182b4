using System.Text.RegularExpressions;
using CsCheck;

namespace Kubetest.Runtime.Kubernetes.Tests;

/// <summary>The timing ConfigMap's name: the TestJob's name when it makes a valid object name, a readable hashed form otherwise.</summary>
public partial class ConfigMapNamesTests
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [Theory]
    [InlineData("myjob", "kubetest-timings-myjob")]
    [InlineData("e2e.nightly-2", "kubetest-timings-e2e.nightly-2")]
    public void A_name_that_makes_a_valid_object_name_is_used_as_it_is(string testJobName, string expected) =>
        Assert.Equal(expected, ConfigMapNames.For(testJobName));

    [Fact]
    public void Names_that_read_alike_get_two_configmaps_each_readable_and_hashed()
    {
        var upper = ConfigMapNames.For("MyJob");

        Assert.Matches("^kubetest-timings-myjob-[0-9a-f]{16}$", upper);
        Assert.NotEqual(ConfigMapNames.For("myjob"), upper);
        Assert.NotEqual(ConfigMapNames.For("MYJOB"), upper);
    }

    [Fact]
    public void A_name_too_long_for_an_object_name_is_cut_and_hashed_so_two_long_names_differ()
    {
        var a = ConfigMapNames.For(new string('a', 300) + "1");
        var b = ConfigMapNames.For(new string('a', 300) + "2");

        Assert.Matches("^kubetest-timings-a{28}-[0-9a-f]{16}$", a);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Every_name_at_all_gives_a_valid_object_name_of_at_most_63_characters_or_itself()
    {
        Gen.String.Sample(name =>
        {
            var result = ConfigMapNames.For(name);
            Assert.Matches(Dns1123Subdomain(), result);
            Assert.True(result.Length <= 253, result);
            Assert.True(result == "kubetest-timings-" + name || result.Length <= 63, result);
        });
    }
}
