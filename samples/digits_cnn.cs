#:project ../Autograd.Ops/Autograd.Ops.csproj
#:package ScottPlot@5.1.59
// PyTorch's examples/mnist ported to the 8x8 handwritten digits of the UCI data set (1,797 images, vendored from
// scikit-learn in samples/data/digits.csv.gz): two convolutions, max pooling, dropout, two linear layers and
// log_softmax, trained with NLL loss, Adadelta and StepLR. Prints the training loss and the test set's loss and accuracy
// per epoch as the PyTorch example does, and writes misclassified.png (the test digits the model gets wrong) into the
// folder given as the first argument (default: the current folder). tools/seed_programs/digits_cnn.py is the same
// program in PyTorch: both print the same lines, up to the last digit of a few losses.
//
//   dotnet run samples/digits_cnn.cs [output-folder] [--epochs N]
using System.Globalization;
using System.IO.Compression;
using Autograd;
using Autograd.Data;
using Autograd.NN;
using Autograd.Optim;
using ScottPlot;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
int epochs = 14;
string outputDir = Directory.GetCurrentDirectory();
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--epochs") epochs = int.Parse(args[++i]);
    else outputDir = args[i];
}
Directory.CreateDirectory(outputDir);
const int BatchSize = 64, TestBatchSize = 1000, LogInterval = 5;

Torch.ManualSeed(1);
var (images, labels) = LoadDigits(Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? "samples", "data", "digits.csv.gz"));
var split = DataUtils.RandomSplit(new TensorDataset(images, labels), [0.8, 0.2], new Generator(42));
var (train, test) = (split[0], split[1]);
Console.WriteLine($"{images.Size(0)} digits: {train.Count} for training, {test.Count} for testing");

// transforms.Normalize with the training images' mean and standard deviation, as the example's (0.1307,), (0.3081,).
var trainImages = images.IndexSelect(0, Torch.Tensor(train.Indices.Select(i => (long)i).ToArray()));
var (mean, std) = (trainImages.Mean().Item<double>(), trainImages.Std().Item<double>());
Console.WriteLine($"normalizing with the training images' mean {mean:F4} and std {std:F4}");
Tensor Normalize(Tensor x) => (x - mean) / std;

var trainLoader = new DataLoader(train, batchSize: BatchSize, shuffle: true);
var testLoader = new DataLoader(test, batchSize: TestBatchSize);

var model = new Net();
Console.WriteLine(model);
var optimizer = new Adadelta(model.Parameters(), lr: 1.0);
var scheduler = new StepLR(optimizer, stepSize: 1, gamma: 0.8);   // the example's gamma is 0.7; this data set is smaller
var stopwatch = System.Diagnostics.Stopwatch.StartNew();
for (int epoch = 1; epoch <= epochs; epoch++)
{
    Train(epoch);
    Test();
    scheduler.Step();
}
Console.WriteLine($"trained {epochs} epochs in {stopwatch.Elapsed.TotalSeconds:F1} s");
PlotMisclassified(Path.Combine(outputDir, "misclassified.png"));

void Train(int epoch)
{
    model.Train();
    int batchIndex = 0;
    foreach (var batch in trainLoader)
    {
        var (data, target) = (batch[0], batch[1]);
        optimizer.ZeroGrad();
        var output = model.Forward(Normalize(data));
        var loss = Functional.NllLoss(output, target);
        loss.Backward();
        optimizer.Step();
        if (batchIndex % LogInterval == 0)
        {
            Console.WriteLine($"Train Epoch: {epoch} [{batchIndex * BatchSize}/{train.Count} " +
                $"({100.0 * batchIndex / trainLoader.Count:F0}%)]\tLoss: {loss:F6}");
        }
        batchIndex++;
    }
}

void Test()
{
    model.Eval();
    double testLoss = 0;
    long correct = 0;
    using (Torch.NoGrad())
    {
        foreach (var batch in testLoader)
        {
            var (data, target) = (batch[0], batch[1]);
            var output = model.Forward(Normalize(data));
            testLoss += Functional.NllLoss(output, target, reduction: Reduction.Sum).Item<double>();
            var prediction = output.Argmax(1);
            correct += prediction.Eq(target).Sum().Item<long>();
        }
    }
    testLoss /= test.Count;
    Console.WriteLine($"\nTest set: Average loss: {testLoss:F4}, Accuracy: {correct}/{test.Count} ({100.0 * correct / test.Count:F1}%)\n");
}

