using System.Diagnostics;
using k8s.Models;
using Kubetest.Reporting;
using Kubetest.Runtime;
using Kubetest.Runtime.Local;

namespace Kubetest.Runtime.Local.Tests;

public class BwrapPodTests : RuntimeTestBase
{
    public BwrapPodTests()
        : base(SandboxMode.Bwrap)
    {
    }

    [Fact]
    public async Task Exec_returns_the_exit_code_and_streams_stdout_and_stderr_lines()
    {
        await using var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [Container("main")] }), new RecordingSink(), default);

        var (exitCode, output) = await Exec(pod, "main", "echo one; echo two >&2; printf 'no newline'; exit 3");

        Assert.Equal(3, exitCode);
        Assert.Equal(["one", "no newline"], output.Stdout);
        Assert.Equal(["two"], output.Stderr);
    }

    [Fact]
    public async Task Exec_sees_the_container_env_and_the_pod_name()
    {
        var main = Container("main");
        main.Env = [new V1EnvVar { Name = "GREETING", Value = "hello" }, new V1EnvVar { Name = "TASK_KEY", Value = "key-42" }, new V1EnvVar { Name = "POD", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } }];
        await using var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [main] }), new RecordingSink(), default);

        var (exitCode, output) = await Exec(pod, "main", "echo $GREETING $TASK_KEY; echo $POD; echo $HOSTNAME");

        Assert.Equal(0, exitCode);
        Assert.Equal(["hello key-42", pod.Name, pod.Name], output.Stdout);
        Assert.StartsWith("test-", pod.Name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_env_var_from_a_secret_is_left_unset_with_a_note_on_stderr()
    {
        var main = Container("main");
        main.Env = [new V1EnvVar { Name = "TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Key = "token", Name = "creds" } } }];
        await using var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [main] }), new RecordingSink(), default);

        var (_, output) = await Exec(pod, "main", "echo \"token=${TOKEN-unset}\"");

        Assert.Equal(["token=unset"], output.Stdout);
        Assert.Contains(output.Stderr, line => line.Contains("TOKEN", StringComparison.Ordinal) && line.Contains("not available", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_working_directory_is_honoured_and_a_file_written_there_can_be_copied_out()
    {
        var main = Container("main");
        main.WorkingDir = "/work";
        await using var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [main] }), new RecordingSink(), default);

        var (exitCode, output) = await Exec(pod, "main", "pwd; echo result > result.txt");
        var copy = Path.Combine(Root, "result.txt");
        await pod.CopyFromAsync("main", "/work/result.txt", copy, default);

        Assert.Equal(0, exitCode);
        Assert.Equal(["/work"], output.Stdout);
        Assert.Equal("result\n", await File.ReadAllTextAsync(copy));
    }

    [Fact]
    public async Task Copying_a_missing_path_out_names_the_container_and_path()
    {
        await using var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [Container("main")] }), new RecordingSink(), default);

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => pod.CopyFromAsync("main", "/tmp/nothing-here", Path.Combine(Root, "x"), default));

        Assert.Contains("main", error.Message, StringComparison.Ordinal);
        Assert.Contains("/tmp/nothing-here", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tmp_is_private_to_the_container_and_persists_across_its_execs()
    {
        await using var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [Container("a"), Container("b")] }), new RecordingSink(), default);

        await Exec(pod, "a", "echo kept > /tmp/note");
        var (_, again) = await Exec(pod, "a", "cat /tmp/note");
        var (otherExit, _) = await Exec(pod, "b", "cat /tmp/note");

        Assert.Equal(["kept"], again.Stdout);
        Assert.NotEqual(0, otherExit);
    }

    [Fact]
    public async Task An_empty_dir_volume_is_shared_between_the_containers_of_a_pod()
    {
        var writer = Container("writer");
        writer.VolumeMounts = [VolumeMount("/shared", "data")];
        var reader = Container("reader");
        reader.VolumeMounts = [VolumeMount("/mnt/other-place", "data")];
        var spec = new V1PodSpec { Containers = [writer, reader], Volumes = [EmptyDir("data")] };
        await using var pod = await Runtime.StartPodAsync(Request(spec), new RecordingSink(), default);

        await Exec(pod, "writer", "echo shared-content > /shared/message");
        var (exitCode, output) = await Exec(pod, "reader", "cat /mnt/other-place/message");

        Assert.Equal(0, exitCode);
        Assert.Equal(["shared-content"], output.Stdout);
    }

    [Fact]
    public async Task A_read_only_volume_mount_cannot_be_written()
    {
        var main = Container("main");
        main.VolumeMounts = [VolumeMount("/data", "data", readOnly: true)];
        await using var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [main], Volumes = [EmptyDir("data")] }), new RecordingSink(), default);

        var (exitCode, _) = await Exec(pod, "main", "echo x > /data/file");

        Assert.NotEqual(0, exitCode);
    }

    [Fact]
    public async Task A_file_placed_inside_an_empty_dir_mount_is_visible_at_its_path()
    {
        var main = Container("main");
        main.WorkingDir = "/work";
        main.VolumeMounts = [VolumeMount("/work", "work")];
        var source = WriteLocalFile("artifact.txt", "awesome content\n");
        var request = Request(
            new V1PodSpec { Containers = [main], Volumes = [EmptyDir("work")] },
            files: [new ContainerFile("main", "/work/awesome-stuff", source, ReadOnly: false)]);
        await using var pod = await Runtime.StartPodAsync(request, new RecordingSink(), default);

        var (exitCode, output) = await Exec(pod, "main", "cat /work/awesome-stuff; echo changed > /work/awesome-stuff");

        Assert.Equal(0, exitCode);
        Assert.Equal(["awesome content"], output.Stdout);
        Assert.Equal("awesome content\n", await File.ReadAllTextAsync(source));
    }

    [Fact]
    public async Task A_directory_can_be_placed_at_a_path_that_does_not_exist_on_the_host()
    {
        var directory = Directory.CreateDirectory(Path.Combine(Root, "repo")).FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, "README"), "repo readme\n");
        var request = Request(
            new V1PodSpec { Containers = [Container("main")] },
            files: [new ContainerFile("main", "/opt/kubetest-test-repo", directory, ReadOnly: true)]);
        await using var pod = await Runtime.StartPodAsync(request, new RecordingSink(), default);

        var (exitCode, output) = await Exec(pod, "main", "cat /opt/kubetest-test-repo/README");

        Assert.Equal(0, exitCode);
        Assert.Equal(["repo readme"], output.Stdout);
    }

    [Fact]
    public async Task A_mount_path_under_a_host_directory_that_lacks_it_works_and_the_rest_of_that_directory_stays_visible()
    {
        var main = Container("main");
        main.VolumeMounts = [VolumeMount("/usr/local/kubetest-test-mnt", "data")];
        main.WorkingDir = "/usr/src/kubetest-test-app";
        await using var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [main], Volumes = [EmptyDir("data")] }), new RecordingSink(), default);

        var (exitCode, output) = await Exec(
            pod,
            "main",
            "echo in-mount > /usr/local/kubetest-test-mnt/f && cat /usr/local/kubetest-test-mnt/f && pwd && touch made-here && ls /usr/local | grep -c .");

        Assert.Equal(0, exitCode);
        Assert.Equal("in-mount", output.Stdout[0]);
        Assert.Equal("/usr/src/kubetest-test-app", output.Stdout[1]);
        Assert.Equal(Directory.GetFileSystemEntries("/usr/local").Length + 1, int.Parse(output.Stdout[2], System.Globalization.CultureInfo.InvariantCulture));
        Assert.False(Directory.Exists("/usr/local/kubetest-test-mnt"), "the host must not be changed");
    }

    [Fact]
    public async Task Init_containers_run_in_order_before_exec()
    {
        var first = Container("first", "sh", "-c", "echo first >> /shared/log");
        first.VolumeMounts = [VolumeMount("/shared", "data")];
        var second = Container("second", "sh", "-c", "echo second >> /shared/log");
        second.VolumeMounts = [VolumeMount("/shared", "data")];
        var main = Container("main");
        main.VolumeMounts = [VolumeMount("/shared", "data")];
        var spec = new V1PodSpec { InitContainers = [first, second], Containers = [main], Volumes = [EmptyDir("data")] };
        await using var pod = await Runtime.StartPodAsync(Request(spec), new RecordingSink(), default);

        var (_, output) = await Exec(pod, "main", "cat /shared/log");

        Assert.Equal(["first", "second"], output.Stdout);
    }

    [Fact]
    public async Task A_failing_init_container_fails_the_pod_with_its_name_exit_code_and_output_and_leaves_nothing_behind()
    {
        var spec = new V1PodSpec
        {
            InitContainers = [Container("setup", "sh", "-c", "echo cannot prepare >&2; exit 7")],
            Containers = [Container("main")],
        };
        var podOutput = new RecordingSink();

        var error = await Assert.ThrowsAsync<PodFailedException>(() => Runtime.StartPodAsync(Request(spec), podOutput, default));

        Assert.Contains("setup", error.Message, StringComparison.Ordinal);
        Assert.Contains("exit code 7", error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot prepare", error.Message, StringComparison.Ordinal);
        Assert.Equal(["cannot prepare"], podOutput.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Root, "pods")));
    }

    [Fact]
    public async Task A_failing_init_containers_message_quotes_its_last_lines_bounded_however_much_it_printed()
    {
        var lines = new V1PodSpec
        {
            InitContainers = [Container("setup", "sh", "-c", "seq 1 20; exit 3")],
            Containers = [Container("main")],
        };
        var oneHugeLine = new V1PodSpec
        {
            InitContainers = [Container("setup", "sh", "-c", "seq 1 5; head -c 1000000 /dev/zero | tr '\\0' x; echo; exit 3")],
            Containers = [Container("main")],
        };

        var tenLines = await Assert.ThrowsAsync<PodFailedException>(() => Runtime.StartPodAsync(Request(lines), new RecordingSink(), default));
        var huge = await Assert.ThrowsAsync<PodFailedException>(() => Runtime.StartPodAsync(Request(oneHugeLine), new RecordingSink(), default));

        Assert.Equal([.. Enumerable.Range(11, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))], tenLines.Message.Split(Environment.NewLine)[1..]);
        Assert.Equal(new string('x', OutputTail.DefaultMaxChars), huge.Message.Split(Environment.NewLine)[^1]);
        Assert.True(huge.Message.Length < OutputTail.DefaultMaxChars + 200, $"{huge.Message.Length} characters");
    }

    [Fact]
    public async Task A_sidecar_runs_its_command_and_is_killed_when_the_pod_is_disposed()
    {
        var marker = UniqueSleepSeconds();
        var sidecar = Container("sidecar", "sh", "-c", $"echo started > /shared/started; exec sleep {marker}");
        sidecar.VolumeMounts = [VolumeMount("/shared", "data")];
        var main = Container("main");
        main.VolumeMounts = [VolumeMount("/shared", "data")];
        var spec = new V1PodSpec { Containers = [main, sidecar], Volumes = [EmptyDir("data")] };
        var pod = await Runtime.StartPodAsync(Request(spec, held: ["main"]), new RecordingSink(), default);

        var (waited, output) = await Exec(pod, "main", "while [ ! -f /shared/started ]; do sleep 0.02; done; cat /shared/started");
        var whileRunning = ProcessesWith(marker);
        await pod.DisposeAsync();

        Assert.Equal(0, waited);
        Assert.Equal(["started"], output.Stdout);
        Assert.NotEmpty(whileRunning);
        Assert.Empty(ProcessesWith(marker));
    }

    [Fact]
    public async Task A_sidecar_without_a_command_fails_the_pod()
    {
        var spec = new V1PodSpec { Containers = [Container("main"), Container("sidecar")] };

        var error = await Assert.ThrowsAsync<PodFailedException>(() => Runtime.StartPodAsync(Request(spec, held: ["main"]), new RecordingSink(), default));

        Assert.Equal("container sidecar has no command: the local runtime has no image entrypoint to run", error.Message);
    }

    [Fact]
    public async Task A_config_map_volume_is_rejected_naming_the_volume()
    {
        var spec = new V1PodSpec
        {
            Containers = [Container("main")],
            Volumes = [new V1Volume { Name = "settings", ConfigMap = new V1ConfigMapVolumeSource { Name = "app-settings" } }],
        };

        var error = await Assert.ThrowsAsync<PodFailedException>(() => Runtime.StartPodAsync(Request(spec), new RecordingSink(), default));

        Assert.Contains("\"settings\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("configMap", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_a_long_exec_kills_it_promptly()
    {
        await using var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [Container("main")] }), new RecordingSink(), default);
        var marker = UniqueSleepSeconds();
        using var cancellation = new CancellationTokenSource();
        var sink = new RecordingSink(line =>
        {
            if (line == "ready")
            {
                cancellation.Cancel();
            }
        });
        var stopwatch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => pod.ExecAsync("main", ["sh", "-c", $"echo ready; sleep {marker}; echo never"], sink, cancellation.Token));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        Assert.Empty(ProcessesWith(marker));
        Assert.DoesNotContain("never", sink.Stdout);
    }

    [Fact]
    public async Task Several_containers_of_one_pod_can_exec_at_the_same_time()
    {
        var names = Enumerable.Range(0, 8).Select(i => $"key-{i}").ToList();
        await using var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = names.Select(n => WithKey(Container(n), n)).ToList() }), new RecordingSink(), default);

        var results = await Task.WhenAll(names.Select(name => Exec(pod, name, "echo $TASK_KEY")));

        Assert.Equal(names, results.Select(r => Assert.Single(r.Output.Stdout)));
    }

    [Fact]
    public async Task The_pod_directory_is_gone_after_dispose_and_disposing_twice_is_fine()
    {
        var main = Container("main");
        main.VolumeMounts = [VolumeMount("/data", "data")];
        var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [main], Volumes = [EmptyDir("data")] }), new RecordingSink(), default);
        await Exec(pod, "main", "mkdir -p /data/deep/tree && echo x > /data/deep/tree/file && chmod 500 /data/deep");
        var podDirectory = Path.Combine(Root, "pods", pod.Name);
        Assert.True(Directory.Exists(podDirectory));

        await pod.DisposeAsync();
        await pod.DisposeAsync();

        Assert.False(Directory.Exists(podDirectory));
    }

    [Fact]
    public async Task Copying_into_a_volume_makes_the_file_visible_to_the_container()
    {
        var main = Container("main");
        main.VolumeMounts = [VolumeMount("/data", "data")];

        // Its root read-only, so that only volumes, the working directory and /tmp can be written.
        main.SecurityContext = new V1SecurityContext { ReadOnlyRootFilesystem = true };
        await using var pod = await Runtime.StartPodAsync(Request(new V1PodSpec { Containers = [main], Volumes = [EmptyDir("data")] }), new RecordingSink(), default);

        await pod.CopyToAsync("main", WriteLocalFile("in.txt", "copied in\n"), "/data/sub/in.txt", default);
        var (_, output) = await Exec(pod, "main", "cat /data/sub/in.txt");

        Assert.Equal(["copied in"], output.Stdout);
        await Assert.ThrowsAsync<InvalidOperationException>(() => pod.CopyToAsync("main", WriteLocalFile("x.txt", "x"), "/etc/x.txt", default));
    }

    private static V1Container WithKey(V1Container container, string key)
    {
        container.Env = [new V1EnvVar { Name = "TASK_KEY", Value = key }];
        return container;
    }
}
