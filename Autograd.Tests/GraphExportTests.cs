using System.Text.RegularExpressions;
using Autograd.NN;

namespace Autograd.Tests;

/// <summary>Graph export as Graphviz DOT: one node per operation, leaves with their names and shapes, edges from inputs to users.</summary>
public class GraphExportTests
{
    [Test]
    public void Dot_HasOneNodePerOperationAndLeaf()
    {
        var a = Torch.Rand([2, 3], requiresGrad: true);
        var b = Torch.Rand([3], requiresGrad: true);
        var c = Torch.Rand(3);   // needs no grad: not drawn
        var y = ((a * b).Relu() + a * c).Sum();

        string dot = y.ToDot([("a", a), ("b", b), ("y", y)]);

        dot.ShouldStartWith("digraph {");
        Labels(dot).ShouldBe(
            ["y\\n()", "SumBackward0\\n()", "AddBackward0\\n(2, 3)", "ReluBackward0\\n(2, 3)", "MulBackward0\\n(2, 3)", "MulBackward0\\n(2, 3)", "a\\n(2, 3)", "b\\n(3)"],
            ignoreOrder: true);
        Edges(dot).Count.ShouldBe(8);   // Sum->y, Add->Sum, Relu->Add, Mul->Add, Mul->Relu, a->Mul (twice), b->Mul
        dot.ShouldContain("fillcolor=lightblue");
        dot.TrimEnd().ShouldEndWith("}");
    }

    [Test]
    public void Dot_DrawsASharedNodeOnce()
    {
        var x = Torch.Rand([4], requiresGrad: true);
        var shared = x.Exp();
        var y = (shared * shared).Sum();
        Labels(y.ToDot()).Count(label => label.StartsWith("ExpBackward0")).ShouldBe(1);
    }

    [Test]
    public void Dot_OfAModelLoss_NamesItsParameters()
    {
        var model = new Sequential(new Linear(2, 4), new ReLU(), new Linear(4, 3));
        var loss = Functional.CrossEntropy(model.Forward(Torch.Rand(5, 2)), Torch.Tensor([0L, 1, 2, 0, 1]));

        string dot = loss.ToDot(model.NamedParameters());

        Labels(dot).ShouldContain("NllLossBackward0\\n()");
        Labels(dot).ShouldContain("AddmmBackward0\\n(5, 3)");
        Labels(dot).ShouldContain("TBackward0\\n(2, 4)");
        Labels(dot).ShouldContain("0.weight\\n(4, 2)");
        Labels(dot).ShouldContain("2.bias\\n(3)");
    }

    [Test]
    public void Dot_OfALeaf_IsOneNode()
    {
        var x = Torch.Rand([2], requiresGrad: true);
        Labels(x.ToDot()).ShouldBe(["(2)"]);
        Edges(x.ToDot()).ShouldBeEmpty();
    }

    private static List<string> Labels(string dot) => [.. Regex.Matches(dot, "label=\"([^\"]*)\"").Select(m => m.Groups[1].Value)];

    private static List<string> Edges(string dot) => [.. Regex.Matches(dot, @"n\d+ -> n\d+").Select(m => m.Value)];
}
