namespace Kubetest.Model;

/// <summary>Rules for one pod template: containers, volumes, mounts, artifacts.</summary>
internal sealed partial class ManifestValidator
{
    private void Template(TestJobTemplate template, References refs, bool allowReport)
    {
        var spec = template.Spec;
        var specPath = $"{template.Path}.spec";
        Metadata(template.Metadata, $"{template.Path}.metadata");
        if (spec.Containers.Count == 0)
        {
            r.Problem($"{specPath}.containers", "needs at least one container");
            return;
        }

        var all = new List<(TestJobContainer C, string Path)>();
        all.AddRange(spec.InitContainers.Select((c, i) => (c, $"{specPath}.initContainers[{i}]")));
        all.AddRange(spec.Containers.Select((c, i) => (c, $"{specPath}.containers[{i}]")));
        if (spec.FinalizerContainer is { } fin)
        {
            all.Add((fin, $"{specPath}.finalizerContainer"));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (c, path) in all)
        {
            var name = c.Container.Name ?? "";
            if (name.Length == 0)
            {
                continue;
            }

            if (!names.Add(name))
            {
                r.Problem($"{path}.name", $"container name \"{name}\" is used twice in this pod");
            }
            else if (name == Runtime.PreInit.ContainerName)
            {
                r.Problem($"{path}.name", $"\"{name}\" is reserved for the container in which kubetest places its files on a cluster");
            }
            else if (!Dns1123Label().IsMatch(name) || name.Length > 58)
            {
                r.Problem($"{path}.name", $"\"{name}\" must be a DNS-1123 label (lower case letters, digits, '-') of at most 58 characters, leaving room for the key suffix");
            }
        }

        var main = MainContainer(template, specPath);
        if (main is not null && (main.Container.Command is null || main.Container.Command.Count == 0))
        {
            var index = spec.Containers.ToList().IndexOf(main);
            r.Problem($"{specPath}.containers[{index}].command", "is required for the main container: kubetest runs this command");
        }

        var volumes = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Volumes.Count; i++)
        {
            var volume = spec.Volumes[i];
            var path = $"{specPath}.volumes[{i}]";
            VolumeName(volume.Name, path);
            if (volume.Name == Runtime.PreInit.VolumeName)
            {
                r.Problem($"{path}.name", $"\"{volume.Name}\" is reserved for the volume through which kubetest places its files on a cluster");
            }
            if (volume.Name.Length > 0 && !volumes.Add(volume.Name))
            {
                r.Problem($"{path}.name", $"volume name \"{volume.Name}\" is used twice in this pod");
            }

            VolumeSource(volume.Source, path, refs, allowReport);
        }

        foreach (var (c, path) in all)
        {
            var mounts = c.Container.VolumeMounts ?? [];
            for (var i = 0; i < mounts.Count; i++)
            {
                var mount = mounts[i];
                if (!volumes.Contains(mount.Name ?? ""))
                {
                    r.Problem($"{path}.volumeMounts[{i}].name", $"refers to volume \"{mount.Name}\", which {specPath}.volumes does not define");
                }

                if (string.IsNullOrEmpty(mount.MountPath) || !mount.MountPath.StartsWith('/'))
                {
                    r.Problem($"{path}.volumeMounts[{i}].mountPath", "must be an absolute path");
                }

                SubPath(mount.SubPath, $"{path}.volumeMounts[{i}].subPath");
            }
        }

        for (var i = 0; i < spec.Artifacts.Count; i++)
        {
            var artifact = spec.Artifacts[i];
            var path = $"{specPath}.artifacts[{i}]";
            ArtifactName(artifact.Name, $"{path}.name");
            if (artifact.Name.Length > 0 && !refs.Artifacts.Add(artifact.Name))
            {
                r.Problem($"{path}.name", $"artifact name \"{artifact.Name}\" is defined twice in this TestJob");
            }

            if (artifact.ContainerName.Length > 0 && !spec.Containers.Any(c => c.Container.Name == artifact.ContainerName)
                && spec.FinalizerContainer?.Container.Name != artifact.ContainerName)
            {
                r.Problem($"{path}.container.name", $"refers to container \"{artifact.ContainerName}\", which this pod does not have");
            }

            if (artifact.Path.Length > 0 && !artifact.Path.StartsWith('/'))
            {
                r.Problem($"{path}.container.path", $"must be an absolute path, got \"{artifact.Path}\"");
            }

            ArtifactPath(artifact.Path, $"{path}.container.path");
        }
    }

    private TestJobContainer? MainContainer(TestJobTemplate template, string specPath)
    {
        var containers = template.Spec.Containers;
        if (template.Main is string main)
        {
            var found = containers.FirstOrDefault(c => c.Container.Name == main);
            if (found is null)
            {
                r.Problem($"{template.Path}.main", $"refers to container \"{main}\", which {specPath}.containers does not have");
            }

            return found;
        }

        if (containers.Count > 1)
        {
            r.Problem($"{template.Path}.main", $"is required when a pod has several containers: name the one that runs the task ({string.Join(", ", containers.Select(c => c.Container.Name))})");
            return null;
        }

        return containers[0];
    }

    private void VolumeSource(KubetestVolumeSource? source, string path, References refs, bool allowReport)
    {
        switch (source)
        {
            case RepoVolumeSource repo when !refs.Repos.Contains(repo.RepoName):
                r.Problem($"{path}.repo.name", $"refers to repository \"{repo.RepoName}\", which spec.repos does not define");
                break;
            case TokenVolumeSource token when !refs.Tokens.Contains(token.TokenName):
                r.Problem($"{path}.token.name", $"refers to token \"{token.TokenName}\", which spec.tokens does not define");
                break;
            case ArtifactVolumeSource artifact when !refs.Artifacts.Contains(artifact.ArtifactName):
                r.Problem($"{path}.artifact.name", $"refers to artifact \"{artifact.ArtifactName}\", which no earlier step's spec.artifacts defines");
                break;
            case ReportVolumeSource when !allowReport:
                r.Problem($"{path}.report", "is only available to postSteps: the report exists once the main step has ended");
                break;
        }
    }
}
