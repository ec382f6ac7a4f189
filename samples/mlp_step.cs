#:project ../Autograd.Ops/Autograd.Ops.csproj
// A user's file-based script (dotnet run samples/mlp_step.cs): one SGD step of a 784-256-10 ReLU network on a batch of
// 128, timed in the script as bench/SideBySide times the same step in its app (1 s warm-up, then the median of 11
// batches of about 40 ms). bench/SideBySide runs it for the "file-based script" row of its table.
using System.Diagnostics;
using System.Globalization;
using Autograd;
using Autograd.NN;
using Autograd.Optim;

Torch.ManualSeed(1234);
var images = Torch.Rand(128, 784);
var random = new Random(5);
var labels = Torch.Tensor(Enumerable.Range(0, 128).Select(_ => (long)random.Next(10)).ToArray());
var model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10));
var optimizer = new SGD(model.Parameters(), lr: 0.01);

void Step()
{
    optimizer.ZeroGrad();
    Functional.CrossEntropy(model.Forward(images), labels).Backward();
    optimizer.Step();
}

var clock = Stopwatch.StartNew();
int iterations = 0;
while (clock.Elapsed.TotalSeconds < 1 || iterations < 50) { Step(); iterations++; }
int batch = Math.Max(1, (int)(iterations * 0.040 / clock.Elapsed.TotalSeconds));
var times = new double[11];
for (int s = 0; s < times.Length; s++)
{
    long start = Stopwatch.GetTimestamp();
    for (int i = 0; i < batch; i++) Step();
    times[s] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / batch;
}
Array.Sort(times);
Console.WriteLine($"median µs per step: {times[times.Length / 2].ToString("F1", CultureInfo.InvariantCulture)}");
