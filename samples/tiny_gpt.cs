#:project ../Autograd.Ops/Autograd.Ops.csproj
#:package ScottPlot@5.1.59
// A character-level GPT as in Andrej Karpathy's "Let's build GPT: from scratch, in code, spelled out" (gpt.py), trained
// on Jane Austen's "Pride and Prejudice" (public domain; samples/data/pride_and_prejudice.txt.gz): token and position
// embeddings, blocks of causal self-attention heads (a Tril mask, MaskedFill with -inf, Softmax) and a GELU MLP (GPT-2's
// tanh approximation), each with a pre-LayerNorm and a residual connection, Dropout, AdamW. Prints the train and
// validation loss every --eval-interval steps and a generated sample, and writes loss.png into the folder given as the
// first argument (default: the current folder). The configuration is small, to train in under a minute on two cores.
// tools/seed_programs/tiny_gpt.py is the same program in PyTorch: both print the same losses (up to float rounding)
// and the same generated text.
//
//   dotnet run samples/tiny_gpt.cs [output-folder] [--steps N] [--eval-interval N]
using System.Globalization;
using System.IO.Compression;
using Autograd;
using Autograd.NN;
using Autograd.Optim;
using ScottPlot;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
// Hyperparameters (gpt.py's names; its own run uses 64, 256, 384, 6, 6, 0.2, 3e-4 and 5000 steps on a GPU).
const int BatchSize = 16, BlockSize = 32, NEmbd = 64, NHead = 4, NLayer = 2, EvalIters = 10;
const double DropoutRate = 0.1, LearningRate = 3e-3;
int maxIters = 500, evalInterval = 100;
string outputDir = Directory.GetCurrentDirectory();
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--steps") maxIters = int.Parse(args[++i]);
    else if (args[i] == "--eval-interval") evalInterval = int.Parse(args[++i]);
    else outputDir = args[i];
}
Directory.CreateDirectory(outputDir);

Torch.ManualSeed(1337);
string dataDir = Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? "samples", "data");
string text;
using (var reader = new StreamReader(new GZipStream(File.OpenRead(Path.Combine(dataDir, "pride_and_prejudice.txt.gz")), CompressionMode.Decompress)))
    text = reader.ReadToEnd();

// The vocabulary: every character of the text; encode maps a string to integers, decode back.
char[] chars = [.. text.Distinct().Order()];
int vocabSize = chars.Length;
var stoi = chars.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => (long)p.i);
long[] Encode(string s) => [.. s.Select(c => stoi[c])];
string Decode(IEnumerable<long> ids) => string.Concat(ids.Select(i => chars[i]));
Console.WriteLine($"{text.Length:N0} characters, vocabulary of {vocabSize}: {Decode(Enumerable.Range(0, vocabSize).Select(i => (long)i)).Replace("\n", "\\n")}");

// Train and validation splits: the first 90% of the text, and the rest.
var data = Torch.Tensor(Encode(text));
int n = (int)(0.9 * data.Size(0));
var trainData = data[..n];
var valData = data[n..];

// A batch of inputs x and targets y: BatchSize random chunks of BlockSize characters, y shifted by one.
(Tensor X, Tensor Y) GetBatch(string split)
{
    var source = split == "train" ? trainData : valData;
    var ix = Torch.Randint(source.Size(0) - BlockSize, [BatchSize]).ToArray<long>();
    var x = Torch.Stack([.. ix.Select(i => source[(int)i..((int)i + BlockSize)])]);
    var y = Torch.Stack([.. ix.Select(i => source[((int)i + 1)..((int)i + BlockSize + 1)])]);
    return (x, y);
}

var model = new GPTLanguageModel(vocabSize, NEmbd, BlockSize, NHead, NLayer, DropoutRate);
Console.WriteLine($"{model.Parameters().Sum(p => p.Numel()) / 1e6:F3} M parameters");
var optimizer = new AdamW(model.Parameters(), lr: LearningRate);

// The mean loss over EvalIters batches of each split, in eval mode (no dropout) and without a graph.
(double Train, double Val) EstimateLoss()
{
    model.Eval();
    var mean = new double[2];
    using (Torch.NoGrad())
    {
        foreach (var (split, k) in new[] { ("train", 0), ("val", 1) })
        {
            for (int i = 0; i < EvalIters; i++)
            {
                var (x, y) = GetBatch(split);
                mean[k] += model.Loss(model.Forward(x), y).Item<double>() / EvalIters;
            }
        }
    }
    model.Train();
    return (mean[0], mean[1]);
}

