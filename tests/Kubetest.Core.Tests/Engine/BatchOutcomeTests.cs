using Kubetest.Engine;
using Kubetest.Planning;
using Kubetest.Reporting;

namespace Kubetest.Core.Tests.Engine;

/// <summary>Each key's result after a batch: from its JUnit XML, else the batch's own with the time split by known durations.</summary>
public class BatchOutcomeTests
{
    private static readonly KeyId[] Keys = [new("a", 0), new("b", 1), new("c", 2)];

    [Fact]
    public void A_passed_batch_without_JUnit_splits_its_time_in_proportion_to_the_known_durations()
    {
        var results = BatchOutcome.Resolve(Keys, [1, 3, 6], new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(20)), null);

        Assert.All(results, r => Assert.Equal(KeyStatus.Success, r!.Status));
        Assert.Equal([2.0, 6.0, 12.0], results.Select(r => Math.Round(r!.Elapsed.TotalSeconds, 6)));
    }

    [Fact]
    public void Time_no_testcase_accounts_for_is_shared_by_every_key_so_a_passed_batch_adds_up_to_its_wall_time()
    {
        // 12 s of batch, 8 s in a's testcases: the other 4 s (start-up, imports, b and c) go 1:1:2 by expected seconds.
        const string Xml = """<testsuite><testcase classname="a" name="x" time="8"/></testsuite>""";

        var results = BatchOutcome.Resolve(Keys, [1, 1, 2], new TaskResult(KeyStatus.Success, 0, TimeSpan.FromSeconds(12)), Xml);

        Assert.Equal([9.0, 1.0, 2.0], results.Select(r => Math.Round(r!.Elapsed.TotalSeconds, 6)));
        Assert.Equal(12.0, Math.Round(results.Sum(r => r!.Elapsed.TotalSeconds), 6));
    }

    [Fact]
    public void A_failed_batch_leaves_the_keys_its_JUnit_does_not_name_without_a_result()
    {
        const string Xml = """<testsuite><testcase classname="suite" name="b" time="1"><error/></testcase></testsuite>""";

        var results = BatchOutcome.Resolve(Keys, [1, 1, 1], new TaskResult(KeyStatus.Failure, 3, TimeSpan.FromSeconds(5)), Xml);

        Assert.Null(results[0]);
        Assert.Equal((KeyStatus.Failure, null, "its JUnit testcase \"b\" has an error"), (results[1]!.Status, results[1]!.ExitCode, results[1]!.Message));
        Assert.Null(results[2]);

        // b: its testcase's 1 s and its third of the 4 s no testcase accounts for; the others' shares are dropped
        // (their times will come from their runs alone).
        Assert.Equal(1 + (4.0 / 3), results[1]!.Elapsed.TotalSeconds, 6);
    }

    [Fact]
    public void Keys_naming_modules_take_the_testcases_whose_dotted_id_holds_them_the_longer_key_first()
    {
        // CPython's regrtest: testcase names are full ids, no classname.
        KeyId[] keys = [new("test_asyncio", 0), new("test.test_asyncio.test_tasks", 1), new("test_os", 2)];
        const string Xml = """
            <testsuites>
              <testsuite><testcase name="test.test_asyncio.test_locks.LockTests.test_a" time="1"/></testsuite>
              <testsuite><testcase name="test.test_asyncio.test_tasks.TaskTests.test_b" time="2"><failure message="boom"/></testcase></testsuite>
              <testsuite><testcase name="test.test_os.FileTests.test_c" time="3"/><testcase name="test.test_os.FileTests.test_d" time="0.5"/></testsuite>
            </testsuites>
            """;

        var results = BatchOutcome.Resolve(keys, [1, 1, 1], new TaskResult(KeyStatus.Failure, 2, TimeSpan.FromSeconds(9)), Xml);

        // 9 s of batch, 6.5 s in testcases: each key also takes a third of the other 2.5 s.
        Assert.Equal(
            [(KeyStatus.Success, 1.8333), (KeyStatus.Failure, 2.8333), (KeyStatus.Success, 4.3333)],
            results.Select(r => (r!.Status, Math.Round(r.Elapsed.TotalSeconds, 4))));
    }

    [Theory]
    [InlineData("not xml at all")]
    [InlineData("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><testsuite><testcase name=\"a\">&e;</testcase></testsuite>")]
    public void A_file_that_is_not_plain_JUnit_counts_as_none(string xml)
    {
        var results = BatchOutcome.Resolve(Keys, [1, 1, 1], new TaskResult(KeyStatus.Failure, 1, TimeSpan.FromSeconds(5)), xml);

        Assert.All(results, Assert.Null);
    }
}
