using Kubetest.Reporting;

namespace Kubetest.Core.Tests.Reporting;

/// <summary>Timing sources for <c>--timings</c> and the keys for <c>--rerun-failed</c>.</summary>
public class PastRunsTests
{
    [Fact]
    public void A_report_of_this_tool_gives_fractional_seconds_and_leaves_out_keys_that_never_started()
    {
        var durations = PastRuns.ReadDurations(
            """{"details": [{"name": "a", "elapsedTimeSec": 0, "elapsedSeconds": 0.734, "attempts": 1, "status": "success"}, {"name": "b", "elapsedTimeSec": 0, "elapsedSeconds": 0, "attempts": 0, "status": "unknown"}]}""",
            "r.json");

        Assert.Equal(new Dictionary<string, double> { ["a"] = 0.734 }, durations);
    }

    [Fact]
    public void A_report_leaves_out_a_key_stopped_while_it_ran_whose_time_is_only_part_of_its_duration()
    {
        var durations = PastRuns.ReadDurations(
            """{"details": [{"name": "a", "elapsedTimeSec": 2, "elapsedSeconds": 2.5, "attempts": 1, "status": "failure"}, {"name": "b", "elapsedTimeSec": 0, "elapsedSeconds": 0.2, "attempts": 1, "status": "unknown"}]}""",
            "r.json");

        Assert.Equal(new Dictionary<string, double> { ["a"] = 2.5 }, durations);
    }

    [Fact]
    public void An_original_report_gives_whole_seconds_and_a_key_listed_twice_keeps_its_longest()
    {
        var durations = PastRuns.ReadDurations(
            """{"details": [{"name": "a", "elapsedTimeSec": 3, "status": "success"}, {"name": "a", "elapsedTimeSec": 5, "status": "success"}]}""",
            "r.json");

        Assert.Equal(new Dictionary<string, double> { ["a"] = 5 }, durations);
    }

    [Fact]
    public void A_junit_testcase_counts_for_the_key_named_like_it_and_the_key_named_like_its_classname()
    {
        var durations = PastRuns.ReadDurations(
            """
            <?xml version="1.0" encoding="utf-8"?>
            <testsuites>
              <testsuite name="suite">
                <testcase classname="test_os" name="test_a" time="1.5"/>
                <testcase classname="test_os" name="test_b" time="0.25"><failure message="x"/></testcase>
                <testcase classname="test_re" name="test_a" time="2"/>
                <testcase name="untimed"/>
                <testcase classname="same" name="same" time="4"/>
              </testsuite>
            </testsuites>
            """,
            "junit.xml");

        Assert.Equal(new Dictionary<string, double> { ["test_os"] = 1.75, ["test_re"] = 2, ["test_a"] = 3.5, ["test_b"] = 0.25, ["same"] = 4 }, durations);
    }

    [Fact]
    public void In_kubetests_own_junit_a_key_named_like_its_testjob_keeps_its_own_time_not_the_runs()
    {
        // kubetest's --junit: classname is the TestJob's name for every testcase.
        var durations = PastRuns.ReadDurations(
            """
            <testsuite name="unit">
              <testcase classname="unit" name="fast" time="1"/>
              <testcase classname="unit" name="unit" time="2"/>
              <testcase classname="unit" name="slow" time="30"/>
            </testsuite>
            """,
            "junit.xml");

        Assert.Equal(new Dictionary<string, double> { ["fast"] = 1, ["unit"] = 2, ["slow"] = 30 }, durations);
    }

    [Fact]
    public void A_key_naming_a_module_package_or_file_takes_the_time_of_the_testcases_whose_dotted_id_holds_it()
    {
        // CPython's regrtest names each testcase by its full id and gives no classname; pytest gives the file as the classname.
        var durations = PastRuns.ReadDurations(
            """
            <testsuites>
              <testsuite><testcase name="test.test_os.FileTests.test_a" time="0.5"/><testcase name="test.test_os.PathTests.test_b" time="0.25"/></testsuite>
              <testsuite><testcase name="test.test_asyncio.test_tasks.TaskTests.test_c" time="2"/><testcase name="test.test_asyncio.test_locks.LockTests.test_d" time="1"/></testsuite>
              <testsuite><testcase classname="tests.test_a.TestX" name="test_y" time="4"/></testsuite>
              <testsuite><testcase name="exact" time="7"/><testcase name="pkg.exact.T.t" time="100"/></testsuite>
            </testsuites>
            """,
            "junit.xml");
        string[] keys = ["test_os", "test.test_asyncio.test_tasks", "test_asyncio", "tests/test_a.py", "tests/test_a.py::TestX", "exact", "never_ran"];
        var estimate = Kubetest.Planning.Planner.Estimator(durations, keys);

        Assert.Equal([0.75, 2, 3, 4, 4, 7], keys[..6].Select(estimate));

        // A key without a past time gets the median of the keys that have one, not of every testcase and scope.
        Assert.Equal(3.5, estimate("never_ran"));
    }

    [Fact]
    public void A_testcase_id_of_thousands_of_components_gives_no_scopes_and_reads_in_bounded_time()
    {
        var deep = string.Join('.', Enumerable.Repeat("a", 100_000));
        var durations = PastRuns.ReadDurations($"""<testsuite><testcase name="{deep}" time="1"/></testsuite>""", "junit.xml");

        Assert.Equal([deep], durations.Keys);
    }

    [Fact]
    public void Several_sources_give_each_key_the_mean_of_those_that_know_it()
    {
        var combined = PastRuns.Combine([
            new Dictionary<string, double> { ["a"] = 2, ["b"] = 1 },
            new Dictionary<string, double> { ["a"] = 4 },
        ]);

        Assert.Equal(new Dictionary<string, double> { ["a"] = 3, ["b"] = 1 }, combined);
    }

    [Theory]
    [InlineData("<testsuite><testcase name=\"a\" time=\"soon\"/></testsuite>", "junit.xml, line 1: testcase time \"soon\" is not a number of seconds")]
    [InlineData("<testsuite><testcase", "--timings: junit.xml cannot be read as JUnit XML: it is not well-formed XML at line 1, position 21")]
    [InlineData("<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"b\"><!ENTITY b \"&a;&a;&a;&a;\">]><testsuite><testcase name=\"&b;\" time=\"1\"/></testsuite>", "--timings: junit.xml cannot be read as JUnit XML: it has a DTD (<!DOCTYPE> at line 2), which is not allowed: kubetest expands no entities")]
    [InlineData("{\"details\": 3}", "junit.xml is not a kubetest report")]
    public void A_bad_timing_file_is_bad_input_naming_the_file(string text, string message)
    {
        var ex = Assert.Throws<UserInputException>(() => PastRuns.ReadDurations(text, "junit.xml"));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rerun_failed_takes_the_keys_that_did_not_pass_in_report_order()
    {
        var keys = PastRuns.FailedKeys(
            """{"details": [{"name": "a", "status": "success"}, {"name": "b", "status": "failure"}, {"name": "c", "status": "unknown"}, {"name": "d", "status": "error"}]}""",
            "r.json");

        Assert.Equal(["b", "c", "d"], keys);
    }

    [Fact]
    public void Rerun_failed_of_something_that_is_no_report_is_bad_input()
    {
        var ex = Assert.Throws<UserInputException>(() => PastRuns.FailedKeys("[]", "r.json"));

        Assert.StartsWith("--rerun-failed: r.json is not a kubetest report", ex.Message, StringComparison.Ordinal);
    }
}
