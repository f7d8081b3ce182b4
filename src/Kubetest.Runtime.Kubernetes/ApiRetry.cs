using System.Net;
using k8s.Autorest;
using Polly;
using Polly.Retry;

namespace Kubetest.Runtime.Kubernetes;

/// <summary>
/// Retries what a busy API server answers transiently (429, 5xx, a dropped connection) with
/// exponential backoff and jitter, honouring Retry-After; everything else fails at once.
/// </summary>
public static class ApiRetry
{
    public static ResiliencePipeline Create(TimeProvider time, int attempts = 6, Func<Exception, bool>? shouldRetry = null, TimeSpan? maxDelay = null) => new ResiliencePipelineBuilder { TimeProvider = time }
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle(shouldRetry ?? IsTransient),
            MaxRetryAttempts = attempts,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(200),
            MaxDelay = maxDelay ?? TimeSpan.FromSeconds(5),
            DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Exception)),
        })
        .Build();

    public static bool IsTransient(Exception exception) => exception switch
    {
        HttpOperationException http => IsTransient(http.Response.StatusCode),
        HttpRequestException { StatusCode: { } status } => IsTransient(status),
        HttpRequestException or IOException => true,
        _ => false,
    };

    public static bool IsTransient(HttpStatusCode status) => status is HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static TimeSpan? RetryAfter(Exception? exception)
    {
        if (exception is HttpOperationException { Response.StatusCode: HttpStatusCode.TooManyRequests } http
            && http.Response.Headers.TryGetValue("Retry-After", out var values)
            && int.TryParse(values.FirstOrDefault(), out var seconds))
        {
            return TimeSpan.FromSeconds(Math.Clamp(seconds, 0, 30));
        }

        return null;
    }
}
