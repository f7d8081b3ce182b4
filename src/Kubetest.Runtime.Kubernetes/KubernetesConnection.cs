using k8s;
using k8s.Autorest;
using k8s.Exceptions;

namespace Kubetest.Runtime.Kubernetes;

/// <summary>Builds the client from a kubeconfig or the in-cluster config, and checks that the cluster answers.</summary>
public static class KubernetesConnection
{
    /// <param name="kubeconfig">A kubeconfig path, or null for <c>$HOME/.kube/config</c> (or <c>KUBECONFIG</c>).</param>
    public static async Task<IKubernetes> ConnectAsync(string? kubeconfig, bool inCluster, CancellationToken cancellationToken)
    {
        KubernetesClientConfiguration config;
        try
        {
            config = inCluster
                ? KubernetesClientConfiguration.InClusterConfig()
                : KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig ?? DefaultKubeconfig());
        }
        catch (Exception ex) when (ex is KubeConfigException or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            var source = inCluster ? "the in-cluster config" : $"the kubeconfig {kubeconfig ?? DefaultKubeconfig()}";
            throw new UserInputException($"cannot load {source}: {ex.Message}", ex);
        }

        var client = new k8s.Kubernetes(config);
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(TimeSpan.FromSeconds(30));
            // A busy server's 429/5xx is retried as every later request is; a server that cannot be
            // reached at all is reported at once.
            var retry = ApiRetry.Create(TimeProvider.System, shouldRetry: e => e is HttpOperationException http && ApiRetry.IsTransient(http.Response.StatusCode));
            await retry.ExecuteAsync(async ct => await client.Version.GetCodeAsync(ct).ConfigureAwait(false), limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or HttpOperationException or OperationCanceledException or IOException
            && !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            var cause = ex is HttpOperationException http ? $"{(int)http.Response.StatusCode} {KubernetesPodRuntime.StatusMessage(http)}" : Innermost(ex).Message;
            throw new UserInputException($"cannot reach the Kubernetes API at {config.Host}: {cause}", ex);
        }

        return client;
    }

    private static string DefaultKubeconfig() =>
        Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } env
            ? env.Split(':')[0]
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");

    private static Exception Innermost(Exception ex) => ex.InnerException is null ? ex : Innermost(ex.InnerException);
}
