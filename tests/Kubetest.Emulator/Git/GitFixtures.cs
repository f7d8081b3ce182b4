using System.Diagnostics;

namespace Kubetest.Emulator.Git;

/// <summary>A bare repository made by <see cref="GitFixtures.CreateBareRepository"/> and the commits in it.</summary>
/// <param name="Directory">The bare repository (<c>…/name.git</c> when the caller named it so).</param>
/// <param name="InitialCommit">main's first commit: not the tip of any branch.</param>
/// <param name="MainHead">main's newer commit, which changes <see cref="GitFixtures.ConflictingFile"/> and adds <see cref="GitFixtures.MainOnlyFile"/>.</param>
/// <param name="FeatureHead">feature: the initial commit plus <see cref="GitFixtures.FeatureFile"/>; merges cleanly with main.</param>
/// <param name="ConflictingHead">conflicting: the initial commit with <see cref="GitFixtures.ConflictingFile"/> changed otherwise than main.</param>
public sealed record GitFixtureRepository(string Directory, string InitialCommit, string MainHead, string FeatureHead, string ConflictingHead);

/// <summary>Repositories for checkout tests, built with the git CLI (no user or system config).</summary>
public static class GitFixtures
{
    public const string MainBranch = "main";
    public const string FeatureBranch = "feature";
    public const string ConflictingBranch = "conflicting";
    public const string Readme = "README.md";
    public const string Script = "run.sh";
    public const string Symlink = "readme-link";
    public const string NestedFile = "nested/deeper/file.txt";
    public const string ConflictingFile = "shared.txt";
    public const string MainOnlyFile = "main.txt";
    public const string FeatureFile = "feature.txt";

    /// <summary>Creates a bare repository at <paramref name="directory"/> (which must not exist) with main, feature and conflicting.</summary>
    public static GitFixtureRepository CreateBareRepository(string directory)
    {
        var work = System.IO.Directory.CreateTempSubdirectory("kubetest-git-fixture-").FullName;
        try
        {
            Run(work, "init", "--quiet", "--initial-branch", MainBranch);
            Write(work, Readme, "# fixture\n");
            Write(work, Script, "#!/bin/sh\necho fixture\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Path.Combine(work, Script), (UnixFileMode)0b111_101_101);
            }

            File.CreateSymbolicLink(Path.Combine(work, Symlink), Readme);
            Write(work, NestedFile, "nested\n");
            Write(work, ConflictingFile, "line 1\nbase\nline 3\n");
            var initial = Commit(work, "initial");

            Run(work, "checkout", "--quiet", "-b", FeatureBranch);
            Write(work, FeatureFile, "feature\n");
            var feature = Commit(work, "feature");

            Run(work, "checkout", "--quiet", "-b", ConflictingBranch, initial);
            Write(work, ConflictingFile, "line 1\nconflicting\nline 3\n");
            var conflicting = Commit(work, "conflicting");

            Run(work, "checkout", "--quiet", MainBranch);
            Write(work, ConflictingFile, "line 1\nmain\nline 3\n");
            Write(work, MainOnlyFile, "main\n");
            var main = Commit(work, "main moves on");

            Run(work, "clone", "--quiet", "--bare", "--no-local", "--", work, Path.GetFullPath(directory));
            return new GitFixtureRepository(Path.GetFullPath(directory), initial, main, feature, conflicting);
        }
        finally
        {
            System.IO.Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// A bare repository at <paramref name="directory"/> where <c>topic</c> branched off <c>main</c>
    /// after <paramref name="shared"/> commits, then each branch added <paramref name="own"/> more
    /// (each commit its own file, <c>main-N.txt</c> or <c>topic-N.txt</c>), a day apart as in a
    /// real history. Returns the commit where they parted.
    /// </summary>
    public static string CreateLongHistoryRepository(string directory, int shared, int own)
    {
        var work = System.IO.Directory.CreateTempSubdirectory("kubetest-git-long-").FullName;
        try
        {
            var time = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
            Run(work, "init", "--quiet", "--initial-branch", MainBranch);
            string Add(string name)
            {
                time = time.AddDays(1);
                Write(work, name, name + "\n");
                Run(work, "add", "--all");
                RunAt(time, work, "commit", "--quiet", "--message", name);
                return Run(work, "rev-parse", "HEAD").Trim();
            }

            var parted = string.Empty;
            for (var i = 0; i < shared; i++)
            {
                parted = Add($"shared-{i}.txt");
            }

            Run(work, "checkout", "--quiet", "-b", "topic");
            for (var i = 0; i < own; i++)
            {
                Add($"topic-{i}.txt");
            }

            Run(work, "checkout", "--quiet", MainBranch);
            for (var i = 0; i < own; i++)
            {
                Add($"main-{i}.txt");
            }

            Run(work, "clone", "--quiet", "--bare", "--no-local", "--", work, Path.GetFullPath(directory));
            return parted;
        }
        finally
        {
            System.IO.Directory.Delete(work, recursive: true);
        }
    }

    private static void Write(string work, string relativePath, string content)
    {
        var path = Path.Combine(work, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private static string Commit(string work, string message)
    {
        Run(work, "add", "--all");
        Run(work, "commit", "--quiet", "--message", message);
        return Run(work, "rev-parse", "HEAD").Trim();
    }

    private static string Run(string workingDirectory, params string[] arguments) => RunAt(null, workingDirectory, arguments);

    /// <summary>Runs git with <paramref name="time"/> (when given) as the author and committer date.</summary>
    private static string RunAt(DateTimeOffset? time, string workingDirectory, params string[] arguments)
    {
        var info = new ProcessStartInfo("git")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        info.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        info.Environment["GIT_AUTHOR_NAME"] = info.Environment["GIT_COMMITTER_NAME"] = "fixture";
        info.Environment["GIT_AUTHOR_EMAIL"] = info.Environment["GIT_COMMITTER_EMAIL"] = "fixture@localhost";
        if (time is { } at)
        {
            info.Environment["GIT_AUTHOR_DATE"] = info.Environment["GIT_COMMITTER_DATE"] = at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) + " +0000";
        }

        using var process = new Process { StartInfo = info };
        var error = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (error)
            {
                error.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginErrorReadLine();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            lock (error)
            {
                throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}");
            }
        }

        return output;
    }
}
