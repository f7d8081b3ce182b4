using System.Globalization;
using System.Text;
using k8s.Models;

namespace Kubetest.Runtime;

/// <summary>Where one placed file comes from in the pre-init volume: <paramref name="SubPath"/> of <see cref="PreInit.VolumeName"/>.</summary>
public sealed record PreInitMount(ContainerFile File, string SubPath);

/// <summary>
/// How kubetest's files (repositories, tokens, artifacts, the log, the report) reach every
/// container of a pod on a cluster, init containers and sidecars included, as the original does
/// with its pre-init container: the pod's first init container waits until kubetest has sent every
/// file in one tar stream into an emptyDir (<see cref="FillCommand"/>, run in it by exec), where
/// each container that may write to its files gets a private copy; then it ends, and each
/// container mounts its files from the emptyDir by subPath before its own command starts.
/// Read-only mounts share the one copy that was sent.
/// </summary>
public sealed class PreInit
{
    public const string ContainerName = "kubetest-preinit";
    public const string VolumeName = "kubetest-files";
    public const string MountPath = "/kubetest-files";

    private const string Ready = MountPath + "/.ready";

    private readonly List<(int Source, string To, bool Move)> _copies;

    private PreInit(IReadOnlyList<string> sources, IReadOnlyList<PreInitMount> mounts, List<(int Source, string To, bool Move)> copies)
    {
        Sources = sources;
        Mounts = mounts;
        _copies = copies;
    }

    /// <summary>Each distinct local path, sent once: entry <c>i</c> of the stream is <c>Sources[i]</c>.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>Each placed file with the subPath its container mounts.</summary>
    public IReadOnlyList<PreInitMount> Mounts { get; }

    /// <summary>
    /// The pre-init's own command: wait until the files are in place. TERM ends it at once (a
    /// shell as PID 1 would ignore it), and a pod whose kubetest died never gets further than its
    /// Job's deadline.
    /// </summary>
    public static IReadOnlyList<string> WaitCommand { get; } =
        ["sh", "-c", $"trap 'exit 143' TERM INT; until [ -e {Ready} ]; do sleep 0.2; done"];

    /// <summary>
    /// Files whose source is itself a link (an artifact that was a link in its container). A
    /// subPath cannot be a link that leads out of its volume, so these do not go through the
    /// pre-init: they are copied into their container by exec, as links, which only a held
    /// container (one kubetest runs commands in) allows.
    /// </summary>
    public static IReadOnlyList<ContainerFile> Links(IReadOnlyList<ContainerFile> files) =>
        [.. files.Where(f => FileTree.KindOf(f.LocalPath) == EntryKind.Link)];

    /// <summary>The pod's pre-init, or null when kubetest places no files in it (links aside, see <see cref="Links"/>).</summary>
    public static PreInit? For(IReadOnlyList<ContainerFile> placed)
    {
        var files = placed.Where(f => FileTree.KindOf(f.LocalPath) != EntryKind.Link).ToList();
        if (files.Count == 0)
        {
            return null;
        }

        var sources = new List<string>();
        var indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (!indexOf.ContainsKey(file.LocalPath))
            {
                indexOf[file.LocalPath] = sources.Count;
                sources.Add(file.LocalPath);
            }
        }

        var read = files.Where(f => f.ReadOnly).Select(f => indexOf[f.LocalPath]).ToHashSet();
        var lastWriter = new Dictionary<int, int>();
        for (var i = 0; i < files.Count; i++)
        {
            if (!files[i].ReadOnly)
            {
                lastWriter[indexOf[files[i].LocalPath]] = i;
            }
        }

        var mounts = new List<PreInitMount>(files.Count);
        var copies = new List<(int Source, string To, bool Move)>();
        for (var i = 0; i < files.Count; i++)
        {
            var source = indexOf[files[i].LocalPath];
            if (files[i].ReadOnly)
            {
                mounts.Add(new PreInitMount(files[i], SourcePath(source)));
                continue;
            }

            // A writer gets its own copy; the last writer of a copy nobody reads takes the sent one.
            var own = string.Create(CultureInfo.InvariantCulture, $"own/{i}");
            copies.Add((source, own, Move: !read.Contains(source) && lastWriter[source] == i));
            mounts.Add(new PreInitMount(files[i], own));
        }

        return new PreInit(sources, mounts, copies);
    }

    /// <summary>The name of a source's entry in the tar stream that <see cref="FillCommand"/> reads.</summary>
    public static string EntryName(int source) => source.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Run by exec in the pre-init with the tar stream on stdin: unpacks it, makes the private
    /// copies (links as links, modes kept), and lets the pre-init end. Copies come before moves, so
    /// a source is moved only once nothing else copies it.
    /// </summary>
    public IReadOnlyList<string> FillCommand()
    {
        var script = new StringBuilder($"set -e; mkdir -p {MountPath}/src {MountPath}/own; tar xf - -C {MountPath}/src; cd {MountPath}");
        foreach (var (source, to, _) in _copies.Where(c => !c.Move))
        {
            script.Append(CultureInfo.InvariantCulture, $"; cp -a {SourcePath(source)} {to}");
        }

        foreach (var (source, to, _) in _copies.Where(c => c.Move))
        {
            script.Append(CultureInfo.InvariantCulture, $"; mv {SourcePath(source)} {to}");
        }

        script.Append(CultureInfo.InvariantCulture, $"; : > {Ready}");
        return ["sh", "-c", script.ToString()];
    }

    /// <summary>
    /// Adds the pre-init to <paramref name="spec"/>: the emptyDir, the pre-init as the first init
    /// container (the image, pull policy, resources and security context of the first held
    /// container, so it can pull what the pod pulls anyway and writes files as the pod's user), and
    /// each file's subPath mount in its container.
    /// </summary>
    public void AddTo(V1PodSpec spec, IReadOnlyCollection<string> heldContainers)
    {
        var like = spec.Containers.FirstOrDefault(c => heldContainers.Contains(c.Name)) ?? spec.Containers[0];
        spec.Volumes = [.. spec.Volumes ?? [], new V1Volume { Name = VolumeName, EmptyDir = new V1EmptyDirVolumeSource() }];
        var preInit = new V1Container
        {
            Name = ContainerName,
            Image = like.Image,
            ImagePullPolicy = like.ImagePullPolicy,
            Resources = like.Resources,
            SecurityContext = like.SecurityContext,
            Command = [.. WaitCommand],
            VolumeMounts = [new V1VolumeMount { Name = VolumeName, MountPath = MountPath }],
        };
        spec.InitContainers = [preInit, .. spec.InitContainers ?? []];
        var containers = spec.InitContainers.Concat(spec.Containers).ToDictionary(c => c.Name, StringComparer.Ordinal);
        foreach (var (file, subPath) in Mounts)
        {
            var container = containers.TryGetValue(file.Container, out var found)
                ? found
                : throw new PodFailedException($"cannot place {file.ContainerPath} in container {file.Container}: the pod has no such container");
            container.VolumeMounts = [.. container.VolumeMounts ?? [], new V1VolumeMount
            {
                Name = VolumeName,
                MountPath = file.ContainerPath,
                SubPath = subPath,
                ReadOnlyProperty = file.ReadOnly ? true : null,
            }];
        }
    }

    private static string SourcePath(int source) => "src/" + EntryName(source);
}
