using Kubetest.Runtime;
using Kubetest.Runtime.Kubernetes;

namespace Kubetest.Runtime.Kubernetes.Tests;

/// <summary>The exit code of an exec comes from the status frame that ends it.</summary>
public class ExecStatusTests
{
    [Fact]
    public void A_success_status_is_exit_code_0()
    {
        Assert.Equal(0, PodExec.ExitCode("""{"metadata":{},"status":"Success"}""", "pod", "c"));
    }

    [Fact]
    public void A_non_zero_exit_status_gives_its_exit_code()
    {
        const string Status = """
            {"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3",
             "reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}
            """;

        Assert.Equal(3, PodExec.ExitCode(Status, "pod", "c"));
    }

    [Fact]
    public void Any_other_failure_is_an_error_of_the_pod_with_the_servers_message()
    {
        var ex = Assert.Throws<PodFailedException>(() => PodExec.ExitCode("""{"status":"Failure","message":"container not found (\"c\")","reason":"InternalError"}""", "pod-1", "c"));

        Assert.Contains("container not found", ex.Message, StringComparison.Ordinal);
        Assert.Contains("pod-1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_exec_that_ends_without_a_status_is_incomplete_not_a_success()
    {
        var ex = Assert.Throws<PodFailedException>(() => PodExec.ExitCode("", "pod", "c"));
        Assert.Contains("without a status", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not run again", ex.Message, StringComparison.Ordinal);
    }
}
