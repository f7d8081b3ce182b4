using System.Collections.Concurrent;
using System.Net;
using k8s.Autorest;
using Polly;

namespace Kubetest.Runtime.Kubernetes;

/// <summary>
/// The Jobs a run created and still has to delete. Deleting never throws: it is retried for a few
/// seconds (a cleanup that waits minutes for a dead API server only delays the report), and what
/// could not be deleted stays listed, with why, for the runtime's last attempt and its warning.
/// </summary>
internal sealed class JobCleanup(IKubernetes client, string @namespace, TimeProvider time)
{
    /// <summary>How long one Job's deletion may take, retries included.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

    private readonly ResiliencePipeline _retry = ApiRetry.Create(time, attempts: 4, maxDelay: TimeSpan.FromSeconds(1));
    private readonly ConcurrentDictionary<string, string?> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _failures = new(StringComparer.Ordinal);

    public string Namespace => @namespace;

    /// <summary>A Job about to be created (<paramref name="podName"/> null) or whose pod is now known.</summary>
    public void Track(string jobName, string? podName) => _jobs[jobName] = podName;

    /// <summary>Deletes the Job (its pods with it) and its pod; false when something may be left (it stays tracked).</summary>
    public Task<bool> DeleteAsync(string jobName) => DeleteAsync(jobName, _retry);

    /// <summary>
    /// Tries once more to delete every Job still tracked: once each for those whose deletion already
    /// failed (their retries are spent; the report should not wait for them twice), with retries for
    /// the others. Returns what may be left, each with why.
    /// </summary>
    public async Task<IReadOnlyList<(string Objects, string Reason)>> DeleteAllAsync()
    {
        var remaining = _jobs.Keys.ToList();
        await Task.WhenAll(remaining.Select(job => DeleteAsync(job, _failures.ContainsKey(job) ? ResiliencePipeline.Empty : _retry))).ConfigureAwait(false);
        return _jobs
            .OrderBy(j => j.Key, StringComparer.Ordinal)
            .Select(j => (j.Value is null ? $"job/{j.Key} (and its pod)" : $"job/{j.Key}, pod/{j.Value}", _failures.GetValueOrDefault(j.Key, "unknown error")))
            .ToList();
    }

    private async Task<bool> DeleteAsync(string jobName, ResiliencePipeline retry)
    {
        if (!_jobs.TryGetValue(jobName, out var podName))
        {
            return true;
        }

        // Cleanup must run even when the run was cancelled, so it takes no caller token.
        using var limit = new CancellationTokenSource(Budget, time);
        var jobError = await TryAsync(
            retry,
            async ct => await client.BatchV1.DeleteNamespacedJobAsync(jobName, @namespace, propagationPolicy: "Background", gracePeriodSeconds: 0, cancellationToken: ct).ConfigureAwait(false),
            limit.Token).ConfigureAwait(false);

        // Background propagation leaves the pod to the garbage collector; delete it now so its
        // processes stop at once, and even when the Job could not be deleted.
        var podError = podName is null ? null : await TryAsync(
            retry,
            async ct => await client.CoreV1.DeleteNamespacedPodAsync(podName, @namespace, gracePeriodSeconds: 0, cancellationToken: ct).ConfigureAwait(false),
            limit.Token).ConfigureAwait(false);
        if (jobError is null && podError is null)
        {
            _jobs.TryRemove(jobName, out _);
            _failures.TryRemove(jobName, out _);
            return true;
        }

        _failures[jobName] = (jobError, podError) switch
        {
            (not null, not null) when jobError == podError => $"deleting the job and the pod: {jobError}",
            (not null, not null) => $"deleting the job: {jobError}; deleting the pod: {podError}",
            (not null, null) => $"deleting the job: {jobError}",
            _ => $"deleting the pod: {podError}",
        };
        return false;
    }

    /// <summary>Null when the object is gone (404 included), else why not.</summary>
    private static async Task<string?> TryAsync(ResiliencePipeline retry, Func<CancellationToken, ValueTask> delete, CancellationToken cancellationToken)
    {
        try
        {
            await retry.ExecuteAsync(delete, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception ex)
        {
            // Anything at all (a dead server, a refused connection, a 403, the budget spent) is
            // reported by the runtime, never thrown out of a cleanup.
            return Describe(ex);
        }
    }

    private static string Describe(Exception ex) => ex switch
    {
        HttpOperationException http => $"the API server answered {(int)http.Response.StatusCode} {KubernetesPodRuntime.StatusMessage(http)}",
        OperationCanceledException => $"no answer within {Budget.TotalSeconds:0} s",
        _ => Innermost(ex).Message,
    };

    private static Exception Innermost(Exception ex) => ex.InnerException is null ? ex : Innermost(ex.InnerException);
}
