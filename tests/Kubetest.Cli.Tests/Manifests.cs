namespace Kubetest.Cli.Tests;

/// <summary>Small TestJob manifests for the end-to-end tests.</summary>
internal static class Manifests
{
    /// <summary>A strategy over <paramref name="keys"/> whose key command is <paramref name="script"/> (run by <c>sh -c</c>).</summary>
    public static string Strategy(IEnumerable<string> keys, string script, string scheduler = "maxContainersPerPod: 10", string extraSpec = "", string extraContainer = "", string extraPodSpec = "", string extraStrategy = "") =>
        Build(script, extraSpec, extraPodSpec, extraContainer, $$"""
            strategy:
              key:
                env: TASK_KEY
                source:
                  static: [{{string.Join(", ", keys.Select(k => $"\"{k}\""))}}]
              scheduler:
            {{Indent(scheduler, 4)}}
            {{Indent(extraStrategy, 2)}}
            """);

    /// <summary>A main step without strategy that runs <paramref name="script"/> once.</summary>
    public static string Single(string script, string extraSpec = "", string extraPodSpec = "", string extraContainer = "") =>
        Build(script, extraSpec, extraPodSpec, extraContainer, strategy: "");

    public static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Build(string script, string extraSpec, string extraPodSpec, string extraContainer, string strategy) => $$"""
        apiVersion: kubetest.io/v1
        kind: TestJob
        metadata:
          name: e2e
        spec:
        {{Indent(extraSpec, 2)}}
          mainStep:
        {{Indent(strategy, 4)}}
            template:
              metadata:
                generateName: e2e-
              spec:
        {{Indent(extraPodSpec, 8)}}
                containers:
                  - name: test
                    image: alpine
                    command: ["sh", "-c"]
                    args:
                      - {{Quote(script)}}
        {{Indent(extraContainer, 12)}}
        """;

    private static string Indent(string text, int spaces)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "";
        }

        var pad = new string(' ', spaces);
        return string.Join("\n", text.Trim('\n').Split('\n').Select(l => pad + l));
    }
}
