using System.Text;
using Kubetest.Engine;
using Kubetest.Model;

namespace Kubetest.Core.Tests.Engine;

/// <summary>A batch's JUnit XML as copied out of its container: read, or refused with the reason a warning gives.</summary>
public sealed class BatchJUnitTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-batch-junit-tests-").FullName;

    public void Dispose() => FileTree.Delete(_root);

    [Fact]
    public async Task Well_formed_UTF8_XML_is_read_with_or_without_a_byte_order_mark()
    {
        var xml = "<testsuite><testcase name=\"é\"/></testsuite>";

        Assert.Equal((xml, null), await ReadAsync(Encoding.UTF8.GetBytes(xml)));
        Assert.Equal((xml, null), await ReadAsync([.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes(xml)]));
    }

    [Fact]
    public async Task No_file_is_neither_text_nor_a_problem()
    {
        Assert.Equal((null, null), await BatchJUnit.ReadAsync(Path.Combine(_root, "none.xml"), CancellationToken.None));
    }

    [Fact]
    public async Task A_DTD_with_entity_expansion_is_refused_without_expanding_anything()
    {
        var entities = string.Concat(Enumerable.Range(1, 9).Select(i => $"<!ENTITY l{i} \"{string.Concat(Enumerable.Repeat($"&l{i - 1};", 10))}\">"));
        var xml = $"<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY l0 \"lol\">{entities}]>\n<testsuite><testcase name=\"&l9;\"/></testsuite>";

        Assert.Equal((null, "it has a DTD (<!DOCTYPE> at line 2), which is not allowed: kubetest expands no entities"), await ReadAsync(Encoding.UTF8.GetBytes(xml)));
    }

    [Fact]
    public async Task A_file_one_byte_over_the_limit_is_refused_before_it_is_read()
    {
        var path = Path.Combine(_root, "big.xml");
        using (var file = File.Create(path))
        {
            file.SetLength(InputLimits.MaxBatchJUnitBytes + 1);
        }

        Assert.Equal((null, "it is larger than 64 MiB, the most kubetest reads"), await BatchJUnit.ReadAsync(path, CancellationToken.None));
    }

    [Fact]
    public async Task Bytes_that_are_not_UTF8_are_refused_with_their_line()
    {
        byte[] bytes = [.. "<testsuite>\n<testcase name=\""u8, 0xff, 0xfe, .. "\"/>\n</testsuite>"u8];

        Assert.Equal((null, "it is not UTF-8 (line 2)"), await ReadAsync(bytes));
    }

    [Fact]
    public async Task Truncated_XML_is_refused_with_its_line()
    {
        Assert.Equal((null, "it is not well-formed XML at line 2, position 15"), await ReadAsync("<testsuite>\n<testcase clas"u8.ToArray()));
    }

    [Fact]
    public async Task An_undeclared_entity_is_not_well_formed()
    {
        Assert.Equal((null, "it is not well-formed XML at line 1, position 29"), await ReadAsync("<testsuite><testcase name=\"&x;\"/></testsuite>"u8.ToArray()));
    }

    [Fact]
    public async Task A_link_or_a_directory_is_not_read()
    {
        var target = Path.Combine(_root, "target.xml");
        await File.WriteAllTextAsync(target, "<testsuite/>");
        var link = Path.Combine(_root, "link.xml");
        File.CreateSymbolicLink(link, target);
        var directory = Directory.CreateDirectory(Path.Combine(_root, "dir.xml")).FullName;

        Assert.Equal((null, "it is a link, not a file"), await BatchJUnit.ReadAsync(link, CancellationToken.None));
        Assert.Equal((null, "it is a directory, not a file"), await BatchJUnit.ReadAsync(directory, CancellationToken.None));
    }

    private async Task<(string? Xml, string? Problem)> ReadAsync(byte[] bytes)
    {
        var path = Path.Combine(_root, $"{Guid.NewGuid():N}.xml");
        await File.WriteAllBytesAsync(path, bytes);
        return await BatchJUnit.ReadAsync(path, CancellationToken.None);
    }
}
