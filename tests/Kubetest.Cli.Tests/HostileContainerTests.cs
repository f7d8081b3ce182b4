namespace Kubetest.Cli.Tests;

/// <summary>
/// A container that plants links to make kubetest read or write host files, on every runtime:
/// nothing outside the run's own directories changes, and no host file's content reaches an
/// artifact, an export or the output.
/// </summary>
public sealed class HostileContainerTests(Runtimes runtimes) : IClassFixture<Runtimes>
{
    private const string VictimContent = "victim-original-content";

    private const string OutArtifact = """
        artifacts:
          - name: out
            container:
              name: test
              path: /work/out
        """;

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_retest_that_writes_where_an_earlier_attempt_planted_a_link_leaves_the_host_file_alone(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime, sharesHostFiles: true);
        var victim = Victim(cli);
        var state = Directory.CreateDirectory(Path.Combine(cli.Root, "state")).FullName;
        var export = Path.Combine(cli.Root, "export");

        // b's first attempt plants the link and fails; its retest, in the same container name, writes through it.
        var manifest = cli.Write("retest.yaml", Manifests.Strategy(
            ["a", "b"],
            $"mkdir -p out; if [ $TASK_KEY = a ]; then echo a > out/a; elif [ ! -e /state/b ]; then touch /state/b; ln -s {victim} out/evil; exit 1; else echo pwned > out/evil; exit 1; fi",
            extraStrategy: "retest: true",
            extraPodSpec: OutArtifact + $"\nvolumes:\n  - name: state\n    hostPath:\n      path: {state}",
            extraContainer: "workingDir: /work\nvolumeMounts:\n  - name: state\n    mountPath: /state",
            extraSpec: Export(export)));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("[INFO] retest 1 failed keys", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(VictimContent, File.ReadAllText(victim));
        var evil = Path.Combine(export, "test0-1", "out", "evil");
        Assert.Equal(EntryKind.File, FileTree.KindOf(evil));
        Assert.Equal("pwned\n", File.ReadAllText(evil));
        Assert.Equal("a\n", File.ReadAllText(Path.Combine(export, "test0-0", "out", "a")));
        Assert.Empty(cli.Leftovers());
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Exporting_twice_into_one_path_replaces_the_links_of_the_first_export_instead_of_writing_through_them(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var victim = Victim(cli);
        var victimDir = Directory.CreateDirectory(Path.Combine(cli.Root, "victim-dir")).FullName;
        var export = Path.Combine(cli.Root, "export");
        var first = cli.Write("first.yaml", Manifests.Single(
            $"mkdir -p out; ln -s {victim} out/evil; ln -s {victimDir} out/dir",
            extraPodSpec: OutArtifact,
            extraContainer: "workingDir: /work",
            extraSpec: Export(export)));
        var second = cli.Write("second.yaml", Manifests.Single(
            "mkdir -p out/dir; echo second > out/evil; echo inner > out/dir/x",
            extraPodSpec: OutArtifact,
            extraContainer: "workingDir: /work",
            extraSpec: Export(export)));

        var run1 = await cli.RunAsync(first);
        Assert.True(run1.ExitCode == 0, run1.ToString());
        Assert.Equal(victim, new FileInfo(Path.Combine(export, "test", "out", "evil")).LinkTarget);
        var run2 = await cli.RunAsync(second);

        Assert.True(run2.ExitCode == 0, run2.ToString());
        Assert.Equal(VictimContent, File.ReadAllText(victim));
        Assert.Empty(Directory.GetFileSystemEntries(victimDir));
        Assert.Equal("second\n", File.ReadAllText(Path.Combine(export, "test", "out", "evil")));
        Assert.Equal("inner\n", File.ReadAllText(Path.Combine(export, "test", "out", "dir", "x")));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Links_planted_in_the_export_destination_beforehand_are_replaced_not_followed(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var victim = Victim(cli);
        var victimDir = Directory.CreateDirectory(Path.Combine(cli.Root, "victim-dir")).FullName;
        var export = Path.Combine(cli.Root, "export");
        Directory.CreateDirectory(Path.Combine(export, "test0-0", "out"));
        File.CreateSymbolicLink(Path.Combine(export, "test0-0", "out", "evil"), victim);
        Directory.CreateSymbolicLink(Path.Combine(export, "test0-0", "out", "dir"), victimDir);
        Directory.CreateSymbolicLink(Path.Combine(export, "test0-1"), victimDir);
        var manifest = cli.Write("planted.yaml", Manifests.Strategy(
            ["a", "b"],
            "mkdir -p out/dir; echo $TASK_KEY > out/evil; echo $TASK_KEY > out/dir/x",
            extraPodSpec: OutArtifact,
            extraContainer: "workingDir: /work",
            extraSpec: Export(export)));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(VictimContent, File.ReadAllText(victim));
        Assert.Empty(Directory.GetFileSystemEntries(victimDir));
        Assert.Equal("a\n", File.ReadAllText(Path.Combine(export, "test0-0", "out", "evil")));
        Assert.Equal("b\n", File.ReadAllText(Path.Combine(export, "test0-1", "out", "dir", "x")));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task Links_to_kubetests_environment_and_to_host_files_stay_links_and_their_content_reaches_nothing(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var marker = "kubetest-marker-" + Guid.NewGuid().ToString("N");
        cli.Environment["KUBETEST_HOSTILE_MARKER"] = marker;
        var secret = Victim(cli);
        var export = Path.Combine(cli.Root, "export");
        var script = string.Join("; ", [
            "mkdir -p out",
            "ln -s /proc/self/environ f",
            "ln -s /proc/self/environ out/env",
            "ln -s /proc/1/environ out/env1",
            $"ln -s {secret} out/host",
            "ln -s l2 out/l1",
            "ln -s l3 out/l2",
            $"ln -s {secret} out/l3",
            $"ln -s {Path.GetDirectoryName(secret)} out/hostdir",
            "echo data > out/a",
            "ln out/a out/hard",
            $"ln {secret} out/hard-host 2>/dev/null || true",
            "echo ok > out/ok.txt",
        ]);
        var postStep = $$"""
            postSteps:
              - name: reader
                template:
                  metadata:
                    generateName: reader-
                  spec:
                    containers:
                      - name: reader
                        image: alpine
                        command: ["sh", "-c"]
                        args: ["cat /kubetest-reader/f; cat /kubetest-reader/out/host; cat /kubetest-reader/out/l1; ls /kubetest-reader/out/hostdir; true"]
                        volumeMounts:
                          - name: f
                            mountPath: /kubetest-reader/f
                          - name: out
                            mountPath: /kubetest-reader/out
                    volumes:
                      - name: f
                        artifact:
                          name: f
                      - name: out
                        artifact:
                          name: out
            exportArtifacts:
              - name: f
                path: {{export}}/f
              - name: out
                path: {{export}}/out
            """;
        var manifest = cli.Write("read.yaml", Manifests.Single(
            script,
            extraPodSpec: OutArtifact + "\n  - name: f\n    container:\n      name: test\n      path: /work/f",
            extraContainer: "workingDir: /work",
            extraSpec: postStep));

        var run = await cli.RunAsync(manifest, "--log-level", "debug");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain(marker, run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(VictimContent, run.Stdout + run.Stderr, StringComparison.Ordinal);
        AssertNoFileContains(export, marker, VictimContent);
        Assert.Equal("/proc/self/environ", new FileInfo(Path.Combine(export, "f", "test", "f")).LinkTarget);
        var exported = Path.Combine(export, "out", "test", "out");
        Assert.Equal("/proc/self/environ", new FileInfo(Path.Combine(exported, "env")).LinkTarget);
        Assert.Equal(secret, new FileInfo(Path.Combine(exported, "host")).LinkTarget);
        Assert.Equal(Path.GetDirectoryName(secret), new FileInfo(Path.Combine(exported, "hostdir")).LinkTarget);
        Assert.Equal("l2", new FileInfo(Path.Combine(exported, "l1")).LinkTarget);
        Assert.Equal("l3", new FileInfo(Path.Combine(exported, "l2")).LinkTarget);
        Assert.Equal(secret, new FileInfo(Path.Combine(exported, "l3")).LinkTarget);
        Assert.Equal("data\n", File.ReadAllText(Path.Combine(exported, "hard")));
        Assert.Equal("ok\n", File.ReadAllText(Path.Combine(exported, "ok.txt")));
        Assert.Equal(VictimContent, File.ReadAllText(secret));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_fake_tar_in_the_container_cannot_place_files_outside_with_dot_dot_or_absolute_names(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var target = Directory.CreateDirectory(Path.Combine(cli.Root, "target")).FullName;
        var climb = string.Concat(Enumerable.Repeat("../", 30));

        // GNU tar itself, told to keep "../" and absolute member names (-P) and to rename the members to them.
        var script = string.Join("; ", [
            "mkdir -p out bin",
            "echo escaped > out/a",
            "echo escaped > out/b",
            "echo fine > out/c",
            $"printf '#!/bin/sh\\nexec /usr/bin/tar \"$@\" -P --transform \"s,^out/a,{climb}{target.TrimStart('/')}/dotdot,;s,^out/b,{target}/absolute,\"\\n' > bin/tar",
            "chmod +x bin/tar",
        ]);
        var manifest = cli.Write("fake-tar.yaml", Manifests.Single(
            script,
            extraPodSpec: OutArtifact,
            extraContainer: "workingDir: /work\nenv:\n  - name: PATH\n    value: /work/bin:/usr/local/bin:/usr/bin:/bin",
            extraSpec: Export(Path.Combine(cli.Root, "export"))));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(Directory.GetFileSystemEntries(target));
        Assert.True(File.Exists(Path.Combine(cli.Root, "export", "test", "out", "c")), run.ToString());
        Assert.Contains(run.StderrLines, l => l.StartsWith("[WARN] artifact out:", StringComparison.Ordinal) && l.Contains("dotdot", StringComparison.Ordinal));
        Assert.Contains(run.StderrLines, l => l.StartsWith("[WARN] artifact out:", StringComparison.Ordinal) && l.Contains("absolute", StringComparison.Ordinal));
    }

    [SkippableTheory]
    [MemberData(nameof(Runtimes.Both), MemberType = typeof(Runtimes))]
    public async Task A_fifo_in_an_artifact_is_left_out_with_a_warning_and_never_blocks(RuntimeKind runtime)
    {
        using var cli = runtimes.Cli(runtime);
        var export = Path.Combine(cli.Root, "export");
        var manifest = cli.Write("fifo.yaml", Manifests.Single(
            "mkdir -p out; mkfifo out/pipe; echo ok > out/ok.txt",
            extraPodSpec: OutArtifact,
            extraContainer: "workingDir: /work",
            extraSpec: Export(export)));

        var run = await cli.RunAsync(manifest);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(run.StderrLines, l => l.StartsWith("[WARN] artifact out:", StringComparison.Ordinal) && l.Contains("FIFO", StringComparison.Ordinal));
        Assert.False(FileTree.Exists(Path.Combine(export, "test", "out", "pipe")));
        Assert.Equal("ok\n", File.ReadAllText(Path.Combine(export, "test", "out", "ok.txt")));
    }

    private static string Export(string path) => $"exportArtifacts:\n  - name: out\n    path: {path}";

    private static string Victim(CliRunner cli)
    {
        var path = Path.Combine(cli.Root, "victim", "victim.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, VictimContent);
        return path;
    }

    /// <summary>Reads every regular file below <paramref name="directory"/>, never following a link.</summary>
    private static void AssertNoFileContains(string directory, params string[] secrets)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory))
        {
            switch (FileTree.KindOf(entry))
            {
                case EntryKind.Directory:
                    AssertNoFileContains(entry, secrets);
                    break;
                case EntryKind.File:
                    var content = File.ReadAllText(entry);
                    foreach (var secret in secrets)
                    {
                        Assert.False(content.Contains(secret, StringComparison.Ordinal), $"{entry} holds host content");
                    }

                    break;
            }
        }
    }
}
