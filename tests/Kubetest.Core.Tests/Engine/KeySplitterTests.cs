using Kubetest.Engine;

namespace Kubetest.Core.Tests.Engine;

/// <summary>Dynamic keys from a command's output, and keys from a --list file.</summary>
public class KeySplitterTests
{
    [Fact]
    public void The_dynamic_example_output_gives_its_four_keys()
    {
        const string Output = "\nTASK_KEY_1\nTASK_KEY_2\nTASK_KEY_3\nTASK_KEY_4";

        Assert.Equal(["TASK_KEY_1", "TASK_KEY_2", "TASK_KEY_3", "TASK_KEY_4"], KeySplitter.Split(Output, "\n"));
    }

    [Fact]
    public void A_custom_delimiter_splits_on_it_and_not_on_new_lines()
    {
        Assert.Equal(["a", "b c", "d\ne"], KeySplitter.Split("a,b c,d\ne", ","));
    }

    [Fact]
    public void A_delimiter_of_several_characters_is_taken_whole()
    {
        Assert.Equal(["a", "b-c"], KeySplitter.Split("a--b-c", "--"));
    }

    [Fact]
    public void Keys_are_trimmed_and_blank_ones_dropped()
    {
        Assert.Equal(["TestA", "TestB"], KeySplitter.Split("  TestA \r\n\n   \n\tTestB\t\n", "\n"));
    }

    [Fact]
    public void The_filter_keeps_only_matching_keys_in_order()
    {
        const string Output = "TestA\nBenchmarkA\nTestB\nok  \tpkg\t0.01s\n";

        Assert.Equal(["TestA", "TestB"], KeySplitter.Filter(KeySplitter.Split(Output, "\n"), "^Test"));
    }

    [Fact]
    public void The_filter_is_a_search_not_a_whole_match()
    {
        Assert.Equal(["pkg/foo_test", "bar_test"], KeySplitter.Filter(KeySplitter.Split("pkg/foo_test\nbar_test\nbaz", "\n"), "_test"));
    }

    [Fact]
    public void Duplicate_keys_are_kept()
    {
        Assert.Equal(["a", "a"], KeySplitter.Split("a\na", "\n"));
    }

    [Fact]
    public void Empty_output_gives_no_keys()
    {
        Assert.Empty(KeySplitter.Split("", "\n"));
    }

    [Fact]
    public void A_list_file_has_one_key_per_line_with_windows_line_ends_too()
    {
        Assert.Equal(["TASK_KEY_1", "TASK_KEY_2", "TASK_KEY_3"], KeySplitter.ListFile("TASK_KEY_1\r\nTASK_KEY_2\n\nTASK_KEY_3\n"));
    }

    [Fact]
    public void A_filter_keeps_only_matching_keys_and_none_can_match()
    {
        var all = KeySplitter.Split("TestA\nhelper\nTestB", "\n");

        Assert.Equal(["TestA", "TestB"], KeySplitter.Filter(all, "^Test"));
        Assert.Empty(KeySplitter.Filter(all, "^Nothing"));
        Assert.Equal(all, KeySplitter.Filter(all, null));
    }

    [Fact]
    public void The_first_key_holding_a_nul_is_found_by_its_index()
    {
        Assert.Equal(1, KeySplitter.FirstWithNul(["a", "b\0c", "d\0"]));
        Assert.Null(KeySplitter.FirstWithNul(["a", "b"]));
    }
}
