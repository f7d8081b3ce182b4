using System.Text;
using Kubetest.Files;

namespace Kubetest.Core.Tests.Files;

public class TailStreamTests
{
    [Fact]
    public void Short_output_is_kept_whole_and_trimmed()
    {
        using var tail = TailStream.Of(new MemoryStream(Encoding.UTF8.GetBytes("tar: out/x: Cannot open\n")));

        Assert.Equal("tar: out/x: Cannot open", tail.ToString());
    }

    [Fact]
    public void Output_beyond_the_capacity_keeps_only_its_last_bytes_whatever_the_write_sizes()
    {
        var text = string.Concat(Enumerable.Range(0, 20_000).Select(i => $"line {i}\n"));
        using var small = new TailStream();
        foreach (var chunk in Encoding.UTF8.GetBytes(text).Chunk(1000))
        {
            small.Write(chunk);
        }

        using var large = TailStream.Of(new MemoryStream(Encoding.UTF8.GetBytes(text)));

        var expected = "…" + text[^TailStream.Capacity..].Trim();
        Assert.Equal(expected, small.ToString());
        Assert.Equal(expected, large.ToString());
    }
}
