using Kubetest.Runtime;

namespace Kubetest.Core.Tests.Runtime;

/// <summary>A runtime's name, as <c>--runtime</c> takes it and log lines show it, maps to one kind and back.</summary>
public class RuntimeKindTests
{
    [Fact]
    public void Every_kind_has_a_name_that_parses_back_to_it_and_the_names_list_them_all()
    {
        foreach (var kind in Enum.GetValues<RuntimeKind>())
        {
            Assert.Equal(kind, RuntimeKinds.Parse(kind.Name()));
        }

        Assert.Equal(["local", "kubernetes"], RuntimeKinds.Names);
    }

    [Theory]
    [InlineData("Local")]
    [InlineData("kubernetes ")]
    [InlineData("")]
    [InlineData("0")]
    public void A_name_that_is_not_exactly_a_runtimes_is_refused_naming_the_accepted_ones(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => RuntimeKinds.Parse(name));

        Assert.Contains("local, kubernetes", error.Message, StringComparison.Ordinal);
    }
}