var stopwatch = System.Diagnostics.Stopwatch.StartNew();
var steps = new List<double>();
var trainLosses = new List<double>();
var valLosses = new List<double>();
var batchLosses = new double[maxIters];
for (int iter = 0; iter < maxIters; iter++)
{
    if (iter % evalInterval == 0)
    {
        var (train, val) = EstimateLoss();
        Console.WriteLine($"step {iter}: train loss {train:F4}, val loss {val:F4}");
        steps.Add(iter);
        trainLosses.Add(train);
        valLosses.Add(val);
    }
    var (xb, yb) = GetBatch("train");
    var loss = model.Loss(model.Forward(xb), yb);
    optimizer.ZeroGrad();
    loss.Backward();
    optimizer.Step();
    batchLosses[iter] = loss.Item<double>();
}
var (finalTrain, finalVal) = EstimateLoss();
Console.WriteLine($"step {maxIters}: train loss {finalTrain:F4}, val loss {finalVal:F4}");
steps.Add(maxIters);
trainLosses.Add(finalTrain);
valLosses.Add(finalVal);
Console.WriteLine($"trained {maxIters} steps in {stopwatch.Elapsed.TotalSeconds:F1} s");

// Generate from index 0 (the newline), sampling each next character with Multinomial from its own generator.
model.Eval();
var sampler = new Generator(42);
Tensor generated;
using (Torch.NoGrad()) generated = model.Generate(Torch.Zeros([1, 1], DType.Int64), maxNewTokens: 300, sampler);
Console.WriteLine("--- sample ---");
Console.WriteLine(Decode(generated[0].ToArray<long>()));
Console.WriteLine("--------------");

var plot = new Plot();
var batchLine = plot.Add.Signal(batchLosses);
batchLine.LegendText = "training batch";
batchLine.Color = Colors.Gray.WithAlpha(0.5);
var trainLine = plot.Add.Scatter(steps.ToArray(), trainLosses.ToArray());
trainLine.LegendText = "train (estimate)";
var valLine = plot.Add.Scatter(steps.ToArray(), valLosses.ToArray());
valLine.LegendText = "val (estimate)";
plot.Title("Tiny GPT on Pride and Prejudice");
plot.XLabel("step");
plot.YLabel("cross-entropy loss (nats per character)");
plot.ShowLegend(Alignment.UpperRight);
plot.SavePng(Path.Combine(outputDir, "loss.png"), 800, 500);
Console.WriteLine("loss curve written to loss.png");

/// <summary>One head of causal self-attention: each position attends to itself and the positions before it.</summary>
sealed class Head : Module
{
    private readonly Linear key, query, value;
    private readonly Dropout dropout;

    public Head(int nEmbd, int headSize, int blockSize, double dropoutP)
    {
        key = RegisterModule("key", new Linear(nEmbd, headSize, bias: false));
        query = RegisterModule("query", new Linear(nEmbd, headSize, bias: false));
        value = RegisterModule("value", new Linear(nEmbd, headSize, bias: false));
        RegisterBuffer("tril", Torch.Ones(blockSize, blockSize).Tril());
        dropout = RegisterModule("dropout", new Dropout(dropoutP));
    }

    public override Tensor Forward(Tensor x)
    {
        int t = x.Size(1);
        var k = key.Forward(x);                                                   // (B, T, hs)
        var q = query.Forward(x);                                                 // (B, T, hs)
        var wei = q.MatMul(k.Transpose(-2, -1)) * Math.Pow(k.Size(-1), -0.5);    // (B, T, T) affinities
        wei = wei.MaskedFill(OwnBuffer("tril")![..t, ..t].Eq(0), double.NegativeInfinity);
        wei = dropout.Forward(wei.Softmax(-1));
        return wei.MatMul(value.Forward(x));                                      // (B, T, hs)
    }
}

/// <summary>Several heads in parallel, their outputs concatenated and projected back to the embedding size.</summary>
sealed class MultiHeadAttention : Module
{
    private readonly ModuleList heads;
    private readonly Linear proj;
    private readonly Dropout dropout;

    public MultiHeadAttention(int numHeads, int headSize, int nEmbd, int blockSize, double dropoutP)
    {
        heads = RegisterModule("heads", new ModuleList(Enumerable.Range(0, numHeads).Select(_ => (Module)new Head(nEmbd, headSize, blockSize, dropoutP))));
        proj = RegisterModule("proj", new Linear(headSize * numHeads, nEmbd));
        dropout = RegisterModule("dropout", new Dropout(dropoutP));
    }

