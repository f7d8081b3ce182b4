namespace Kubetest.Cli.Tests.Deploy;

/// <summary>A Dockerfile read as its stages of instructions (continuations joined, comments dropped), enough to check what it copies and runs.</summary>
internal sealed record Dockerfile(IReadOnlyList<Dockerfile.Stage> Stages)
{
    public Stage Final => Stages[^1];

    public static Dockerfile Read(string relative)
    {
        var stages = new List<Stage>();
        foreach (var line in Lines(DeployFiles.Read(relative)))
        {
            var parts = line.Split(' ', 2, StringSplitOptions.TrimEntries);
            var instruction = new Instruction(parts[0].ToUpperInvariant(), parts.Length > 1 ? parts[1] : "");
            if (instruction.Name == "FROM")
            {
                var words = instruction.Words;
                stages.Add(new Stage(words[0], words.Length == 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null, []));
            }
            else
            {
                Assert.True(stages.Count > 0, $"{relative}: {instruction.Name} before the first FROM");
                stages[^1].Instructions.Add(instruction);
            }
        }

        return new Dockerfile(stages);
    }

    private static IEnumerable<string> Lines(string text)
    {
        var pending = "";
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && pending.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            yield return pending + line;
            pending = "";
        }
    }

    internal sealed record Stage(string Image, string? Name, List<Instruction> Instructions)
    {
        public IEnumerable<Instruction> All(string name) => Instructions.Where(i => i.Name == name);
    }

    internal sealed record Instruction(string Name, string Arguments)
    {
        public string[] Words => Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }
}
