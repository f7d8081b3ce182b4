using System.Text;
using Kubetest.Agent.Client;

namespace Kubetest.Agent.Tests;

/// <summary>Keeps what a command printed, per stream, and can wait for a text to have arrived.</summary>
public sealed class CollectingOutput : IAgentOutput
{
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<(string Text, TaskCompletionSource Arrived)> _waits = [];

    public string Stdout
    {
        get
        {
            lock (_waits)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_waits)
            {
                return _stderr.ToString();
            }
        }
    }

    public void Write(AgentOutputStream stream, ReadOnlySpan<byte> chunk)
    {
        lock (_waits)
        {
            (stream == AgentOutputStream.Stdout ? _stdout : _stderr).Append(Encoding.UTF8.GetString(chunk));
            foreach (var (text, arrived) in _waits)
            {
                if (_stdout.ToString().Contains(text, StringComparison.Ordinal))
                {
                    arrived.TrySetResult();
                }
            }
        }
    }

    /// <summary>Completes once <paramref name="text"/> is in stdout.</summary>
    public Task StdoutContains(string text)
    {
        lock (_waits)
        {
            var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_stdout.ToString().Contains(text, StringComparison.Ordinal))
            {
                arrived.TrySetResult();
            }

            _waits.Add((text, arrived));
            return arrived.Task;
        }
    }
}
