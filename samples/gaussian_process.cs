#:project ../Autograd.Ops/Autograd.Ops.csproj
#:package ScottPlot@5.1.59
// Fits a Gaussian process's RBF kernel, k(x, x') = s² exp(-(x - x')² / 2ℓ²) plus noise σ² on the diagonal, to a small
// deterministic data set by Adam on the negative log marginal likelihood
//     0.5 |L⁻¹ y|² + Σ log diag L + n/2 log 2π,   L = cholesky(K),
// as a PyTorch script would (Torch.Linalg.Cholesky, a triangular solve through Torch.Linalg.Solve, the log-determinant
// from L's diagonal). Prints the fitted values next to PyTorch's for the same program (tools/gen_linalg_golden.py wrote
// them to gaussian_process.pytorch.json) and writes posterior.png, the posterior mean ± 2σ, into the folder given as
// the first argument (default: the current folder).
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Autograd;
using Autograd.Optim;
using ScottPlot;

const int N = 24, Steps = 300;
const double Lr = 0.05;
string outputDir = args.Length > 0 ? args[0] : Directory.GetCurrentDirectory();
Directory.CreateDirectory(outputDir);

double[] xs = [.. Enumerable.Range(0, N).Select(i => -3 + 6.0 * i / (N - 1))];
double[] ys = [.. xs.Select(v => Math.Sin(1.3 * v) + 0.3 * Math.Cos(4.1 * v + 0.5) * Math.Sin(2.7 * v))];
var x = Torch.Tensor(xs);
var y = Torch.Tensor(ys);
var eye = Identity(N);
var squaredDistances = (x.Unsqueeze(1) - x.Unsqueeze(0)).Pow(2);

var logLengthscale = Torch.Scalar(0, DType.Float64, requiresGrad: true);
var logSignal = Torch.Scalar(0, DType.Float64, requiresGrad: true);
var logNoise = Torch.Scalar(Math.Log(0.1), DType.Float64, requiresGrad: true);
var optimizer = new Adam([logLengthscale, logSignal, logNoise], lr: Lr);

for (int step = 0; step < Steps; step++)
{
    optimizer.ZeroGrad();
    var loss = NegativeLogMarginalLikelihood();
    loss.Backward();
    optimizer.Step();
    if (step % 50 == 0) Console.WriteLine(Invariant($"step {step,3}  nll {loss.Item<double>(),10:F6}"));
}

double finalNll;
using (Torch.NoGrad()) finalNll = NegativeLogMarginalLikelihood().Item<double>();
var fitted = (Lengthscale: logLengthscale.Exp().Item<double>(), Signal: logSignal.Exp().Item<double>(), Noise: logNoise.Exp().Item<double>(), Nll: finalNll);

using var reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(SourceDirectory(), "gaussian_process.pytorch.json")));
var torch = reference.RootElement;
Console.WriteLine();
Console.WriteLine("               lengthscale  signal variance  noise variance          nll");
Console.WriteLine(Row("AutogradMini", fitted.Lengthscale, fitted.Signal, fitted.Noise, fitted.Nll));
Console.WriteLine(Row("PyTorch 1.13", torch.GetProperty("lengthscale").GetDouble(), torch.GetProperty("signal_variance").GetDouble(),
    torch.GetProperty("noise_variance").GetDouble(), torch.GetProperty("nll").GetDouble()));

string picture = Path.Combine(outputDir, "posterior.png");
PlotPosterior(picture);
Console.WriteLine($"wrote {Path.GetFileName(picture)}");

Tensor Kernel(Tensor squared) =>
    logSignal.Exp() * (squared * -0.5 / (logLengthscale.Exp() * logLengthscale.Exp())).Exp();

Tensor NegativeLogMarginalLikelihood()
{
    var k = Kernel(squaredDistances) + logNoise.Exp() * eye;
    var chol = Torch.Linalg.Cholesky(k);
    var z = Torch.Linalg.Solve(chol, y);
    var halfLogDet = (chol * eye).Sum(1).Log().Sum();
    return (z * z).Sum() * 0.5 + halfLogDet + 0.5 * N * Math.Log(2 * Math.PI);
}

// The posterior at test points t: mean K_t· K⁻¹ y and variance s² - |L⁻¹ K_·t|² per point (without the noise).
void PlotPosterior(string path)
{
    const int Points = 161;
    double[] grid = [.. Enumerable.Range(0, Points).Select(i => -4 + 8.0 * i / (Points - 1))];
    double[] mean, deviation;
    using (Torch.NoGrad())
    {
        var t = Torch.Tensor(grid);
        var chol = Torch.Linalg.Cholesky(Kernel(squaredDistances) + logNoise.Exp() * eye);
        var crossKernel = Kernel((x.Unsqueeze(1) - t.Unsqueeze(0)).Pow(2));           // (N, Points)
        var v = Torch.Linalg.Solve(chol, crossKernel);
        var alpha = Torch.Linalg.Solve(chol.T(), Torch.Linalg.Solve(chol, y));
        mean = crossKernel.T().MatMul(alpha).ToArray<double>();
        var variance = (logSignal.Exp() - (v * v).Sum(0)).ToArray<double>();
        deviation = [.. variance.Select(s => Math.Sqrt(Math.Max(s, 0)))];
    }
    var plot = new Plot();
    var band = plot.Add.FillY(grid, [.. mean.Select((m, i) => m + 2 * deviation[i])], [.. mean.Select((m, i) => m - 2 * deviation[i])]);
    band.FillColor = Colors.SteelBlue.WithAlpha(0.3);
    band.LegendText = "mean ± 2σ";
    var line = plot.Add.ScatterLine(grid, mean);
    line.LegendText = "posterior mean";
    var data = plot.Add.ScatterPoints(xs, ys);
    data.LegendText = "data";
    plot.Title(Invariant($"GP posterior: lengthscale {fitted.Lengthscale:F3}, signal variance {fitted.Signal:F3}, noise variance {fitted.Noise:F4}"));
    plot.ShowLegend();
    plot.SavePng(path, 800, 500);
}

static Tensor Identity(int n) => Torch.Tensor([.. Enumerable.Range(0, n * n).Select(i => i / n == i % n ? 1.0 : 0.0)]).Reshape(n, n);

static string Row(string name, double lengthscale, double signal, double noise, double nll) =>
    Invariant($"{name,-12}   {lengthscale,11:F6}  {signal,15:F6}  {noise,14:F6}  {nll,11:F6}");

static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
