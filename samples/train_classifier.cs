#:project ../Autograd.Ops/Autograd.Ops.csproj
#:package Spectre.Console@0.57.2
#:package ScottPlot@5.1.59
// Trains a small MLP on the classic three-class spiral (CS231n) with cross-entropy and Adam, as a PyTorch script would:
// model, optimizer, loop with a progress bar. Writes loss.png, decision_boundary.png and graph.dot into the folder
// given as the first argument (default: the current folder) and prints the final training accuracy.
using System.Globalization;
using Autograd;
using Autograd.NN;
using Autograd.Optim;
using ScottPlot;
using Spectre.Console;

const int PointsPerClass = 100, Classes = 3, Epochs = 300;
string outputDir = args.Length > 0 ? args[0] : Directory.GetCurrentDirectory();
Directory.CreateDirectory(outputDir);

Torch.ManualSeed(0);
var (x, y) = Spiral(PointsPerClass, Classes);

var model = new Sequential(
    new Linear(2, 64), new ReLU(),
    new Linear(64, 64), new ReLU(),
    new Linear(64, Classes));
var optimizer = new Adam(model.Parameters(), lr: 0.01);
Console.WriteLine(model);

var stopwatch = System.Diagnostics.Stopwatch.StartNew();
var losses = new double[Epochs];
var accuracies = new double[Epochs];
Tensor loss = null!;
AnsiConsole.Progress()
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
    .Start(progress =>
    {
        var task = progress.AddTask("training", maxValue: Epochs);
        for (int epoch = 0; epoch < Epochs; epoch++)
        {
            var logits = model.Forward(x);
            loss = Functional.CrossEntropy(logits, y);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();

            losses[epoch] = loss.Item<double>();
            accuracies[epoch] = Accuracy(logits, y);
            task.Description = string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1,4}  loss {losses[epoch]:F4}  accuracy {accuracies[epoch] * 100:F1}%");
            task.Increment(1);
        }
    });

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trained {Epochs} epochs in {stopwatch.Elapsed.TotalSeconds:F1} s"));
model.Eval();
double finalAccuracy;
using (Torch.NoGrad()) finalAccuracy = Accuracy(model.Forward(x), y);

PlotLoss(Path.Combine(outputDir, "loss.png"));
PlotDecisionBoundary(Path.Combine(outputDir, "decision_boundary.png"));
File.WriteAllText(Path.Combine(outputDir, "graph.dot"), loss.ToDot([.. model.NamedParameters(), ("loss", loss)]));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"final accuracy: {finalAccuracy * 100:F1}%"));

// N points per class on K arms: radius 0..1, angle 4k..4(k+1) plus Gaussian noise (sd 0.2).
static (Tensor X, Tensor Y) Spiral(int n, int classes)
{
    var noise = Torch.Randn(n * classes).ToArray<float>();
    var points = new float[n * classes * 2];
    var labels = new long[n * classes];
    for (int k = 0; k < classes; k++)
    {
        for (int i = 0; i < n; i++)
        {
            int index = k * n + i;
            double radius = (double)i / (n - 1);
            double theta = 4.0 * k + 4.0 * i / (n - 1) + noise[index] * 0.2;
            points[2 * index] = (float)(radius * Math.Sin(theta));
            points[2 * index + 1] = (float)(radius * Math.Cos(theta));
            labels[index] = k;
        }
    }
    return (Torch.Tensor(points).View(n * classes, 2), Torch.Tensor(labels));
}

static double Accuracy(Tensor logits, Tensor labels) => logits.Argmax(1).Eq(labels).Float().Mean().Item<double>();

void PlotLoss(string path)
{
    var plot = new Plot();
    var lossLine = plot.Add.Signal(losses);
    var accuracyLine = plot.Add.Signal(accuracies.Select(a => a * 100).ToArray());
    accuracyLine.LegendText = "training accuracy (%, right axis)";
    accuracyLine.Axes.YAxis = plot.Axes.Right;
    plot.Axes.Right.Label.Text = "training accuracy (%)";
    plot.Title("Training on the spiral");
    plot.XLabel("epoch");
    plot.YLabel("cross-entropy loss");
    lossLine.LegendText = "cross-entropy loss (left axis)";
    plot.ShowLegend(Alignment.MiddleRight);
    plot.SavePng(path, 800, 500);
}

void PlotDecisionBoundary(string path)
{
    const int Steps = 150;
    const double Low = -1.2, High = 1.2;
    var grid = new float[Steps * Steps * 2];
    for (int row = 0; row < Steps; row++)
    {
        for (int col = 0; col < Steps; col++)
        {
            int index = row * Steps + col;
            grid[2 * index] = (float)(Low + (High - Low) * col / (Steps - 1));
            grid[2 * index + 1] = (float)(Low + (High - Low) * row / (Steps - 1));
        }
    }
    long[] predicted;
    using (Torch.NoGrad()) predicted = model.Forward(Torch.Tensor(grid).View(Steps * Steps, 2)).Argmax(1).ToArray<long>();

    var plot = new Plot();
    var palette = new ScottPlot.Palettes.Category10();
    var points = x.ToArray<float>();
    var labels = y.ToArray<long>();
    for (int k = 0; k < Classes; k++)
    {
        var region = Enumerable.Range(0, predicted.Length).Where(i => predicted[i] == k).ToArray();
        var area = plot.Add.ScatterPoints(region.Select(i => (double)grid[2 * i]).ToArray(), region.Select(i => (double)grid[2 * i + 1]).ToArray());
        area.Color = palette.GetColor(k).WithAlpha(0.25);
        area.MarkerShape = MarkerShape.FilledSquare;
        area.MarkerSize = 4;

        var members = Enumerable.Range(0, labels.Length).Where(i => labels[i] == k).ToArray();
        var samples = plot.Add.ScatterPoints(members.Select(i => (double)points[2 * i]).ToArray(), members.Select(i => (double)points[2 * i + 1]).ToArray());
        samples.Color = palette.GetColor(k);
        samples.MarkerSize = 6;
        samples.LegendText = $"class {k}";
    }
    plot.Title(string.Create(CultureInfo.InvariantCulture, $"Decision boundary (training accuracy {finalAccuracy * 100:F1}%)"));
    plot.XLabel("first coordinate");
    plot.YLabel("second coordinate");
    // A tick every 0.5 rather than every 0.1: five labels an axis read at a glance.
    plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(0.5);
    plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(0.5);
    plot.ShowLegend(Alignment.UpperRight);
    plot.Axes.SetLimits(Low, High, Low, High);
    plot.Axes.SquareUnits();
    plot.SavePng(path, 700, 700);
}
