using Kubetest.Model;

namespace Kubetest.Core.Tests.Model;

/// <summary>The repository URL forms kubetest clones (the original's transports) and the ones refused before git runs.</summary>
public sealed class RepositoryUrlTests
{
    [Theory]
    [InlineData("https://github.com/goccy/kubetest.git")]
    [InlineData("http://bot:secret@127.0.0.1:8080/repo.git")]
    [InlineData("ssh://git@github.com/goccy/kubetest.git")]
    [InlineData("git://127.0.0.1/repo.git")]
    [InlineData("file:///srv/git/repo.git")]
    [InlineData("git@github.com:goccy/kubetest.git")]
    [InlineData("host:path/repo.git")]
    [InlineData("[::1]:repo.git")]
    [InlineData("/srv/git/repo.git")]
    [InlineData("../repo.git")]
    [InlineData("./a::b/repo.git")]
    public void The_originals_forms_are_accepted(string url)
    {
        Assert.Null(RepositoryUrl.Refusal(url));
    }

    [Theory]
    [InlineData("fd::17", "git's fd:: transport (a remote helper) is not allowed")]
    [InlineData("ext::sh -c touch% /tmp/x", "git's ext:: transport (a remote helper) is not allowed")]
    [InlineData("file::/srv/git/repo.git", "git's file:: transport (a remote helper) is not allowed")]
    [InlineData("myhost::repo", "git's myhost:: transport (a remote helper) is not allowed")]
    [InlineData("::repo", "git's :: transport (a remote helper) is not allowed")]
    [InlineData("ftp://host/repo.git", "the transport ftp:// is not allowed")]
    [InlineData("HTTPS://host/repo.git", "the transport HTTPS:// is not allowed")]
    [InlineData("git+ssh://host/repo.git", "the transport git+ssh:// is not allowed")]
    [InlineData("testgit://host/repo.git", "the transport testgit:// is not allowed")]
    public void Remote_helpers_and_other_transports_are_refused_with_the_forms_to_use(string url, string reason)
    {
        Assert.Equal($"{reason}; use https://, http://, ssh://, git://, file://, user@host:path or a local path", RepositoryUrl.Refusal(url));
    }

    [Fact]
    public void A_control_character_is_refused()
    {
        Assert.Equal("contains a control character", RepositoryUrl.Refusal("https://host/repo.git\n--upload-pack=x"));
    }

    [Theory]
    [InlineData("ftp://bot:hunter2@host/x", "ftp://***@host/x")]
    [InlineData("fd::bot:hunter2@host", "fd::***@host")]
    [InlineData("ext::sh -c curl% https://bot:hunter2@host/", "ext::sh -c curl% https://***@host/")]
    [InlineData("bot:hunter2@host::x", "***@host::x")]
    public void Messages_show_no_password_of_a_refused_url(string url, string shown)
    {
        Assert.Equal(shown, RepositoryUrl.Display(url));
    }

    [Theory]
    [InlineData("file:///srv/git/repo.git", true)]
    [InlineData("/srv/git/repo.git", true)]
    [InlineData("./repo", true)]
    [InlineData("repo", true)]
    [InlineData("dir/with:colon", true)]
    [InlineData("https://host/repo.git", false)]
    [InlineData("ssh://git@host/repo.git", false)]
    [InlineData("git://host/repo.git", false)]
    [InlineData("git@github.com:org/repo.git", false)]
    [InlineData("host:repo", false)]
    public void A_local_url_is_a_file_url_or_a_path_as_git_tells_it_from_scp_like_host_path(string url, bool local)
    {
        Assert.Equal(local, RepositoryUrl.IsLocal(url));
    }
}
