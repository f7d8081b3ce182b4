namespace Kubetest.Emulator.Tests;

public class KubectlTests : EmulatorTestBase
{
    private const string JobYaml = """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: hello
        spec:
          backoffLimit: 0
          template:
            spec:
              restartPolicy: Never
              containers:
              - name: main
                image: alpine:3
                command: ["sh", "-c", "echo hello from main; echo second line; sleep 600"]
                env:
                - name: X
                  value: the-value-of-x
        """;

    public KubectlTests()
    {
        Kubectl.Path();
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> Run(params string[] arguments) =>
        Kubectl.RunAsync(KubeconfigPath, Path.Combine(Directory, "kubectl-cache"), arguments);

    private async Task<string> CreateJobWithKubectlAsync()
    {
        var file = Path.Combine(Directory, "job.yaml");
        await File.WriteAllTextAsync(file, JobYaml);

        // --validate=false: client-side validation would need the OpenAPI documents, which the emulator does not serve.
        var (exitCode, stdout, stderr) = await Run("--context", "admin", "create", "--validate=false", "-f", file);
        Assert.True(exitCode == 0, stderr);
        Assert.Equal("job.batch/hello created", stdout.Trim());
        var pod = Assert.Single(Emulator.StoredPods());
        await WaitForPodAsync(pod.Metadata.Name, p => p.Status.Phase == "Running");
        return pod.Metadata.Name;
    }

    [Fact]
    public async Task Kubectl_get_pods_lists_the_pod_of_a_job_with_ready_status_and_age_columns()
    {
        var pod = await CreateJobWithKubectlAsync();

        var (exitCode, stdout, stderr) = await Run("get", "pods");

        Assert.True(exitCode == 0, stderr);
        var lines = stdout.Trim().Split('\n');
        Assert.Matches("^NAME +READY +STATUS +RESTARTS +AGE$", lines[0]);
        Assert.Matches($"^{pod} +1/1 +Running +0 +\\d+s$", Assert.Single(lines[1..]));
    }

    [Fact]
    public async Task Kubectl_logs_prints_what_the_container_wrote()
    {
        var pod = await CreateJobWithKubectlAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string stdout;
        do
        {
            (_, stdout, _) = await Run("logs", pod, "-c", "main");
        }
        while (!stdout.Contains("second line", StringComparison.Ordinal) && DateTime.UtcNow < deadline);

        Assert.Equal("hello from main\nsecond line\n", stdout);
    }

    [Fact]
    public async Task Kubectl_exec_runs_in_the_container_with_its_environment_and_passes_on_the_exit_code()
    {
        var pod = await CreateJobWithKubectlAsync();

        var echo = await Run("exec", pod, "-c", "main", "--", "sh", "-c", "echo $X");
        var failing = await Run("exec", pod, "-c", "main", "--", "sh", "-c", "echo out; exit 7");

        Assert.True(echo.ExitCode == 0, echo.Stderr);
        Assert.Equal("the-value-of-x\n", echo.Stdout);
        Assert.Equal(7, failing.ExitCode);
        Assert.Equal("out\n", failing.Stdout);
        Assert.Contains("command terminated with exit code 7", failing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_exec_and_cp_write_the_containers_root_copy_on_write_and_the_host_keeps_its_files()
    {
        var pod = await CreateJobWithKubectlAsync();
        var id = Guid.NewGuid().ToString("N")[..12];
        var local = Path.Combine(Directory, "copied.conf");
        await File.WriteAllTextAsync(local, "copied in\n");

        var write = await Run("exec", pod, "-c", "main", "--", "sh", "-c", $"echo written > /usr/lib/kubetest-cow-emu-{id}");
        var copy = await Run("cp", local, $"{pod}:/etc/kubetest-cow-emu-{id}.conf", "-c", "main");
        var read = await Run("exec", pod, "-c", "main", "--", "cat", $"/usr/lib/kubetest-cow-emu-{id}", $"/etc/kubetest-cow-emu-{id}.conf");

        Assert.True(write.ExitCode == 0, write.Stderr);
        Assert.True(copy.ExitCode == 0, copy.Stderr);
        Assert.True(read.ExitCode == 0, read.Stderr);
        Assert.Equal("written\ncopied in\n", read.Stdout);
        Assert.False(File.Exists($"/usr/lib/kubetest-cow-emu-{id}"));
        Assert.False(File.Exists($"/etc/kubetest-cow-emu-{id}.conf"));
    }

    [Fact]
    public async Task Kubectl_delete_pod_as_the_kubetest_service_account_removes_the_pod()
    {
        var pod = await CreateJobWithKubectlAsync();

        var (exitCode, stdout, stderr) = await Run("delete", "pod", pod);

        Assert.True(exitCode == 0, stderr);
        Assert.Equal($"pod \"{pod}\" deleted", stdout.Trim());
        Assert.Empty(Emulator.StoredPods());
        Assert.Equal("No resources found in default namespace.", (await Run("get", "pods")).Stderr.Trim());
    }

    [Fact]
    public async Task Kubectl_get_secrets_as_the_kubetest_service_account_is_forbidden_because_the_role_only_allows_get()
    {
        var (exitCode, _, stderr) = await Run("get", "secrets");

        Assert.NotEqual(0, exitCode);
        Assert.Equal(
            "Error from server (Forbidden): secrets is forbidden: User \"system:serviceaccount:default:kubetest\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\"",
            stderr.Trim());
    }

    [Fact]
    public async Task Kubectl_create_job_as_the_kubetest_service_account_works_but_getting_it_is_forbidden()
    {
        var file = Path.Combine(Directory, "job.yaml");
        await File.WriteAllTextAsync(file, JobYaml);

        var create = await Run("create", "--validate=false", "-f", file);
        var get = await Run("get", "job", "hello");

        Assert.True(create.ExitCode == 0, create.Stderr);
        Assert.NotEqual(0, get.ExitCode);
        Assert.Contains("jobs.batch \"hello\" is forbidden", get.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_exec_with_stdin_carries_binary_input_into_the_container_byte_for_byte()
    {
        var pod = await CreateJobWithKubectlAsync();
        var input = new byte[200_000];
        Random.Shared.NextBytes(input);

        var (exitCode, stdout, stderr) = await Kubectl.RunAsync(
            KubeconfigPath, Path.Combine(Directory, "kubectl-cache"), input, "exec", "-i", pod, "-c", "main", "--", "sh", "-c", "cat > /tmp/input.bin && cksum < /tmp/input.bin");

        Assert.True(exitCode == 0, stderr);
        Assert.Equal(Cksum(input), stdout.Trim());
    }

    private static string Cksum(byte[] input)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, input);
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sh", ["-c", $"cksum < '{file}'"]) { RedirectStandardOutput = true })!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return output.Trim();
        }
        finally
        {
            File.Delete(file);
        }
    }
}
