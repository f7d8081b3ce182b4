using Kubetest.Engine;
using Kubetest.Planning;
using Kubetest.Reporting;

namespace Kubetest.Core.Tests.Engine;

/// <summary>
/// Keys that name one test map to exactly their testcases. <c>JUnit/pytest.xml</c> and <c>JUnit/gotestsum.xml</c> were
/// written by real pytest 7 (<c>--junitxml</c>) and gotestsum 1.8 (<c>--junitfile</c>, Go 1.19); the Surefire,
/// JunitXml.TestLogger and jest-junit files are written here in the shape those tools document.
/// </summary>
public class BatchOutcomeTestIdTests
{
    private static readonly TaskResult FailedBatch = new(KeyStatus.Failure, 1, TimeSpan.FromSeconds(10));

    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Engine", "JUnit", name));

    private static IReadOnlyList<TaskResult?> Resolve(string[] keys, string xml, TaskResult? batch = null) =>
        BatchOutcome.Resolve([.. keys.Select((k, i) => new KeyId(k, i))], [.. keys.Select(_ => 1.0)], batch ?? FailedBatch, xml);

    private static (KeyStatus, string?)[] Statuses(IReadOnlyList<TaskResult?> results) => [.. results.Select(r => (r!.Status, r.Message))];

    [Fact]
    public void Pytest_node_ids_each_take_their_own_testcase_also_with_dots_slashes_colons_and_spaces_in_the_brackets()
    {
        string[] keys =
        [
            "test_b.py::test_z[a.b/c::d]", "test_b.py::test_z[x]", "tests/test_a.py::TestX::test_y[p1]",
            "tests/test_a.py::TestX::test_y[a.b/c::d]", "tests/test_a.py::TestX::test_y[sp ace]", "tests/test_a.py::test_z",
        ];

        var results = Resolve(keys, Fixture("pytest.xml"));

        Assert.Equal(
            [
                (KeyStatus.Success, null), (KeyStatus.Failure, "its JUnit testcase \"test_z[x]\" has a failure"), (KeyStatus.Success, null),
                (KeyStatus.Success, null), (KeyStatus.Failure, "its JUnit testcase \"test_y[sp ace]\" has a failure"), (KeyStatus.Success, null),
            ],
            Statuses(results));
    }

    [Fact]
    public void A_pytest_id_without_parameters_takes_every_parametrised_invocation()
    {
        var results = Resolve(["test_b.py::test_z", "./tests/test_a.py::TestX::test_y"], Fixture("pytest.xml"));

        Assert.Equal(
            [(KeyStatus.Failure, "its JUnit testcase \"test_z[x]\" has a failure"), (KeyStatus.Failure, "its JUnit testcase \"test_y[sp ace]\" has a failure")],
            Statuses(results));
    }

    [Fact]
    public void Go_tests_are_keyed_by_name_by_package_directory_or_by_import_path()
    {
        string[] keys = ["TestY", "TestX/sub_case", "./pkg/foo:TestX/bad[1]", "./pkg/bar:TestX", "example.com/mod/pkg/foo.TestX"];

        var results = Resolve(keys, Fixture("gotestsum.xml"));

        Assert.Equal(
            [
                (KeyStatus.Success, null), (KeyStatus.Success, null), (KeyStatus.Failure, "its JUnit testcase \"TestX/bad[1]\" has a failure"),
                (KeyStatus.Success, null), (KeyStatus.Failure, "its JUnit testcase \"TestX\" has a failure"),
            ],
            Statuses(results));
    }

    [Fact]
    public void A_go_subtest_in_two_packages_goes_to_the_key_that_names_its_package_before_the_key_that_does_not()
    {
        const string Xml = """
            <testsuites>
              <testsuite name="example.com/mod/pkg/bar"><testcase classname="example.com/mod/pkg/bar" name="TestX/sub" time="1"/></testsuite>
              <testsuite name="example.com/mod/pkg/foo"><testcase classname="example.com/mod/pkg/foo" name="TestX/sub" time="2"><failure/></testcase></testsuite>
            </testsuites>
            """;

        var results = Resolve(["TestX.sub", "./pkg/bar:TestX/sub"], Xml, new TaskResult(KeyStatus.Failure, 1, TimeSpan.FromSeconds(3)));

        Assert.Equal([(KeyStatus.Failure, 2.0), (KeyStatus.Success, 1.0)], results.Select(r => (r!.Status, Math.Round(r.Elapsed.TotalSeconds, 6))));
    }

    [Fact]
    public void A_surefire_key_takes_every_invocation_of_a_JUnit5_parametrised_method_and_their_time()
    {
        const string Xml = """
            <testsuite name="com.example.FooTest">
              <testcase name="testBar(int)[1]" classname="com.example.FooTest" time="1"/>
              <testcase name="testBar(int)[2]" classname="com.example.FooTest" time="2"><failure message="expected 2"/></testcase>
              <testcase name="testBaz()" classname="com.example.FooTest" time="0.5"/>
              <testcase name="testBar" classname="com.example.OtherTest" time="7"/>
            </testsuite>
            """;

        var results = Resolve(["com.example.FooTest#testBar", "com.example.FooTest#testBaz"], Xml, new TaskResult(KeyStatus.Failure, 1, TimeSpan.FromSeconds(3.5)));

        Assert.Equal(
            [(KeyStatus.Failure, "its JUnit testcase \"testBar(int)[2]\" has a failure", 3.0), (KeyStatus.Success, null, 0.5)],
            results.Select(r => (r!.Status, r.Message, Math.Round(r.Elapsed.TotalSeconds, 6))));
    }

