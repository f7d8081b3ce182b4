using System.Collections.Concurrent;
using System.Diagnostics;

namespace Kubetest.Runtime.Local;

/// <summary>
/// Starts every process from one long-lived thread. bwrap's --die-with-parent uses
/// PR_SET_PDEATHSIG, which fires when the *thread* that forked bwrap exits, not the process:
/// started from a thread-pool thread, a sandbox is SIGKILLed whenever the pool retires that thread.
/// </summary>
internal sealed class ProcessSpawner
{
    private readonly BlockingCollection<Request> _requests = [];

    public ProcessSpawner()
    {
        // A background thread: it must not keep the CLI alive, and it idles on the queue otherwise.
        new Thread(Run) { IsBackground = true, Name = "kubetest-local-spawner" }.Start();
    }

    public RunningProcess Start(ProcessStartInfo startInfo, IOutputSink output) =>
        Start(() => RunningProcess.Start(startInfo, output));

    public RunningProcess Start(Func<RunningProcess> start)
    {
        var request = new Request(start, new TaskCompletionSource<RunningProcess>(TaskCreationOptions.RunContinuationsAsynchronously));
        _requests.Add(request);

        // Forking takes about a millisecond; waiting for it keeps the callers simple.
        return request.Started.Task.GetAwaiter().GetResult();
    }

    private void Run()
    {
        foreach (var request in _requests.GetConsumingEnumerable())
        {
            try
            {
                request.Started.SetResult(request.Start());
            }
            catch (Exception e)
            {
                request.Started.SetException(e);
            }
        }
    }

    private sealed record Request(Func<RunningProcess> Start, TaskCompletionSource<RunningProcess> Started);
}
