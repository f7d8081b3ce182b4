using Kubetest.Model;

namespace Kubetest.Cli.Controller;

/// <summary>
/// What a TestJob may not ask of the controller. The CLI's user owns the machine kubetest runs on and the rights it
/// runs with; a TestJob's author owns neither of the controller's. A token read from a file there (its own service
/// account token, say), a repository cloned from a path there (another run's checkout), or a pod run as the
/// controller's service account would hand the controller's files or rights to whoever may create a TestJob.
/// (exportArtifacts and clonedPath are not refused but not used: <see cref="RunSettings.HostPathsReason"/>.)
/// </summary>
/// <param name="AllowLocalRepositories"><c>--allow-local-repositories</c>: a controller alone on a development machine.</param>
/// <param name="OwnServiceAccount">The controller's own service account (namespace, name), when it knows it
/// (<c>$KUBETEST_CONTROLLER_SERVICE_ACCOUNT</c> in <c>$POD_NAMESPACE</c>, as <c>deploy/</c> sets them).</param>
internal sealed record TestJobPolicy(bool AllowLocalRepositories, (string Namespace, string Name)? OwnServiceAccount)
{
    /// <summary>The controller's service account from the variables its Deployment sets; null outside such a pod.</summary>
    public static (string Namespace, string Name)? ServiceAccountFromEnvironment() =>
        Environment.GetEnvironmentVariable("KUBETEST_CONTROLLER_SERVICE_ACCOUNT") is { Length: > 0 } name
        && Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } ns
            ? (ns, name)
            : null;

    /// <summary>Throws the first field of <paramref name="job"/>, a TestJob in <paramref name="ns"/>, that this policy refuses.</summary>
    public void Refuse(TestJob job, string ns)
    {
        if (job.Spec.Tokens.FirstOrDefault(t => t.Value.FilePath is not null) is { } token)
        {
            throw new UserInputException($"spec.tokens[{Printable.Escape(token.Name)}].value.filePath: {RunSettings.HostPathsReason}; use githubToken (a Secret in the TestJob's namespace) or githubApp");
        }

        if (!AllowLocalRepositories && job.Spec.Repos.FirstOrDefault(r => RepositoryUrl.IsLocal(r.Value.Url)) is { } repo)
        {
            throw new UserInputException($"spec.repos[{Printable.Escape(repo.Name)}].value.url: {RepositoryUrl.Display(repo.Value.Url)} is on the controller's filesystem, and {RunSettings.HostPathsReason}; clone over the network (https://, ssh://, git://, user@host:path), or start a controller alone on a development machine with --allow-local-repositories");
        }

        if (OwnServiceAccount is var (ownNamespace, own) && ownNamespace == ns)
        {
#pragma warning disable CS0618 // serviceAccount is the deprecated alias the API server still honours
            if (job.Spec.Templates().FirstOrDefault(t => (t.Spec.Pod.ServiceAccountName ?? t.Spec.Pod.ServiceAccount) == own) is { } template)
#pragma warning restore CS0618
            {
                throw new UserInputException($"{template.Path}.spec.serviceAccountName: {own} is the controller's own service account; a TestJob's pods run as a service account of their own");
            }
        }
    }
}