    [Fact]
    public void A_dotnet_fully_qualified_name_takes_its_method_with_or_without_arguments()
    {
        const string Xml = """
            <testsuites><testsuite name="Calc.Tests.dll">
              <testcase classname="Ns.CalcTests" name="Adds(a: 1, b: 2.5)" time="0.25"/>
              <testcase classname="Ns.CalcTests" name="Adds(a: 2, b: 3)" time="0.25"><failure message="Assert.Equal() Failure"/></testcase>
              <testcase classname="Ns.CalcTests" name="Divides" time="1"/>
            </testsuite></testsuites>
            """;

        var results = Resolve(["Ns.CalcTests.Divides", "Ns.CalcTests.Adds"], Xml, new TaskResult(KeyStatus.Failure, 1, TimeSpan.FromSeconds(1.5)));

        Assert.Equal(
            [(KeyStatus.Success, null, 1.0), (KeyStatus.Failure, "its JUnit testcase \"Adds(a: 2, b: 3)\" has a failure", 0.5)],
            results.Select(r => (r!.Status, r.Message, Math.Round(r.Elapsed.TotalSeconds, 6))));
    }

    [Fact]
    public void A_jest_key_is_the_file_path_and_the_full_test_name_with_the_file_path_as_classname()
    {
        // JEST_JUNIT_CLASSNAME="{filepath}" and the default titleTemplate "{classname} {title}".
        const string Xml = """
            <testsuites name="jest tests"><testsuite name="sum">
              <testcase classname="src/sum.test.js" name="sum adds 1 + 2.5 (floats)" time="0.002"/>
              <testcase classname="src/sum.test.js" name="sum adds: strings" time="0.001"><failure>expected "12"</failure></testcase>
            </testsuite></testsuites>
            """;

        var results = Resolve(["src/sum.test.js#sum adds 1 + 2.5 (floats)", "src/sum.test.js#sum adds: strings"], Xml);

        Assert.Equal([KeyStatus.Success, KeyStatus.Failure], results.Select(r => r!.Status));
    }

    [Fact]
    public void A_failing_test_fails_only_its_key_and_every_other_key_of_the_failed_batch_has_its_own_result()
    {
        var results = Resolve(["tests/test_a.py::TestX::test_y[p1]", "tests/test_a.py::test_z", "tests/test_a.py::TestX::test_y[sp ace]"], Fixture("pytest.xml"));

        Assert.All(results, Assert.NotNull);
        Assert.Equal([KeyStatus.Success, KeyStatus.Success, KeyStatus.Failure], results.Select(r => r!.Status));
    }

    [Fact]
    public void A_key_named_like_a_testcase_keeps_that_testcase_before_any_test_id_rule()
    {
        const string Xml = """
            <testsuite>
              <testcase classname="pkg" name="TestA" time="1"/>
              <testcase classname="other" name="pkg.TestA" time="2"><failure/></testcase>
            </testsuite>
            """;

        // "pkg.TestA" is the second testcase's name (rule 1) and both testcases' test id (rule 3): the name wins.
        var results = Resolve(["pkg.TestA"], Xml, new TaskResult(KeyStatus.Failure, 1, TimeSpan.FromSeconds(2)));

        Assert.Equal((KeyStatus.Failure, 2.0), (results[0]!.Status, results[0]!.Elapsed.TotalSeconds));
    }

    [Fact]
    public void Two_keys_with_the_same_test_id_give_its_testcase_to_the_first_of_the_batch()
    {
        const string Xml = """<testsuite><testcase classname="a.b" name="c" time="1"/></testsuite>""";

        var results = Resolve(["a/b::c", "a.b#c"], Xml);

        Assert.NotNull(results[0]);
        Assert.Null(results[1]);
    }

    [Fact]
    public void Hostile_ids_are_matched_whole_without_error()
    {
        var longId = "tests/test_a.py::test_" + new string('x', 10_000) + "[" + new string('/', 200) + "]";
        var dots = string.Join('.', Enumerable.Range(0, 10_000).Select(i => "c" + i));
        var xml = $"""
            <testsuite>
              <testcase classname="tests.test_a" name="test_{new string('x', 10_000)}[{new string('/', 200)}]" time="1"><failure/></testcase>
              <testcase classname="{dots}" name="t[&#x9;&#xA;]" time="1"/>
              <testcase classname="" name="" time="1"/>
              <testcase name="[x]" time="1"/>
            </testsuite>
            """;

        var results = Resolve([longId, "c9998/c9999:t", "[x]", "::", "\u0001", dots], xml, new TaskResult(KeyStatus.Failure, 1, TimeSpan.Zero));

        Assert.Equal(KeyStatus.Failure, results[0]!.Status);
        Assert.Equal(KeyStatus.Success, results[1]!.Status);
        Assert.Equal(KeyStatus.Success, results[2]!.Status);
        Assert.Null(results[3]);
        Assert.Null(results[4]);
        Assert.Equal(KeyStatus.Success, results[5]!.Status);
    }

    [Fact]
    public void A_hundred_thousand_testcases_and_a_thousand_id_keys_each_take_their_own()
    {
        var xml = "<testsuite>" + string.Concat(Enumerable.Range(0, 100_000).Select(i =>
            $"""<testcase classname="tests.test_{i % 1000}" name="test_{i / 1000}[p]" time="0.01"{(i == 4242 ? "><failure/></testcase>" : "/>")}""")) + "</testsuite>";
        var keys = Enumerable.Range(0, 1000).Select(i => $"tests/test_{i}.py::test_4").ToArray();

        var results = Resolve(keys, xml);

        Assert.Equal(KeyStatus.Failure, results[242]!.Status);
        Assert.Equal(999, results.Count(r => r!.Status == KeyStatus.Success));
    }
}
