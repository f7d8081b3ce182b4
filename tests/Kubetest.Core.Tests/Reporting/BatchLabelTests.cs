using Kubetest.Model;
using Kubetest.Reporting;

namespace Kubetest.Core.Tests.Reporting;

/// <summary><see cref="BatchLabel"/>: what people read for a batch of keys.</summary>
public sealed class BatchLabelTests
{
    [Fact]
    public void One_key_reads_as_itself_escaped_however_long()
    {
        var key = "a\n" + new string('k', 5000);
        Assert.Equal(Printable.Escape(key), BatchLabel.Of([key], " "));
    }

    [Fact]
    public void A_short_batch_reads_as_its_keys_joined_by_the_delimiter()
    {
        Assert.Equal("a,b\\tc", BatchLabel.Of(["a", "b\tc"], ","));
    }

    [Fact]
    public void A_batch_past_200_characters_reads_as_its_first_and_last_key_and_its_count()
    {
        var keys = Enumerable.Range(0, 50).Select(i => $"key{i:D3}").ToList();
        Assert.Equal("key000 … key049 (50 keys)", BatchLabel.Of(keys, " "));
    }

    [Fact]
    public void A_long_key_is_cut_to_200_characters_never_inside_a_surrogate_pair()
    {
        Assert.Equal(new string('a', 198) + "…", BatchLabel.Key(new string('a', 198) + "😀" + new string('b', 10)));
        Assert.Equal(new string('a', 197) + "😀…", BatchLabel.Key(new string('a', 197) + "😀" + new string('b', 10)));
        Assert.Equal(new string('a', 199) + "…", BatchLabel.Key(new string('a', 300)));
        Assert.Equal(new string('a', 200), BatchLabel.Key(new string('a', 200)));
    }

    [Fact]
    public void Escaping_a_label_again_changes_nothing()
    {
        var label = BatchLabel.Of(["\u001b[2J" + new string('x', 300), "\u202e\\n"], " ");
        Assert.Equal(label, Printable.Escape(label));
        Assert.DoesNotContain('\u001b', label);
        Assert.DoesNotContain('\u202e', label);
    }
}
