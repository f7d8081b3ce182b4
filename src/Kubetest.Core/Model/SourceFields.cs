using System.Text.Json.Nodes;
using static Kubetest.Model.FieldSchemas;

namespace Kubetest.Model;

/// <summary>The repositories, tokens, exported artifacts and log of a TestJob (see <see cref="ManifestFields"/>).</summary>
internal static class SourceFields
{
    public static readonly FieldSet Secret = new("secret", typeof(SecretKeySelector),
        Field("name", String(), "The Kubernetes secret's name.", required: true),
        Field("key", String(), "The key within the secret.", required: true),
        Field("optional", Boolean(), "Accepted as in a Kubernetes secret key selector, and ignored.", property: ManifestField.NotKept));

    public static readonly FieldSet Merge = new("merge", null,
        Field("base", Scalar(), "The branch merged into the checked-out revision before the run.", required: true, property: nameof(Repository.MergeBase)));

    public static readonly FieldSet RepoValue = new("repository", typeof(Repository),
        Field("url", String(), "The repository to clone.", required: true),
        Field("branch", Scalar(), "The branch to check out.", @default: "the default branch"),
        Field("rev", Scalar(), "The revision to check out."),
        Field("token", String(), "The name of a `tokens` entry that authenticates the clone."),
        Field("merge", new ObjectShape(Merge), "A branch to merge before the run."),
        Field("clonedPath", String(), "Where the repository is cloned on the machine running kubetest."));

    public static readonly FieldSet Repo = new("repos item", typeof(RepositorySpec),
        Field("name", String(), "The name volumes and tokens refer to the repository by.", required: true),
        Field("value", new ObjectShape(RepoValue), "The repository.", required: true));

    public static readonly FieldSet GitHubApp = new("githubApp", typeof(GitHubAppTokenSource),
        Field("organization", String(), "The organization whose installation is used when installationId is left out."),
        Field("appId", Integer(1), "The GitHub App's id.", required: true),
        Field("installationId", Integer(1), "The installation whose token is issued."),
        Field("keyFile", new ObjectShape(Secret), "The secret holding the app's private key.", required: true));

    public static readonly FieldSet TokenValue = new("token source", typeof(TokenSource),
        Field("githubApp", new ObjectShape(GitHubApp), "An installation token of a GitHub App.", property: nameof(TokenSource.GitHubApp)),
        Field("githubToken", new ObjectShape(Secret), "A token kept in a Kubernetes secret.", property: nameof(TokenSource.GitHubToken)),
        Field("filePath", String(), "A token read from a file on the machine running kubetest."))
    {
        ExactlyOne = true,
    };

    public static readonly FieldSet Token = new("tokens item", typeof(TokenSpec),
        Field("name", String(), "The name repositories and volumes refer to the token by.", required: true),
        Field("value", new ObjectShape(TokenValue), "Where the token comes from: exactly one source.", required: true));

    public static readonly FieldSet Export = new("exportArtifacts item", typeof(ExportArtifact),
        Field("name", String(), "The artifact to export.", required: true),
        Field("path", String(), "Where on the machine running kubetest it is written.", required: true));

    public static readonly FieldSet Log = new("log", typeof(LogSpec),
        Field("level", LogLevel(), "debug, info, warn or error (in any case), or the original's 1-4.", @default: "the CLI's level"),
        Field("extParam", new ValueShape(new JsonObject { ["type"] = "object", ["additionalProperties"] = Scalar().Schema }), "Extra fields added to every log line."));
}
