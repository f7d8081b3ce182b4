namespace Kubetest.Runtime;

/// <summary>
/// How a request runs on a runtime whose exec only takes an argv (<see cref="IPod.ExecAsync"/>): through
/// <c>sh -c</c> (<see cref="ShellCommand"/>), the environment, the JUnit directory and a batch's keys file by a small <c>sh</c>
/// wrapper (<see cref="ExecEnvironment"/>), the time limit by a watchdog in the container (<see cref="KeyTimeout"/>)
/// whose marker line is taken out of the output, and the exec cancelled <see cref="KeyTimeout.Grace"/> after the
/// limit in case the watchdog could not end the command (no <c>sleep</c> or <c>/proc</c> in the image).
/// </summary>
public static class ShellExec
{
    public static async Task<ExecOutcome> RunAsync(IPod pod, ExecRequest request, IOutputSink output, CancellationToken cancellationToken)
    {
        var command = ShellCommand.Shell(request.Command);
        if (request.JUnitPath is not null || request.KeysFile is not null)
        {
            command = ExecEnvironment.Wrap(request.Environment, request.JUnitPath, request.KeysFile, command);
        }
        else if (request.Environment.Count > 0)
        {
            command = ExecEnvironment.Wrap(request.Environment, command);
        }

        if (request.Timeout is not { } limit)
        {
            return new ExecOutcome(await pod.ExecAsync(request.Container, command, output, cancellationToken).ConfigureAwait(false));
        }

        using var fallback = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        fallback.CancelAfter(limit.Limit + limit.Grace);
        var sink = new MarkerSink(output, limit.Marker);
        try
        {
            var exitCode = await pod.ExecAsync(request.Container, limit.Wrap(command), sink, fallback.Token).ConfigureAwait(false);
            return sink.Seen ? new ExecOutcome(KeyTimeout.ExitCode, TimedOut: true) : new ExecOutcome(exitCode);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Cancelling kills the command on the local runtime, but on Kubernetes only closes the stream.
            return new ExecOutcome(KeyTimeout.ExitCode, TimedOut: true,
                $"the timeout's watchdog in container {request.Container} did not end the key within {GoDuration.Format(limit.Grace)}; kubetest cancelled its exec (on Kubernetes its processes may still run until the pod is deleted)");
        }
    }

    /// <summary>Passes lines on, except the watchdog's marker on stderr, which it remembers.</summary>
    private sealed class MarkerSink(IOutputSink output, string marker) : IOutputSink
    {
        private volatile bool _seen;

        public bool Seen => _seen;

        public void WriteLine(OutputStream stream, string line)
        {
            if (stream == OutputStream.Stderr && line == marker)
            {
                _seen = true;
                return;
            }

            output.WriteLine(stream, line);
        }
    }
}
