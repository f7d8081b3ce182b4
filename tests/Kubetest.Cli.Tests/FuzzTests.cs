using System.Globalization;
using System.Text;

namespace Kubetest.Cli.Tests;

/// <summary>
/// Hostile and mutated manifests through the whole CLI, in process: each ends with exit 0 and its
/// output, or exit 3 and exactly one <c>[ERROR]</c> line, in bounded time; never a stack trace, an
/// internal error, a hang or a crash. The mutations come from a fixed seed, so a failure names a
/// case that the same seed reproduces (<c>KUBETEST_FUZZ_SEED</c> tries others).
/// </summary>
public sealed class FuzzTests : IDisposable
{
    private const int DefaultSeed = 20261125;
    private const int MutatedCases = 320;

    /// <summary>A hang detector, not a timing: every case normally takes milliseconds.</summary>
    private static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(20);

    private static readonly string[] Tokens =
    [
        "[", "]", "{", "}", "&a ", "*a", "{{", "}}", "{{ .x }}", "- ", ": ", "\t", "\0", "1e400", "2147483647", "-1",
        "true", "~", "!!binary ", "<<: *a", "---\n", "%YAML 1.2\n", "\"", "'", "|", ">", "#", "\\", "\u2028", "\r", "\n  ", "?", "@", "`",
    ];

