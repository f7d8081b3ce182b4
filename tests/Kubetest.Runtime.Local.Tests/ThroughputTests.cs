using System.Diagnostics;
using k8s.Models;
using Kubetest.Runtime.Local;
using Xunit.Abstractions;

namespace Kubetest.Runtime.Local.Tests;

public class ThroughputTests : RuntimeTestBase
{
    private readonly ITestOutputHelper _output;

    public ThroughputTests(ITestOutputHelper output)
        : base(SandboxMode.Bwrap) => _output = output;

    [Fact]
    public async Task Many_held_containers_each_exec_true_with_low_per_key_overhead()
    {
        // A generous bound: it catches per-exec work growing with the pod (re-listing the host,
        // rebuilding arguments), not machine-to-machine noise.
        const int Keys = 400;
        var names = Enumerable.Range(0, Keys).Select(i => $"key-{i}").ToList();
        await using var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = names.Select(n => Container(n)).ToList() }), new RecordingSink(), default);
        using var slots = new SemaphoreSlim(16);
        var stopwatch = Stopwatch.StartNew();

        var exitCodes = await Task.WhenAll(names.Select(async name =>
        {
            await slots.WaitAsync();
            try
            {
                return await pod.ExecAsync(name, ["true"], Env(("TASK_KEY", name)), NullOutputSink.Instance, default);
            }
            finally
            {
                slots.Release();
            }
        }));

        var perKey = stopwatch.Elapsed / Keys;
        _output.WriteLine($"{Keys} execs in {stopwatch.Elapsed}, {perKey.TotalMilliseconds:F2} ms per key");
        Assert.All(exitCodes, code => Assert.Equal(0, code));
        Assert.True(perKey < TimeSpan.FromMilliseconds(50), $"{perKey.TotalMilliseconds:F1} ms per key");
    }
}
