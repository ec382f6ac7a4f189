# PyTorch's twin of samples/digits_cnn.cs (examples/mnist's Net, training loop and printout on the UCI 8x8 digits):
# the same seed, split, loader order, initial weights, dropout masks and updates, so the C# sample prints these lines
# up to float rounding (SamplesTests compares them).
import gzip
import pathlib
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, random_split

torch.set_num_threads(1)
epochs, batch_size, test_batch_size, log_interval = 14, 64, 1000, 5

torch.manual_seed(1)
path = pathlib.Path(__file__).resolve().parents[2] / "samples" / "data" / "digits.csv.gz"
rows = [line.split(",") for line in gzip.open(path, "rt").read().splitlines() if line]
images = torch.tensor([[float(v) for v in r[:64]] for r in rows]).div(16).view(-1, 1, 8, 8)
labels = torch.tensor([int(r[64]) for r in rows])
train, test = random_split(TensorDataset(images, labels), [0.8, 0.2], generator=torch.Generator().manual_seed(42))
print(f"{len(images)} digits: {len(train)} for training, {len(test)} for testing")

train_images = images[torch.tensor(train.indices)]
mean, std = train_images.mean().item(), train_images.std().item()
print(f"normalizing with the training images' mean {mean:.4f} and std {std:.4f}")

train_loader = DataLoader(train, batch_size=batch_size, shuffle=True)
test_loader = DataLoader(test, batch_size=test_batch_size)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(32 * 4 * 4, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


model = Net()
print(model)
optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.8)
start = time.perf_counter()
for epoch in range(1, epochs + 1):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        optimizer.zero_grad()
        output = model((data - mean) / std)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % log_interval == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * batch_size}/{len(train)} "
                  f"({100. * batch_idx / len(train_loader):.0f}%)]\tLoss: {loss.item():.6f}")
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for data, target in test_loader:
            output = model((data - mean) / std)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            correct += output.argmax(1).eq(target).sum().item()
    test_loss /= len(test)
    print(f"\nTest set: Average loss: {test_loss:.4f}, Accuracy: {correct}/{len(test)} ({100. * correct / len(test):.1f}%)\n")
    scheduler.step()
print(f"trained {epochs} epochs in {time.perf_counter() - start:.1f} s")
print(f"{len(test) - correct} misclassified test digits drawn in misclassified.png")