// The test digits the model gets wrong, each with its label and the model's answer.
void PlotMisclassified(string path)
{
    model.Eval();
    var wrong = new List<(float[] Pixels, long Label, long Predicted)>();
    using (Torch.NoGrad())
    {
        foreach (var batch in testLoader)
        {
            var predicted = model.Forward(Normalize(batch[0])).Argmax(1).ToArray<long>();
            var target = batch[1].ToArray<long>();
            for (int i = 0; i < target.Length; i++)
            {
                if (predicted[i] != target[i]) wrong.Add((batch[0][i].ToArray<float>(), target[i], predicted[i]));
            }
        }
    }
    Console.WriteLine($"{wrong.Count} misclassified test digits drawn in {Path.GetFileName(path)}");

    const int Columns = 8;
    int rows = Math.Max(1, (wrong.Count + Columns - 1) / Columns);
    var plot = new Plot();
    for (int k = 0; k < wrong.Count; k++)
    {
        var pixels = new double[8, 8];
        for (int r = 0; r < 8; r++)
        {
            for (int c = 0; c < 8; c++) pixels[r, c] = wrong[k].Pixels[r * 8 + c];
        }
        double left = (k % Columns) * 10, top = -(k / Columns) * 12;
        var heatmap = plot.Add.Heatmap(pixels);
        heatmap.Colormap = new ScottPlot.Colormaps.GrayscaleReversed();
        heatmap.Rectangle = new CoordinateRect(left, left + 8, top - 8, top);
        var label = plot.Add.Text($"{wrong[k].Label} → {wrong[k].Predicted}", left + 4, top - 8.5);
        label.LabelAlignment = Alignment.UpperCenter;
        label.LabelFontSize = 14;
    }
    plot.Title($"Misclassified test digits (label → prediction): {wrong.Count} of {test.Count}");
    plot.HideAxesAndGrid();
    plot.Axes.Title.IsVisible = true;
    plot.Axes.SetLimits(-1, Columns * 10 - 1, -rows * 12, 1);
    plot.SavePng(path, Columns * 100, rows * 120 + 60);
}

// digits.csv.gz: one image per line, 64 pixel counts (0..16, row by row) and the digit.
static (Tensor Images, Tensor Labels) LoadDigits(string path)
{
    using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
    var pixels = new List<float>();
    var labels = new List<long>();
    while (reader.ReadLine() is { Length: > 0 } line)
    {
        var fields = line.Split(',');
        pixels.AddRange(fields[..64].Select(f => float.Parse(f, CultureInfo.InvariantCulture) / 16));
        labels.Add(long.Parse(fields[64], CultureInfo.InvariantCulture));
    }
    return (Torch.Tensor(pixels.ToArray()).View(labels.Count, 1, 8, 8), Torch.Tensor(labels.ToArray()));
}

// The example's Net, sized for 8x8 images: 3x3 convolutions padded to keep 8x8, one 2x2 max pool to 4x4.
sealed class Net : Module
{
    private readonly Conv2d conv1, conv2;
    private readonly Dropout dropout1, dropout2;
    private readonly Linear fc1, fc2;

    public Net()
    {
        conv1 = RegisterModule("conv1", new Conv2d(1, 16, 3, padding: 1));
        conv2 = RegisterModule("conv2", new Conv2d(16, 32, 3, padding: 1));
        dropout1 = RegisterModule("dropout1", new Dropout(0.25));
        dropout2 = RegisterModule("dropout2", new Dropout(0.5));
        fc1 = RegisterModule("fc1", new Linear(32 * 4 * 4, 64));
        fc2 = RegisterModule("fc2", new Linear(64, 10));
    }

    public override Tensor Forward(Tensor x)
    {
        x = conv1.Forward(x).Relu();
        x = conv2.Forward(x).Relu();
        x = Functional.MaxPool2d(x, 2);
        x = dropout1.Forward(x);
        x = x.Flatten(1);
        x = fc1.Forward(x).Relu();
        x = dropout2.Forward(x);
        x = fc2.Forward(x);
        return x.LogSoftmax(1);
    }
}
