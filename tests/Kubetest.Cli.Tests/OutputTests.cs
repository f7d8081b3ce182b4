namespace Kubetest.Cli.Tests;

/// <summary>
/// Keys that print hundreds of megabytes, through the real CLI on both runtimes: each command runs
/// exactly once (it counts its runs in a file of a hostPath volume), its output arrives complete
/// and in order on stderr, and the run succeeds. Stderr goes to a file, counted as it is read.
/// </summary>
public sealed class OutputTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    [SkippableTheory]
    [InlineData(RuntimeKind.Local, 150_000_000)]
    [InlineData(RuntimeKind.Kubernetes, 150_000_000)]
    [InlineData(RuntimeKind.Local, 200_000_000)]
    [InlineData(RuntimeKind.Kubernetes, 200_000_000)]
    public async Task A_key_printing_hundreds_of_megabytes_of_lines_runs_once_and_every_line_arrives(RuntimeKind runtime, int characters)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var manifest = cli.Write("big.yaml", BigKey(cli, $"head -c {characters} /dev/zero | tr '\\0' a | fold -w 99"));
        var stderr = Path.Combine(cli.Root, "stderr");

        var run = await cli.RunWithStderrFileAsync(stderr, manifest);

        Assert.True(run.ExitCode == 0, run.ToString() + Tail(stderr));
        Assert.Equal("success", run.Report.GetProperty("status").GetString());
        Assert.Equal(["run"], await File.ReadAllLinesAsync(Path.Combine(cli.Root, "state", "runs")));
        var counted = Count(stderr);

        // fold cuts the characters into lines of 99 and one shorter last line; every one arrives.
        Assert.Equal(characters / 99, counted.LinesOf99);
        Assert.Equal((long)characters, counted.Characters);
        Assert.Empty(runtimes.LeftInCluster(runtime));
        Assert.Empty(cli.Leftovers());
    }

    [SkippableTheory]
    [InlineData(RuntimeKind.Local)]
    [InlineData(RuntimeKind.Kubernetes)]
    public async Task A_line_of_ten_megabytes_without_a_newline_arrives_whole_in_pieces_of_64_KiB(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var manifest = cli.Write("line.yaml", BigKey(cli, "head -c 10000000 /dev/zero | tr '\\0' a"));
        var stderr = Path.Combine(cli.Root, "stderr");

        var run = await cli.RunWithStderrFileAsync(stderr, manifest);

        Assert.True(run.ExitCode == 0, run.ToString() + Tail(stderr));
        Assert.Equal(["run"], await File.ReadAllLinesAsync(Path.Combine(cli.Root, "state", "runs")));
        var counted = Count(stderr);
        Assert.Equal(10_000_000L, counted.Characters);
        Assert.Equal(10_000_000 / 65_536, counted.LinesOf(65_536));
        Assert.Equal(1, counted.LinesOf(10_000_000 % 65_536));
    }

    [Fact]
    public async Task Dynamic_keys_text_past_64_MiB_stops_the_run_with_an_error_saying_so()
    {
        using var cli = runtimes.Cli(RuntimeKind.Local);
        var manifest = cli.Write("dynamic.yaml", """
            apiVersion: kubetest.io/v1
            kind: TestJob
            metadata:
              name: dynamic
            spec:
              mainStep:
                strategy:
                  key:
                    env: TEST
                    source:
                      dynamic:
                        template:
                          spec:
                            containers:
                              - name: list
                                image: alpine
                                command: ["sh", "-c", "head -c 70000000 /dev/zero | tr '\\0' k | fold -w 99"]
                  scheduler:
                    maxPodNum: 1
                template:
                  spec:
                    containers:
                      - name: test
                        image: alpine
                        command: ["sh", "-c", "echo ran $TEST"]
            """);
        var stderr = Path.Combine(cli.Root, "stderr");

        var run = await cli.RunWithStderrFileAsync(stderr, manifest);

        Assert.NotEqual(0, run.ExitCode);
        var messages = File.ReadLines(stderr).Where(l => l.StartsWith('[')).ToList();
        Assert.Contains(messages, l => l.StartsWith("[ERROR]", StringComparison.Ordinal) && l.Contains("more than 64 MiB", StringComparison.Ordinal));
        Assert.DoesNotContain(File.ReadLines(stderr), l => l.StartsWith("ran ", StringComparison.Ordinal));
        Assert.Empty(cli.Leftovers());
    }

    private static string BigKey(CliRunner cli, string script)
    {
        var state = Path.Combine(cli.Root, "state");
        Directory.CreateDirectory(state);
        return Manifests.Strategy(
            ["big"],
            "echo run >> /state/runs; " + script,
            scheduler: "maxContainersPerPod: 1",
            extraPodSpec: $"volumes:\n  - name: state\n    hostPath:\n      path: {state}",
            extraContainer: "volumeMounts:\n  - name: state\n    mountPath: /state");
    }

    /// <summary>Lines made only of 'a' (the key's output), read as a stream: the file is hundreds of megabytes.</summary>
    private static Counted Count(string path)
    {
        var counted = new Counted();
        using var reader = new StreamReader(path);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && !line.AsSpan().ContainsAnyExcept('a'))
            {
                counted.Add(line.Length);
            }
        }

        return counted;
    }

    private static string Tail(string path)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        using var file = File.OpenRead(path);
        file.Seek(Math.Max(0, file.Length - 4000), SeekOrigin.Begin);
        using var reader = new StreamReader(file);
        return "\n--- stderr tail\n" + reader.ReadToEnd();
    }

    private sealed class Counted
    {
        private readonly Dictionary<int, int> _byLength = [];

        public long Characters { get; private set; }

        public int LinesOf99 => LinesOf(99);

        public int LinesOf(int length) => _byLength.GetValueOrDefault(length);

        public void Add(int length)
        {
            Characters += length;
            _byLength[length] = LinesOf(length) + 1;
        }
    }
}
