#:project ../Autograd.Ops/Autograd.Ops.csproj
// A model trained in PyTorch, run and fine-tuned here, then handed back to PyTorch. samples/data/mlp_state_dict.pt is
// the state_dict of nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)) saved by torch.save after training in
// PyTorch (tools/gen_formats_golden.py); samples/data/mlp_check.pt holds inputs and PyTorch's outputs for them.
// Writes mlp_finetuned.pt ({'state_dict', 'inputs', 'outputs'}) into the folder given as the first argument (default:
// the current folder); `python3 tools/check_torch_files.py FOLDER` loads it into the torch model and compares outputs.
using Autograd;
using Autograd.NN;
using Autograd.Optim;

string data = Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? "samples", "data");
string outputDir = args.Length > 0 ? args[0] : Directory.GetCurrentDirectory();
Directory.CreateDirectory(outputDir);

var model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3));
var stateDict = Torch.Load<Dictionary<string, Tensor>>(Path.Combine(data, "mlp_state_dict.pt"));
// PyTorch's names ("0.weight", "2.bias") are the module's parameter names: copy each tensor into its parameter.
using (Torch.NoGrad())
{
    foreach (var (name, parameter) in model.NamedParameters()) parameter.Copy_(stateDict[name]);
}
Console.WriteLine(model);
Console.WriteLine($"loaded {string.Join(", ", stateDict.Select(p => $"{p.Key} [{string.Join(", ", p.Value.Shape)}]"))}");

var check = Torch.Load<Dictionary<string, Tensor>>(Path.Combine(data, "mlp_check.pt"));
Tensor outputs;
using (Torch.NoGrad()) outputs = model.Forward(check["inputs"]);
Console.WriteLine($"outputs here:\n{outputs}");
Console.WriteLine($"outputs in PyTorch:\n{check["outputs"]}");
Console.WriteLine($"largest difference: {(outputs - check["outputs"]).Abs().Max().Item<double>():G3}");

// Fine-tune on the check inputs, labelled by PyTorch's predictions, then save for PyTorch.
var labels = check["outputs"].Argmax(1);
var optimizer = new SGD(model.Parameters(), lr: 0.1);
for (int step = 0; step < 20; step++)
{
    optimizer.ZeroGrad();
    Functional.CrossEntropy(model.Forward(check["inputs"]), labels).Backward();
    optimizer.Step();
}
using (Torch.NoGrad()) outputs = model.Forward(check["inputs"]);
var saved = new OrderedDictionary<string, Tensor>();
foreach (var (name, parameter) in model.NamedParameters()) saved[name] = parameter.Detach();
string path = Path.Combine(outputDir, "mlp_finetuned.pt");
Torch.Save(new Dictionary<string, object> { ["state_dict"] = saved, ["inputs"] = check["inputs"], ["outputs"] = outputs }, path);
Console.WriteLine($"fine-tuned outputs:\n{outputs}");
Console.WriteLine($"saved {Path.GetFileName(path)}: load it with torch.load(path, weights_only=True)");
