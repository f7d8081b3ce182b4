using System.Text;
using Kubetest.Runtime;

namespace Kubetest.Core.Tests.Runtime;

/// <summary>Raw output bytes become lines as ReadLine would make them, but a line never grows past the bound.</summary>
public class OutputLinesTests
{
    [Fact]
    public void Lines_split_across_writes_and_inside_a_multibyte_character_come_out_whole()
    {
        var bytes = Encoding.UTF8.GetBytes("first\nzwölf €uro 😀\nlast");
        var sink = new Collect();
        var lines = new OutputLines(OutputStream.Stdout, sink);

        foreach (var b in bytes)
        {
            lines.Write([b]);
        }

        lines.Complete();

        Assert.Equal(["first", "zwölf €uro 😀", "last"], sink.Lines);
    }

    [Fact]
    public void Crlf_cr_and_lf_each_end_one_line_even_when_crlf_is_split_between_writes()
    {
        var sink = new Collect();
        var lines = new OutputLines(OutputStream.Stderr, sink);

        lines.Write("a\r"u8);
        lines.Write("\nb\rc\n\nd\r\n"u8);
        lines.Complete();

        Assert.Equal(["a", "b", "c", "", "d"], sink.Lines);
        Assert.All(sink.Streams, s => Assert.Equal(OutputStream.Stderr, s));
    }

    [Fact]
    public void A_line_longer_than_the_bound_is_delivered_in_pieces_of_the_bound_with_nothing_lost()
    {
        var sink = new Collect();
        var lines = new OutputLines(OutputStream.Stdout, sink);
        var total = (OutputLines.MaxLineChars * 3) + 100;
        var chunk = Encoding.ASCII.GetBytes(new string('x', 1000));

        for (var written = 0; written < total; written += chunk.Length)
        {
            lines.Write(chunk.AsSpan(0, Math.Min(chunk.Length, total - written)));
        }

        lines.Write("\nafter\n"u8);
        lines.Complete();

        Assert.Equal([OutputLines.MaxLineChars, OutputLines.MaxLineChars, OutputLines.MaxLineChars, 100, 5], sink.Lines.Select(l => l.Length));
        Assert.Equal("after", sink.Lines[^1]);
    }

    [Fact]
    public void A_line_of_exactly_the_bound_followed_by_its_newline_stays_one_line()
    {
        var sink = new Collect();
        var lines = new OutputLines(OutputStream.Stdout, sink);

        lines.Write(Encoding.ASCII.GetBytes(new string('y', OutputLines.MaxLineChars) + "\nz\n"));
        lines.Complete();

        Assert.Equal([OutputLines.MaxLineChars, 1], sink.Lines.Select(l => l.Length));
    }

    [Fact]
    public void A_surrogate_pair_at_the_cut_stays_together_in_the_next_piece()
    {
        var sink = new Collect();
        var lines = new OutputLines(OutputStream.Stdout, sink);
        var text = new string('x', OutputLines.MaxLineChars - 1) + "😀" + "tail";

        lines.Write(Encoding.UTF8.GetBytes(text));
        lines.Complete();

        Assert.Equal(2, sink.Lines.Count);
        Assert.Equal(OutputLines.MaxLineChars - 1, sink.Lines[0].Length);
        Assert.Equal("😀tail", sink.Lines[1]);
        Assert.Equal(text, string.Concat(sink.Lines));
    }

    [Fact]
    public void Output_without_a_final_newline_is_delivered_when_it_completes_and_empty_output_gives_no_line()
    {
        var sink = new Collect();
        var lines = new OutputLines(OutputStream.Stdout, sink);
        lines.Write("no newline"u8);
        Assert.Empty(sink.Lines);

        lines.Complete();
        var empty = new Collect();
        new OutputLines(OutputStream.Stdout, empty).Complete();

        Assert.Equal(["no newline"], sink.Lines);
        Assert.Empty(empty.Lines);
    }

    private sealed class Collect : IOutputSink
    {
        public List<string> Lines { get; } = [];

        public List<OutputStream> Streams { get; } = [];

        public void WriteLine(OutputStream stream, string line)
        {
            Lines.Add(line);
            Streams.Add(stream);
        }
    }
}
