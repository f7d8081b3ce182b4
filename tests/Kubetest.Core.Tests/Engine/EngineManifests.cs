namespace Kubetest.Core.Tests.Engine;

/// <summary>What several engine test classes build alike: a TestJob of static keys, and a running maximum.</summary>
internal static class EngineManifests
{
    /// <summary>A TestJob whose main step runs <paramref name="keys"/> (a YAML list) under <paramref name="scheduler"/> (the scheduler's fields) and the extra <paramref name="strategy"/> fields.</summary>
    public static string StaticKeys(string keys, string scheduler, string strategy = "", string name = "interrupt-test") => $$"""
        apiVersion: kubetest.io/v1
        kind: TestJob
        metadata:
          name: {{name}}
        spec:
          mainStep:
            strategy:
              {{strategy}}
              scheduler: {{{scheduler}}}
              key:
                env: TASK_KEY
                source:
                  static: {{keys}}
            template:
              spec:
                containers:
                  - name: test
                    image: alpine
                    command: [go, test, -run, $TASK_KEY]
        """;

    /// <summary>Raises <paramref name="target"/> to <paramref name="value"/> when that is more, from any thread.</summary>
    public static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
