using System.Text;

namespace Autograd;

/// <summary>The recorded graph as Graphviz DOT text, as micrograd's draw_dot and torchviz's make_dot draw it.</summary>
public static class GraphExport
{
    extension(Tensor self)
    {
        /// <summary>
        /// One box per operation (its grad_fn name and output shape), one per leaf that requires grad (its name, if
        /// given in <paramref name="names"/>, and shape), and the tensor itself; edges run from inputs to the operations
        /// that use them. Render with <c>dot -Tpng graph.dot -o graph.png</c>.
        /// </summary>
        public string ToDot(IEnumerable<(string Name, Tensor Tensor)>? names = null)
        {
            ArgumentNullException.ThrowIfNull(self);
            var labels = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
            foreach (var (name, tensor) in names ?? []) labels.TryAdd(tensor, name);
            var ids = new Dictionary<object, string>(ReferenceEqualityComparer.Instance);
            var dot = new StringBuilder("digraph {\n")
                .Append("    graph [size=\"12,12\"]\n")
                .Append("    node [style=filled, shape=box, align=left, fontsize=10, ranksep=0.1, height=0.2, fontname=monospace]\n");

            string Node(object key, string label, string color)
            {
                if (ids.TryGetValue(key, out var id)) return id;
                ids[key] = id = $"n{ids.Count}";
                dot.Append($"    {id} [label=\"{Escape(label)}\", fillcolor={color}]\n");
                return id;
            }
            string Label(Tensor t) => labels.TryGetValue(t, out var name) ? $"{name}\n{Size(t.Shape)}" : Size(t.Shape);

            if (self.GradFn is not { } root)
            {
                Node(self, Label(self), "lightblue");
                return dot.Append("}\n").ToString();
            }
            string output = Node(self, Label(self), "darkolivegreen1");
            string rootId = Node(root, $"{root.Name}\n{Size(root.Shape)}", "lightgrey");
            dot.Append($"    {rootId} -> {output}\n");
            var pending = new Queue<GradFn>([root]);
            var visited = new HashSet<GradFn>(ReferenceEqualityComparer.Instance) { root };
            while (pending.Count > 0)
            {
                var node = pending.Dequeue();
                string target = ids[node];
                foreach (var edge in node.Next)
                {
                    string? source = edge switch
                    {
                        { Function: { } next } => Node(next, $"{next.Name}\n{Size(next.Shape)}", "lightgrey"),
                        { Leaf: { } leaf } => Node(leaf, Label(leaf), "lightblue"),
                        _ => null,
                    };
                    if (source is null) continue;
                    dot.Append($"    {source} -> {target}\n");
                    if (edge.Function is { } function && visited.Add(function)) pending.Enqueue(function);
                }
            }
            return dot.Append("}\n").ToString();
        }
    }

    /// <summary>A shape as torchviz prints it: (300, 3), or () for a scalar.</summary>
    private static string Size(IReadOnlyList<int> shape) => $"({string.Join(", ", shape)})";

    private static string Escape(string label) => label.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
