using System.Net;
using k8s.Autorest;
using Kubetest.Tokens;
using Polly;

namespace Kubetest.Runtime.Kubernetes;

/// <summary>Secret values from the cluster, in the run's namespace (the kubetest Role may <c>get</c> secrets).</summary>
public sealed class KubernetesSecretSource(IKubernetes client, string @namespace, TimeProvider time) : ISecretSource
{
    private readonly ResiliencePipeline _retry = ApiRetry.Create(time, attempts: 4, maxDelay: TimeSpan.FromSeconds(2));

    public async Task<string> GetAsync(string name, string key, CancellationToken cancellationToken)
    {
        k8s.Models.V1Secret secret;
        try
        {
            secret = await _retry.ExecuteAsync(async token => await client.CoreV1.ReadNamespacedSecretAsync(name, @namespace, cancellationToken: token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new UserInputException($"secret {name} does not exist in namespace {@namespace}", ex);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            throw new UserInputException($"secret {name} in namespace {@namespace}: kubetest may not read it ({KubernetesPodRuntime.StatusMessage(ex)}); the Role needs get on secrets", ex);
        }
        catch (HttpOperationException ex)
        {
            throw new UserInputException($"secret {name} in namespace {@namespace} could not be read: the API server answered {(int)ex.Response.StatusCode} {KubernetesPodRuntime.StatusMessage(ex)}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new UserInputException($"secret {name} in namespace {@namespace} could not be read: {ex.Message}", ex);
        }

        if (secret.Data?.TryGetValue(key, out var bytes) == true)
        {
            return System.Text.Encoding.UTF8.GetString(bytes);
        }

        if (secret.StringData?.TryGetValue(key, out var text) == true)
        {
            return text;
        }

        var keys = (secret.Data?.Keys ?? []).Concat(secret.StringData?.Keys ?? []).Order(StringComparer.Ordinal).ToList();
        throw new UserInputException($"secret {name} in namespace {@namespace} has no key {key} (its keys: {(keys.Count == 0 ? "none" : string.Join(", ", keys))})");
    }
}