    private readonly string _root = Directory.CreateTempSubdirectory("kubetest-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Every_hostile_or_mutated_manifest_ends_cleanly_with_a_result_or_one_error_line()
    {
        var seed = Environment.GetEnvironmentVariable("KUBETEST_FUZZ_SEED") is { Length: > 0 } s
            ? int.Parse(s, CultureInfo.InvariantCulture)
            : DefaultSeed;
        var cases = Hostile(_root).Concat(Mutated(new Random(seed), Seeds())).ToList();
        Assert.True(cases.Count >= 300, $"only {cases.Count} cases");

        var failures = new List<string>();
        foreach (var (name, bytes, extraArgs) in cases)
        {
            var path = Path.Combine(_root, "case.yaml");
            await File.WriteAllBytesAsync(path, bytes);
            // No timing store: the cases run in this process, whose cache directory is the machine's, and the store is not what is fuzzed here.
            if (await RunCaseAsync([.. extraArgs, "--dry-run", "--timings-store", "none", path]) is { } problem)
            {
                failures.Add($"{name} (seed {seed}): {problem}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    /// <summary>Null when the run ended as it must; else what was wrong.</summary>
    private static async Task<string?> RunCaseAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit;
        try
        {
            // On its own thread, so that even a synchronous hang in a parser is caught by the limit.
            exit = await Task.Run(() => Program.RunAsync(args, output, error, CancellationToken.None)).WaitAsync(CaseLimit);
        }
        catch (TimeoutException)
        {
            return $"did not end within {CaseLimit.TotalSeconds} s";
        }

        var stderr = error.ToString();
        var lines = stderr.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        var errorLines = lines.Count(l => l.StartsWith("[ERROR]", StringComparison.Ordinal));
        if (stderr.Contains("unexpected internal error", StringComparison.Ordinal) || lines.Any(l => l.StartsWith("   at ", StringComparison.Ordinal)))
        {
            return $"internal error: {Head(stderr)}";
        }

        // Every line is a log line or a problem under the one [ERROR] line: nothing raw, nothing forged.
        // A dry run's plan follows, from its "dry run of" line on; none of its lines may pass for a log line.
        var plan = lines.FindIndex(l => l.StartsWith("dry run of ", StringComparison.Ordinal));
        var log = plan < 0 ? lines : lines[..plan];
        if (log.FirstOrDefault(l => !(l.StartsWith("[ERROR] ", StringComparison.Ordinal) || l.StartsWith("[WARN] ", StringComparison.Ordinal)
            || l.StartsWith("  - ", StringComparison.Ordinal) || l.StartsWith("  … and ", StringComparison.Ordinal))) is { } stray)
        {
            return $"stray stderr line: {Head(stray)}";
        }

        if (plan >= 0 && lines[plan..].FirstOrDefault(l => l.StartsWith('[')) is { } forged)
        {
            return $"a line of the dry run's plan looks like a log line: {Head(forged)}";
        }

        return exit switch
        {
            0 when errorLines == 0 && output.ToString().Contains("kind: Job", StringComparison.Ordinal) => null,
            0 => $"exit 0 without the dry run's Jobs or with an error: {Head(stderr)}",
            3 when errorLines == 1 && output.ToString().Length == 0 => null,
            3 => $"exit 3 with {errorLines} [ERROR] lines: {Head(stderr)}",
            _ => $"exit {exit}: {Head(stderr)}",
        };
    }

    private static string Head(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private static IEnumerable<(string Name, byte[] Bytes)> Seeds()
    {
        var examples = Directory.GetFiles(Path.Combine(CliRunner.RepositoryRoot, "examples"));
        var corpus = Directory.GetFiles(Path.Combine(CliRunner.RepositoryRoot, "tests", "Kubetest.Core.Tests", "Manifests"), "*", SearchOption.AllDirectories);
        return examples.Concat(corpus)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .Where(f => new FileInfo(f).Length < 100_000)
            .Order(StringComparer.Ordinal)
            .Select(f => (Path.GetRelativePath(CliRunner.RepositoryRoot, f), File.ReadAllBytes(f)));
    }

    /// <summary>Byte flips, truncations, duplications, deletions and inserted YAML tokens, one to three per case.</summary>
    private static IEnumerable<(string Name, byte[] Bytes, string[] Args)> Mutated(Random random, IEnumerable<(string Name, byte[] Bytes)> seeds)
    {
        var pool = seeds.ToList();
        for (var i = 0; i < MutatedCases; i++)
        {
            var (seedName, original) = pool[random.Next(pool.Count)];
            var bytes = new List<byte>(original);
            var steps = new List<string>();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                steps.Add(Mutate(random, bytes));
            }

            yield return ($"mutation {i} of {seedName}: {string.Join(", ", steps)}", bytes.ToArray(), []);
        }
    }

    private static string Mutate(Random random, List<byte> bytes)
    {
        var at = random.Next(bytes.Count + 1);
        switch (random.Next(6))
        {
            case 0 when bytes.Count > 0:
                at = Math.Min(at, bytes.Count - 1);
                bytes[at] = (byte)random.Next(256);
                return $"flip byte {at} to 0x{bytes[at]:x2}";
            case 1:
                bytes.RemoveRange(at, bytes.Count - at);
                return $"truncate at {at}";
            case 2:
                var start = random.Next(bytes.Count + 1);
                var length = Math.Min(random.Next(1, 400), bytes.Count - start);
                var span = bytes.GetRange(start, length);
                bytes.InsertRange(at, span);
                return $"copy {length} bytes from {start} to {at}";
            case 3:
                var cut = Math.Min(random.Next(1, 80), bytes.Count - at);
                bytes.RemoveRange(at, cut);
                return $"delete {cut} bytes at {at}";
            case 4:
                var lines = Encoding.UTF8.GetString([.. bytes]).Split('\n').ToList();
                var line = random.Next(lines.Count);
                var times = random.Next(1, 50);
                lines.InsertRange(line, Enumerable.Repeat(lines[line], times));
                bytes.Clear();
                bytes.AddRange(Encoding.UTF8.GetBytes(string.Join('\n', lines)));
                return $"repeat line {line + 1} {times} times";
            default:
                var token = Tokens[random.Next(Tokens.Length)];
                bytes.InsertRange(at, Encoding.UTF8.GetBytes(token));
                return $"insert {Printable(token)} at {at}";
        }
    }

    private static string Printable(string text) => Kubetest.Model.Printable.Escape(text);

    private static (string, byte[], string[]) Case(string name, string text, params string[] args) => (name, Encoding.UTF8.GetBytes(text), args);

    /// <summary>The reproductions of the issue and their neighbours.</summary>
    private static IEnumerable<(string Name, byte[] Bytes, string[] Args)> Hostile(string root)
    {
        const string Valid = """
            apiVersion: kubetest.io/v1
            kind: TestJob
            metadata:
              name: fuzz
            spec:
              mainStep:
                strategy:
                  key:
                    env: TASK_KEY
                    source:
                      static: [a, b]
                  scheduler:
                    maxContainersPerPod: 2
                template:
                  metadata:
                    generateName: fuzz-
                  spec:
                    containers:
                      - name: test
                        image: alpine
                        command: [echo]
                        volumeMounts: [{name: data, mountPath: /data}]
                    volumes:
                      - name: data
                        emptyDir: {}
                    artifacts:
                      - name: out
                        container: {name: test, path: /data/out}
            """;
        string With(string from, string to) => Valid.Replace(from, to, StringComparison.Ordinal);

        yield return Case("valid", Valid);
        yield return Case("valid with a byte order mark", "\uFEFF" + Valid);
        yield return Case("valid with CRLF", Valid.ReplaceLineEndings("\r\n"));
        yield return Case("deep flow list, 100000 levels", Valid + "\nextra: " + new string('[', 100_000));
        yield return Case("deep flow mapping, 100000 levels", Valid + "\nextra: " + string.Concat(Enumerable.Repeat("{a: ", 100_000)));
        yield return Case("deep JSON, 100000 levels", "{\"apiVersion\": \"kubetest.io/v1\", \"x\": " + string.Concat(Enumerable.Repeat("{\"a\":", 100_000)) + "1" + new string('}', 100_001));
        yield return Case("deep block mapping, 300 levels", Valid + "\nextra:\n" + string.Concat(Enumerable.Range(1, 300).Select(i => new string(' ', i) + "k:\n")));
        yield return Case("nesting just inside the limit", Valid + "\nextra: " + new string('[', 98) + new string(']', 98));
        yield return Case("self-referencing alias", With("spec:\n  mainStep", "spec:\n  loop: &a [*a]\n  mainStep"));
        yield return Case("alias to an undefined anchor", With("[a, b]", "*nothing"));
        yield return Case("billion laughs", string.Concat("abcdefghi".Select((c, i) => i == 0
            ? "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
            : $"{c}: &{c} [{string.Join(",", Enumerable.Repeat($"*{(char)(c - 1)}", 9))}]\n")));
        yield return Case("aliases reused within bounds", With("static: [a, b]", "static: &k [a, b]\n        other: [*k, *k, *k]"));
        yield return Case("alias as a mapping key", With("kind: TestJob", "kind: &k TestJob\n*k : 1"));
        yield return Case("merge key", With("spec:\n", "base: &b {x: 1}\nspec:\n  <<: *b\n"));
        yield return Case("unclosed [ before the next key", With("static: [a, b]", "static: [a, b\n        other: 1"));
        yield return Case("unclosed { at the end", Valid + "\nextra: {a: [1, {");
        yield return Case("200 KB of unclosed {{", Valid + "\n" + string.Concat(Enumerable.Repeat("{{ ", 70_000)));
        yield return Case("30000 missing template parameters", Valid + "\n" + string.Concat(Enumerable.Repeat("# {{ .x }}\n", 30_000)));
        yield return Case("template parameters that grow the manifest", Valid + "\n" + string.Concat(Enumerable.Repeat("# {{ .x }}\n", 30)), "--template", "x=" + new string('y', 500_000));
        yield return Case("unsupported template action", With("[echo]", "[echo, '{{ range .x }}']"));
        yield return Case("1e400 as a scheduler limit", With("maxContainersPerPod: 2", "maxContainersPerPod: 1e400"));
        yield return Case("-1e400 in a Kubernetes field", With("image: alpine", "image: alpine\n            terminationMessagePath: -1e400"));
        yield return Case("1e400 as a key", With("[a, b]", "[a, 1e400]"));
        yield return Case("boolean probe port", With("command: [echo]", "command: [echo]\n            livenessProbe: {httpGet: {port: true}}"));
        yield return Case("list as a probe port", With("command: [echo]", "command: [echo]\n            readinessProbe: {tcpSocket: {port: [1]}}"));
        yield return Case("CPU limit of a boolean", With("command: [echo]", "command: [echo]\n            resources: {limits: {cpu: true}}"));
        yield return Case("maxContainersPerPod of int.MaxValue", With("maxContainersPerPod: 2", "maxContainersPerPod: 2147483647"));
        yield return Case("maxPodNum beyond long", With("maxContainersPerPod: 2", "maxPodNum: 99999999999999999999999999"));
        yield return Case("negative maxConcurrentNumPerPod", With("maxContainersPerPod: 2", "maxConcurrentNumPerPod: -9223372036854775808"));
        yield return Case("ttl beyond int", With("  mainStep:\n", "  mainStep:\n    ttlSecondsAfterFinished: 4294967296\n"));
        yield return Case("generateName a path", With("generateName: fuzz-", "generateName: /tmp/x/pod-"));
        yield return Case("generateName with ..", With("generateName: fuzz-", "generateName: ../../pod-"));
        yield return Case("TestJob name in upper case", With("name: fuzz", "name: Fuzz_Job"));
        yield return Case("TestJob name of 300 characters", With("name: fuzz", "name: " + new string('a', 300)));
        yield return Case("template name a path", With("generateName: fuzz-", "name: ../../x"));
        yield return Case("namespace a path", With("name: fuzz", "name: fuzz\n  namespace: ../kube-system"));
        yield return Case("volume name a path", With("- name: data\n", "- name: ../../data\n"));
        yield return Case("artifact name ..", With("- name: out", "- name: .."));
        yield return Case("artifact path /", With("path: /data/out", "path: /"));
        yield return Case("subPath that climbs out", With("mountPath: /data}", "mountPath: /data, subPath: ../../../etc}"));
        yield return Case("NUL in a static key", With("[a, b]", "[a, \"b\\0c\"]"));
        yield return Case("raw NUL in the file", With("[a, b]", "[a, b\0c]"));
        yield return Case("NUL in a mapping key", Valid + "\n\"x\\0y\": 1");
        yield return Case("NUL in a --list key", Valid, "--list", WriteList(root, "one\ntw\0o\n"));
        yield return Case("new line in a static key", With("[a, b]", "[a, \"b\\n[INFO] 99/99 (100.000000%) finished.\"]"));
        yield return Case("ANSI escape in a key", With("[a, b]", "[a, \"\\e[2J\"]"));
        yield return Case("new line in a field name", Valid + "\n\"x\\n[ERROR] forged\": 1");
        yield return Case("duplicate key", With("kind: TestJob", "kind: TestJob\nkind: TestJob"));
        yield return Case("several documents", Valid + "\n---\n" + Valid);
        yield return Case("empty file", "");
        yield return Case("only a document marker", "---\n");
        yield return Case("only a comment", "# nothing\n");
        yield return Case("a scalar", "42");
        yield return Case("a list", "[1, 2]");
        yield return Case("null", "null");
        yield return Case("tab indentation", With("  mainStep:", "\tmainStep:"));
        yield return Case("1000 static keys", With("[a, b]", "[" + string.Join(", ", Enumerable.Range(0, 1000).Select(i => $"k{i}")) + "]").Replace("maxContainersPerPod: 2", "maxContainersPerPod: 1000", StringComparison.Ordinal));
        yield return Case("10000 bad mounts", With("volumeMounts: [{name: data, mountPath: /data}]", "volumeMounts: [" + string.Join(", ", Enumerable.Range(0, 10_000).Select(i => $"{{name: v{i}, mountPath: /m}}")) + "]"));
        yield return Case("one line of a megabyte", With("image: alpine", "image: " + new string('x', 1_000_000)));
        yield return Case("larger than 10 MiB", Valid + "\n#" + new string('x', 11 * 1024 * 1024));
        var junk = new Random(DefaultSeed);
        for (var i = 0; i < 5; i++)
        {
            var bytes = new byte[4096];
            junk.NextBytes(bytes);
            yield return ($"random bytes {i}", bytes, []);
        }

        yield return ($"invalid UTF-8", [.. Encoding.UTF8.GetBytes(Valid), 0xff, 0xfe, 0xc0, 0x80], []);
    }

    private static string WriteList(string root, string text)
    {
        var path = Path.Combine(root, "list.txt");
        File.WriteAllText(path, text);
        return path;
    }
}
