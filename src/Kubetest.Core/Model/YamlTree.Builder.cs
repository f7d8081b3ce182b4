using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Kubetest.Model;

/// <summary>
/// Builds the tree from the parser's events without recursion, so depth is checked before a level
/// is entered, and expands aliases by copying while counting what they add.
/// </summary>
public sealed partial class YamlTree
{
    private sealed class Frame(JsonNode node, string path, AnchorName anchor)
    {
        public JsonNode Node { get; } = node;

        public string Path { get; } = path;

        public AnchorName Anchor { get; } = anchor;

        /// <summary>In a mapping, the key whose value comes next; null while a key is expected.</summary>
        public string? Key { get; set; }

        public int Index { get; set; }

        public int Size { get; set; } = 1;

        /// <summary>Levels of nesting in this node and below it (1 for a node with only scalars).</summary>
        public int Height { get; set; } = 1;
    }

    /// <summary>What an anchor names: the node (copied at each alias), its size and height, and a scalar's text.</summary>
    private sealed record Anchored(JsonNode? Node, int Size, int Height, string? ScalarText);

    private sealed class Builder(string file)
    {
        private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _plain = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Anchored> _anchors = new(StringComparer.Ordinal);
        private readonly Stack<Frame> _stack = new();
        private JsonNode? _root;
        private int _documents;
        private int _aliasNodes;

        /// <summary>The line of the last event read, for errors that carry no position.</summary>
        public int LastLine { get; private set; } = 1;

        public void Add(ParsingEvent parsingEvent)
        {
            var line = (int)parsingEvent.Start.Line;
            LastLine = line;
            if (_documents > 1 && parsingEvent is NodeEvent)
            {
                throw Error("", line, $"expected one TestJob, found several YAML documents (the second starts at line {line})");
            }

            switch (parsingEvent)
            {
                case DocumentStart:
                    _documents++;
                    break;
                case MappingStart mapping:
                    Open(new JsonObject(), mapping.Anchor, line);
                    break;
                case SequenceStart sequence:
                    Open(new JsonArray(), sequence.Anchor, line);
                    break;
                case MappingEnd or SequenceEnd:
                    var frame = _stack.Pop();
                    Attach(frame.Node, frame.Size, frame.Height, frame.Anchor, null);
                    break;
                case Scalar scalar:
                    OnScalar(scalar, line);
                    break;
                case AnchorAlias alias:
                    OnAlias(alias, line);
                    break;
            }
        }

        public YamlTree Finish()
        {
            if (_documents == 0)
            {
                throw Error("", null, "the file is empty: expected one TestJob");
            }

            return new YamlTree(_root, _lines, _plain);
        }

        private void Open(JsonNode node, AnchorName anchor, int line)
        {
            var path = NextPath(line);
            if (_stack.Count >= InputLimits.MaxDepth)
            {
                throw Error(path, line, $"nesting is deeper than {InputLimits.MaxDepth} levels at line {line}");
            }

            _lines.TryAdd(path, line);
            _stack.Push(new Frame(node, path, anchor));
        }

        private void OnScalar(Scalar scalar, int line)
        {
            if (_stack.TryPeek(out var parent) && parent.Node is JsonObject map && parent.Key is null)
            {
                SetKey(parent, map, scalar.Value, line);
                if (!scalar.Anchor.IsEmpty)
                {
                    _anchors[scalar.Anchor.Value] = new Anchored(JsonValue.Create(scalar.Value), 1, 0, scalar.Value);
                }

                return;
            }

            var path = NextPath(line);
            if (!TryScalar(scalar, out var value))
            {
                throw Error(path, line, $"the number {Printable.Escape(scalar.Value)} is out of range");
            }

            _lines.TryAdd(path, line);
            if (value is not null && value.GetValueKind() is not System.Text.Json.JsonValueKind.String)
            {
                _plain[path] = scalar.Value;
            }

            Attach(value, 1, 0, scalar.Anchor, scalar.Value);
        }

        private void OnAlias(AnchorAlias alias, int line)
        {
            var name = alias.Value.Value;
            var isKey = _stack.TryPeek(out var parent) && parent.Node is JsonObject && parent.Key is null;
            var path = isKey ? parent!.Path : NextPath(line);
            if (!_anchors.TryGetValue(name, out var anchored))
            {
                throw Error(path, line, $"alias *{Printable.Escape(name)} at line {line} refers to no anchor defined before it (an anchor cannot contain its own alias)");
            }

            if (isKey)
            {
                if (anchored.ScalarText is null || anchored.Node is JsonObject or JsonArray)
                {
                    throw Error(path, line, $"a mapping key must be a plain value, but alias *{Printable.Escape(name)} at line {line} is a list or mapping");
                }

                SetKey(parent!, (JsonObject)parent!.Node, anchored.ScalarText, line);
                return;
            }

            _aliasNodes += anchored.Size;
            if (_aliasNodes > InputLimits.MaxAliasNodes)
            {
                throw Error(path, line, $"YAML aliases expand to more than {InputLimits.MaxAliasNodes} nodes (at alias *{Printable.Escape(name)}, line {line})");
            }

            if (_stack.Count + anchored.Height > InputLimits.MaxDepth)
            {
                throw Error(path, line, $"nesting is deeper than {InputLimits.MaxDepth} levels at line {line} (through alias *{Printable.Escape(name)})");
            }

            _lines.TryAdd(path, line);
            if (anchored.ScalarText is string text && anchored.Node is JsonValue v && v.GetValueKind() is not System.Text.Json.JsonValueKind.String)
            {
                _plain[path] = text;
            }

            Attach(anchored.Node?.DeepClone(), anchored.Size, anchored.Height, default, anchored.ScalarText);
        }

        private void SetKey(Frame parent, JsonObject map, string key, int line)
        {
            var path = NodeReader.Child(parent.Path, key);
            if (map.ContainsKey(key))
            {
                throw Error(path, line, $"key \"{Printable.Escape(key)}\" appears twice in this mapping (again at line {line})");
            }

            _lines[path] = line;
            parent.Key = key;
        }

        /// <summary>The path of the node that starts now, under the open list or mapping.</summary>
        private string NextPath(int line)
        {
            if (!_stack.TryPeek(out var parent))
            {
                return "";
            }

            if (parent.Node is JsonArray)
            {
                return $"{parent.Path}[{parent.Index}]";
            }

            return parent.Key is string key
                ? NodeReader.Child(parent.Path, key)
                : throw Error(parent.Path, line, $"a mapping key must be a plain value, not a list or mapping (line {line})");
        }

        private void Attach(JsonNode? node, int size, int height, AnchorName anchor, string? scalarText)
        {
            if (!anchor.IsEmpty)
            {
                _anchors[anchor.Value] = new Anchored(node, size, height, node is JsonObject or JsonArray ? null : scalarText);
            }

            if (!_stack.TryPeek(out var parent))
            {
                _root = node;
                return;
            }

            if (parent.Node is JsonObject map)
            {
                map[parent.Key!] = anchor.IsEmpty ? node : node?.DeepClone();
                parent.Key = null;
            }
            else
            {
                ((JsonArray)parent.Node).Add(anchor.IsEmpty ? node : node?.DeepClone());
                parent.Index++;
            }

            parent.Size += size;
            parent.Height = Math.Max(parent.Height, height + 1);
        }

        private ManifestException Error(string path, int? line, string message) =>
            new(file, [new ManifestProblem(path, line, message)]);
    }
}
