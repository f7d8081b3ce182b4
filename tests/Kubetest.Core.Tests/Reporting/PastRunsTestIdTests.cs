using Kubetest.Planning;
using Kubetest.Reporting;

namespace Kubetest.Core.Tests.Reporting;

/// <summary><c>--timings</c> from a runner's JUnit gives a key that is a test id the time of exactly its testcases, as a batch's results do.</summary>
public class PastRunsTestIdTests
{
    private static Func<string, double> Estimator(string xml) => Planner.Estimator(PastRuns.ReadDurations(xml, "t.xml"));

    [Fact]
    public void Pytest_node_ids_take_their_own_testcase_time_and_an_id_without_parameters_every_invocation()
    {
        var xml = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Engine", "JUnit", "pytest.xml"))
            .Replace("name=\"test_y[p1]\" time=\"0.001\"", "name=\"test_y[p1]\" time=\"4\"", StringComparison.Ordinal)
            .Replace("name=\"test_y[a.b/c::d]\" time=\"0.005\"", "name=\"test_y[a.b/c::d]\" time=\"6\"", StringComparison.Ordinal);
        var estimate = Estimator(xml);

        Assert.Equal(4, estimate("tests/test_a.py::TestX::test_y[p1]"));
        Assert.Equal(6, estimate("tests/test_a.py::TestX::test_y[a.b/c::d]"));
        Assert.Equal(10.001, estimate("tests/test_a.py::TestX::test_y"), 6);
    }

    [Fact]
    public void Go_surefire_and_dotnet_test_ids_take_their_testcases_time()
    {
        const string Xml = """
            <testsuites>
              <testsuite><testcase classname="example.com/mod/pkg/foo" name="TestX/sub_case" time="3"/></testsuite>
              <testsuite><testcase classname="com.example.FooTest" name="testBar(int)[1]" time="1"/><testcase classname="com.example.FooTest" name="testBar(int)[2]" time="2"/></testsuite>
              <testsuite><testcase classname="Ns.CalcTests" name="Adds(a: 1, b: 2.5)" time="5"/></testsuite>
            </testsuites>
            """;
        var estimate = Estimator(Xml);

        Assert.Equal(3, estimate("TestX/sub_case"));
        Assert.Equal(3, estimate("./pkg/foo:TestX/sub_case"));
        Assert.Equal(3, estimate("com.example.FooTest#testBar"));
        Assert.Equal(5, estimate("Ns.CalcTests.Adds"));
    }

    [Fact]
    public void A_testcase_named_like_the_key_keeps_precedence_over_a_test_id()
    {
        const string Xml = """<testsuite><testcase classname="x" name="a.b" time="1"/><testcase classname="a" name="b" time="9"/></testsuite>""";

        Assert.Equal(1, Estimator(Xml)("a.b"));
    }
}
