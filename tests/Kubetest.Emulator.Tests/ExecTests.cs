using System.Net.WebSockets;
using System.Text;
using k8s;
using k8s.Models;

namespace Kubetest.Emulator.Tests;

public class ExecTests : EmulatorTestBase
{
    private async Task<V1Pod> RunningPodAsync()
    {
        var pod = await CreateJobPodAsync(Job("exec-", Container("main", "sleep 600", ("X", "from-env"))));
        return await WaitForPodAsync(pod.Name(), p => p.Status.Phase == "Running");
    }

    [Fact]
    public async Task Exec_returns_the_exit_code_and_stdout_of_the_command()
    {
        var pod = await RunningPodAsync();
        string? output = null;

        var zero = await Client.NamespacedPodExecAsync(pod.Name(), Ns, "main", ["sh", "-c", "echo $X"], false, async (_, stdout, _) =>
        {
            using var reader = new StreamReader(stdout);
            output = await reader.ReadToEndAsync();
        }, default);
        var nonZero = await Client.NamespacedPodExecAsync(pod.Name(), Ns, "main", ["sh", "-c", "exit 42"], false, (_, _, _) => Task.CompletedTask, default);

        Assert.Equal(0, zero);
        Assert.Equal("from-env\n", output);
        Assert.Equal(42, nonZero);
    }

    [Fact]
    public async Task Exec_with_stdin_over_v5_echoes_a_few_hundred_kilobytes_of_random_bytes_exactly()
    {
        var pod = await RunningPodAsync();
        var input = new byte[400_000];
        Random.Shared.NextBytes(input);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        using var socket = await Client.WebSocketNamespacedPodExecAsync(pod.Name(), Ns, ["cat"], "main", stdin: true, webSocketSubProtocol: WebSocketProtocol.V5BinaryWebsocketProtocol, cancellationToken: timeout.Token);
        using var demuxer = new StreamDemuxer(socket, StreamType.RemoteCommand);
        demuxer.Start();
        var stdout = demuxer.GetStream(ChannelIndex.StdOut, null);
        var reading = ReadAllAsync(stdout, input.Length, timeout.Token);
        var stdin = demuxer.GetStream(null, ChannelIndex.StdIn);
        await stdin.WriteAsync(input, timeout.Token);
        await demuxer.CloseChannel(ChannelIndex.StdIn, timeout.Token);

        Assert.Equal(input, await reading);
    }

    [Fact]
    public async Task Exec_speaks_v4_when_the_client_offers_only_v4_and_sends_the_exit_status_on_channel_3()
    {
        var pod = await RunningPodAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("v4.channel.k8s.io");
        socket.Options.SetRequestHeader("Authorization", "Bearer " + Emulator.Identities.First(i => i.Name == "kubetest").Token);
        socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == Emulator.ServingCertificate.GetCertHashString();
        var uri = new UriBuilder(Emulator.BaseUri) { Scheme = "wss", Path = $"api/v1/namespaces/default/pods/{pod.Name()}/exec", Query = "command=sh&command=-c&command=printf+out%3B+printf+err+%3E%262%3B+exit+3&stdout=true&stderr=true" }.Uri;

        await socket.ConnectAsync(uri, timeout.Token);
        var frames = new Dictionary<byte, List<byte>>();
        var buffer = new byte[65536];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            if (!frames.TryGetValue(buffer[0], out var bytes))
            {
                frames[buffer[0]] = bytes = [];
            }

            bytes.AddRange(buffer.AsSpan(1, result.Count - 1).ToArray());
        }

        Assert.Equal("v4.channel.k8s.io", socket.SubProtocol);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        Assert.Equal("out", Encoding.UTF8.GetString([.. frames[1]]));
        Assert.Equal("err", Encoding.UTF8.GetString([.. frames[2]]));
        var status = KubernetesJson.Deserialize<V1Status>(Encoding.UTF8.GetString([.. frames[3]]));
        Assert.Equal(("Failure", "NonZeroExitCode", "3"), (status.Status, status.Reason, Assert.Single(status.Details.Causes).Message));
    }

    [Fact]
    public async Task Exec_into_a_completed_pod_is_refused_with_a_bad_request()
    {
        var pod = await CreateJobPodAsync(Job("done-", Container("main", "true")));
        await WaitForPodAsync(pod.Name(), p => p.Status.Phase == "Succeeded");

        var e = await Assert.ThrowsAnyAsync<Exception>(() => Client.NamespacedPodExecAsync(pod.Name(), Ns, "main", ["true"], false, (_, _, _) => Task.CompletedTask, default));

        Assert.Contains("400", e.Message + e.InnerException?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_does_not_read_holds_the_command_back_and_then_receives_all_of_its_output()
    {
        var job = Job("slow-reader-", Container("main", "sleep 600"));
        job.Spec.Template.Spec.Volumes = [new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }];
        job.Spec.Template.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/data" }];
        var pod = await WaitForPodAsync((await CreateJobPodAsync(job)).Name(), p => p.Status.Phase == "Running");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("v5.channel.k8s.io");
        socket.Options.SetRequestHeader("Authorization", "Bearer " + Emulator.Identities.First(i => i.Name == "kubetest").Token);
        socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == Emulator.ServingCertificate.GetCertHashString();
        var uri = new UriBuilder(Emulator.BaseUri) { Scheme = "wss", Path = $"api/v1/namespaces/default/pods/{pod.Name()}/exec", Query = "command=sh&command=-c&command=head+-c+64000000+%2Fdev%2Fzero%3B+touch+%2Fdata%2Fdone&container=main&stdout=true&stderr=true" }.Uri;
        await socket.ConnectAsync(uri, timeout.Token);
        var buffer = new byte[65536];
        var first = await socket.ReceiveAsync(buffer, timeout.Token);
        var firstChannel = buffer[0];

        // Far less than 64 MB fits in the pipe, the server's buffers and both sockets: while nobody
        // reads, the command cannot get past its output, however long we wait.
        await Task.Delay(TimeSpan.FromSeconds(1), timeout.Token);
        var doneWhileNotReading = await Client.NamespacedPodExecAsync(pod.Name(), Ns, "main", ["test", "-e", "/data/done"], false, (_, _, _) => Task.CompletedTask, timeout.Token);
        long stdout = first.Count - 1;
        var status = new List<byte>();
        var channel = first.EndOfMessage ? -1 : firstChannel;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            var data = buffer.AsSpan(0, result.Count);
            if (channel < 0)
            {
                channel = data[0];
                data = data[1..];
            }

            if (channel == 1)
            {
                stdout += data.Length;
            }
            else if (channel == 3)
            {
                status.AddRange(data.ToArray());
            }

            if (result.EndOfMessage)
            {
                channel = -1;
            }
        }

        var doneAfterReading = await Client.NamespacedPodExecAsync(pod.Name(), Ns, "main", ["test", "-e", "/data/done"], false, (_, _, _) => Task.CompletedTask, timeout.Token);

        Assert.Equal(1, firstChannel);
        Assert.Equal(1, doneWhileNotReading);
        Assert.Equal(64_000_000, stdout);
        Assert.Equal("Success", KubernetesJson.Deserialize<V1Status>(Encoding.UTF8.GetString([.. status])).Status);
        Assert.Equal(0, doneAfterReading);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, int length, CancellationToken token)
    {
        var result = new byte[length];
        var offset = 0;
        while (offset < length)
        {
            var read = await stream.ReadAsync(result.AsMemory(offset), token);
            if (read == 0)
            {
                break;
            }

            offset += read;
        }

        return result[..offset];
    }
}