    public override Tensor Forward(Tensor x) =>
        dropout.Forward(proj.Forward(Torch.Cat([.. heads.Select(h => h.Forward(x))], dim: -1)));
}

/// <summary>The per-position MLP: expand 4x, GELU (the tanh approximation, as GPT-2's), project back.</summary>
sealed class FeedForward : Module
{
    private readonly Sequential net;

    public FeedForward(int nEmbd, double dropoutP) =>
        net = RegisterModule("net", new Sequential(new Linear(nEmbd, 4 * nEmbd), new GELU(approximate: "tanh"), new Linear(4 * nEmbd, nEmbd), new Dropout(dropoutP)));

    public override Tensor Forward(Tensor x) => net.Forward(x);
}

/// <summary>A transformer block: communication (attention) then computation (MLP), each pre-normed and residual.</summary>
sealed class Block : Module
{
    private readonly MultiHeadAttention sa;
    private readonly FeedForward ffwd;
    private readonly LayerNorm ln1, ln2;

    public Block(int nEmbd, int nHead, int blockSize, double dropoutP)
    {
        sa = RegisterModule("sa", new MultiHeadAttention(nHead, nEmbd / nHead, nEmbd, blockSize, dropoutP));
        ffwd = RegisterModule("ffwd", new FeedForward(nEmbd, dropoutP));
        ln1 = RegisterModule("ln1", new LayerNorm(nEmbd));
        ln2 = RegisterModule("ln2", new LayerNorm(nEmbd));
    }

    public override Tensor Forward(Tensor x)
    {
        x = x + sa.Forward(ln1.Forward(x));
        return x + ffwd.Forward(ln2.Forward(x));
    }
}

/// <summary>The model: embeddings, blocks, a final LayerNorm and the language-model head giving next-character logits.</summary>
sealed class GPTLanguageModel : Module
{
    private readonly Embedding tokenEmbeddingTable, positionEmbeddingTable;
    private readonly Sequential blocks;
    private readonly LayerNorm lnF;
    private readonly Linear lmHead;
    private readonly int blockSize;

    public GPTLanguageModel(int vocabSize, int nEmbd, int blockSize, int nHead, int nLayer, double dropoutP)
    {
        this.blockSize = blockSize;
        tokenEmbeddingTable = RegisterModule("token_embedding_table", new Embedding(vocabSize, nEmbd));
        positionEmbeddingTable = RegisterModule("position_embedding_table", new Embedding(blockSize, nEmbd));
        blocks = RegisterModule("blocks", new Sequential([.. Enumerable.Range(0, nLayer).Select(_ => (Module)new Block(nEmbd, nHead, blockSize, dropoutP))]));
        lnF = RegisterModule("ln_f", new LayerNorm(nEmbd));
        lmHead = RegisterModule("lm_head", new Linear(nEmbd, vocabSize));
    }

    /// <summary>Logits (B, T, vocab) for a batch of index sequences (B, T).</summary>
    public override Tensor Forward(Tensor idx)
    {
        int t = idx.Size(1);
        var tokEmb = tokenEmbeddingTable.Forward(idx);                       // (B, T, C)
        var posEmb = positionEmbeddingTable.Forward(Torch.Arange(t));        // (T, C)
        var x = blocks.Forward(tokEmb + posEmb);
        return lmHead.Forward(lnF.Forward(x));
    }

    /// <summary>The mean cross-entropy of the logits against the next characters.</summary>
    public Tensor Loss(Tensor logits, Tensor targets)
    {
        int b = logits.Size(0), t = logits.Size(1), c = logits.Size(2);
        return Functional.CrossEntropy(logits.View(b * t, c), targets.View(b * t));
    }

    /// <summary>Extends (B, T) indices by maxNewTokens characters, each drawn from the softmax of the last logits.</summary>
    public Tensor Generate(Tensor idx, int maxNewTokens, Generator generator)
    {
        for (int i = 0; i < maxNewTokens; i++)
        {
            var idxCond = idx[.., Math.Max(0, idx.Size(1) - blockSize)..];   // the last BlockSize tokens
            var logits = Forward(idxCond)[.., ^1, ..];                        // (B, C): the last time step
            var probs = logits.Softmax(-1);
            var idxNext = probs.Multinomial(1, generator: generator);        // (B, 1)
            idx = Torch.Cat([idx, idxNext], dim: 1);                          // (B, T + 1)
        }
        return idx;
    }
}
