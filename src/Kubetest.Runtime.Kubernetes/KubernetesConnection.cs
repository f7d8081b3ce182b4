using k8s.Autorest;
using k8s.Exceptions;
using k8s.KubeConfigModels;

namespace Kubetest.Runtime.Kubernetes;

/// <summary>
/// A cluster to talk to, as kubectl finds it: the client configuration, the namespace of the
/// chosen context (null when it names none), and where it came from, for messages.
/// </summary>
public sealed record ClusterTarget(KubernetesClientConfiguration Config, string? ContextNamespace, string Source);

/// <summary>
/// Loads the kubeconfig the way kubectl does (<c>-c FILE</c>, else every file of
/// <c>KUBECONFIG</c> merged, else <c>~/.kube/config</c>; <c>--context</c>), or the in-cluster
/// config, builds the client from it, and checks that the cluster answers.
/// </summary>
public static class KubernetesConnection
{
    /// <summary>Appended to every error about a missing or unreachable cluster.</summary>
    public const string LocalHint = "to run without a cluster, use --runtime local";

    /// <summary>Loads the cluster configuration without contacting the cluster (and without side effects).</summary>
    /// <param name="kubeconfig">A kubeconfig path (<c>-c</c>), or null for <c>KUBECONFIG</c>, else <c>$HOME/.kube/config</c>.</param>
    /// <param name="context">The context to use (<c>--context</c>), or null for the kubeconfig's current-context.</param>
    public static ClusterTarget Load(string? kubeconfig, string? context, bool inCluster)
    {
        if (inCluster)
        {
            try
            {
                var config = KubernetesClientConfiguration.InClusterConfig();
                return new ClusterTarget(config, config.Namespace, "the in-cluster config");
            }
            catch (Exception ex) when (ex is KubeConfigException or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                throw new UserInputException($"cannot load the in-cluster config: {ex.Message}; {LocalHint}", ex);
            }
        }

        var (files, source) = KubeconfigFiles(kubeconfig);
        try
        {
            var merged = Merge(files);
            if (context is not null && !(merged.Contexts ?? []).Any(c => c.Name == context))
            {
                var known = string.Join(", ", (merged.Contexts ?? []).Select(c => c.Name));
                throw new UserInputException($"--context: there is no context {context} in {source} (contexts: {(known.Length == 0 ? "none" : known)})");
            }

            var config = KubernetesClientConfiguration.BuildConfigFromConfigObject(merged, context);
            return new ClusterTarget(config, string.IsNullOrEmpty(config.Namespace) ? null : config.Namespace, source);
        }
        catch (Exception ex) when (ex is KubeConfigException or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException
            or YamlDotNet.Core.YamlException or System.Security.Cryptography.CryptographicException or FormatException)
        {
            throw new UserInputException($"cannot load {source}: {ex.Message}; {LocalHint}", ex);
        }
    }

    /// <summary>Builds the client for <paramref name="target"/> and checks that the cluster answers.</summary>
    public static async Task<IKubernetes> ConnectAsync(ClusterTarget target, CancellationToken cancellationToken)
    {
        var config = target.Config;
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
            var hint = ex is HttpOperationException ? "" : $"; {LocalHint}";
            throw new UserInputException($"cannot reach the Kubernetes API at {config.Host} ({target.Source}): {cause}{hint}", ex);
        }

        return client;
    }

    /// <param name="kubeconfig">A kubeconfig path, or null for <c>KUBECONFIG</c>, else <c>$HOME/.kube/config</c>.</param>
    public static async Task<IKubernetes> ConnectAsync(string? kubeconfig, bool inCluster, CancellationToken cancellationToken) =>
        await ConnectAsync(Load(kubeconfig, null, inCluster), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The kubeconfig files to merge, first first, and how to name them in messages: <c>-c</c>'s
    /// file, which must exist; else the files of <c>KUBECONFIG</c> that exist (kubectl skips the
    /// others, and at least one must exist); else <c>~/.kube/config</c>.
    /// </summary>
    private static (IReadOnlyList<string> Files, string Source) KubeconfigFiles(string? kubeconfig)
    {
        if (kubeconfig is not null)
        {
            return File.Exists(kubeconfig)
                ? ([kubeconfig], $"the kubeconfig {kubeconfig}")
                : throw new UserInputException($"cannot load the kubeconfig {kubeconfig}: the file does not exist; {LocalHint}");
        }

        if (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } list)
        {
            var entries = list.Split(':', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
            var existing = entries.Where(File.Exists).ToList();
            return existing.Count > 0
                ? (existing, existing.Count == 1 ? $"the kubeconfig {existing[0]}" : $"the kubeconfigs {string.Join(", ", existing)} (KUBECONFIG)")
                : throw new UserInputException($"cannot load a kubeconfig: none of the files in KUBECONFIG exists ({string.Join(", ", entries)}); {LocalHint}");
        }

        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        return File.Exists(home)
            ? ([home], $"the kubeconfig {home}")
            : throw new UserInputException($"cannot load a kubeconfig: {home} does not exist and KUBECONFIG is not set (or pass -c FILE); {LocalHint}");
    }

    /// <summary>
    /// Merges kubeconfig files as kubectl does: each named cluster, user and context from the
    /// first file that has it, the current-context from the first file that sets one. Relative
    /// file paths inside each file are made absolute against that file's directory first.
    /// </summary>
    private static K8SConfiguration Merge(IReadOnlyList<string> files)
    {
        K8SConfiguration? merged = null;
        foreach (var file in files)
        {
            var config = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(file), useRelativePaths: true);
            Absolutize(config, Path.GetDirectoryName(Path.GetFullPath(file))!);
            if (merged is null)
            {
                merged = config;
                continue;
            }

            merged.CurrentContext = string.IsNullOrEmpty(merged.CurrentContext) ? config.CurrentContext : merged.CurrentContext;
            merged.Clusters = FirstWins(merged.Clusters, config.Clusters, c => c.Name);
            merged.Users = FirstWins(merged.Users, config.Users, u => u.Name);
            merged.Contexts = FirstWins(merged.Contexts, config.Contexts, c => c.Name);
        }

        return merged!;
    }

    private static List<T> FirstWins<T>(IEnumerable<T>? first, IEnumerable<T>? later, Func<T, string> name)
    {
        var result = (first ?? []).ToList();
        var seen = result.Select(name).ToHashSet(StringComparer.Ordinal);
        result.AddRange((later ?? []).Where(item => seen.Add(name(item))));
        return result;
    }

    private static void Absolutize(K8SConfiguration config, string directory)
    {
        string? Full(string? path) => string.IsNullOrEmpty(path) || Path.IsPathRooted(path) ? path : Path.Combine(directory, path);
        foreach (var cluster in config.Clusters ?? [])
        {
            if (cluster.ClusterEndpoint is { } endpoint)
            {
                endpoint.CertificateAuthority = Full(endpoint.CertificateAuthority);
            }
        }

        foreach (var user in config.Users ?? [])
        {
            if (user.UserCredentials is { } credentials)
            {
                credentials.ClientCertificate = Full(credentials.ClientCertificate);
                credentials.ClientKey = Full(credentials.ClientKey);
            }
        }
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is null ? ex : Innermost(ex.InnerException);
}
