# PyTorch's twin of samples/tiny_gpt.cs (Karpathy's gpt.py from "Let's build GPT", with the sample's small
# configuration, PyTorch's default initialization and GPT-2's tanh GELU): the same seed, batches, initial weights,
# dropout masks, AdamW updates and Multinomial draws, so the C# sample prints these lines up to float rounding.
# Takes the sample's --steps and --eval-interval.
import argparse
import gzip
import pathlib
import time

import torch
import torch.nn as nn
from torch.nn import functional as F

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=500)
parser.add_argument("--eval-interval", type=int, default=100)
args = parser.parse_args()
batch_size, block_size, n_embd, n_head, n_layer, eval_iters = 16, 32, 64, 4, 2, 10
dropout, learning_rate = 0.1, 3e-3
max_iters, eval_interval = args.steps, args.eval_interval

torch.manual_seed(1337)
path = pathlib.Path(__file__).resolve().parents[2] / "samples" / "data" / "pride_and_prejudice.txt.gz"
text = gzip.open(path, "rt", encoding="utf-8").read()
chars = sorted(set(text))
vocab_size = len(chars)
stoi = {ch: i for i, ch in enumerate(chars)}
itos = {i: ch for i, ch in enumerate(chars)}
encode = lambda s: [stoi[c] for c in s]
decode = lambda l: "".join(itos[i] for i in l)
print(f"{len(text):,} characters, vocabulary of {vocab_size}: {''.join(chars)!s}".replace("\n", "\\n"))

data = torch.tensor(encode(text), dtype=torch.long)
n = int(0.9 * len(data))
train_data, val_data = data[:n], data[n:]


def get_batch(split):
    source = train_data if split == "train" else val_data
    ix = torch.randint(len(source) - block_size, (batch_size,))
    x = torch.stack([source[i:i + block_size] for i in ix])
    y = torch.stack([source[i + 1:i + block_size + 1] for i in ix])
    return x, y


class Head(nn.Module):
    def __init__(self, head_size):
        super().__init__()
        self.key = nn.Linear(n_embd, head_size, bias=False)
        self.query = nn.Linear(n_embd, head_size, bias=False)
        self.value = nn.Linear(n_embd, head_size, bias=False)
        self.register_buffer("tril", torch.tril(torch.ones(block_size, block_size)))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        B, T, C = x.shape
        k = self.key(x)
        q = self.query(x)
        wei = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5
        wei = wei.masked_fill(self.tril[:T, :T] == 0, float("-inf"))
        wei = self.dropout(F.softmax(wei, dim=-1))
        return wei @ self.value(x)


class MultiHeadAttention(nn.Module):
    def __init__(self, num_heads, head_size):
        super().__init__()
        self.heads = nn.ModuleList([Head(head_size) for _ in range(num_heads)])
        self.proj = nn.Linear(head_size * num_heads, n_embd)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout(self.proj(torch.cat([h(x) for h in self.heads], dim=-1)))


class FeedForward(nn.Module):
    def __init__(self, n_embd):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(approximate="tanh"),
                                 nn.Linear(4 * n_embd, n_embd), nn.Dropout(dropout))

    def forward(self, x):
        return self.net(x)


class Block(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.sa = MultiHeadAttention(n_head, n_embd // n_head)
        self.ffwd = FeedForward(n_embd)
        self.ln1 = nn.LayerNorm(n_embd)
        self.ln2 = nn.LayerNorm(n_embd)

    def forward(self, x):
        x = x + self.sa(self.ln1(x))
        return x + self.ffwd(self.ln2(x))


class GPTLanguageModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.token_embedding_table = nn.Embedding(vocab_size, n_embd)
        self.position_embedding_table = nn.Embedding(block_size, n_embd)
        self.blocks = nn.Sequential(*[Block(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size)

    def forward(self, idx):
        B, T = idx.shape
        x = self.token_embedding_table(idx) + self.position_embedding_table(torch.arange(T))
        return self.lm_head(self.ln_f(self.blocks(x)))

    def loss(self, logits, targets):
        B, T, C = logits.shape
        return F.cross_entropy(logits.view(B * T, C), targets.view(B * T))

    def generate(self, idx, max_new_tokens, generator):
        for _ in range(max_new_tokens):
            logits = self(idx[:, -block_size:])[:, -1, :]
            probs = F.softmax(logits, dim=-1)
            idx = torch.cat((idx, torch.multinomial(probs, num_samples=1, generator=generator)), dim=1)
        return idx


model = GPTLanguageModel()
print(f"{sum(p.numel() for p in model.parameters()) / 1e6:.3f} M parameters")
optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)


@torch.no_grad()
def estimate_loss():
    model.eval()
    out = []
    for split in ["train", "val"]:
        total = 0.0
        for _ in range(eval_iters):
            x, y = get_batch(split)
            total += model.loss(model(x), y).item() / eval_iters
        out.append(total)
    model.train()
    return out


start = time.perf_counter()
for it in range(max_iters):
    if it % eval_interval == 0:
        train_loss, val_loss = estimate_loss()
        print(f"step {it}: train loss {train_loss:.4f}, val loss {val_loss:.4f}")
    xb, yb = get_batch("train")
    loss = model.loss(model(xb), yb)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
train_loss, val_loss = estimate_loss()
print(f"step {max_iters}: train loss {train_loss:.4f}, val loss {val_loss:.4f}")
print(f"trained {max_iters} steps in {time.perf_counter() - start:.1f} s")

model.eval()
with torch.no_grad():
    generated = model.generate(torch.zeros((1, 1), dtype=torch.long), 300, torch.Generator().manual_seed(42))
print("--- sample ---")
print(decode(generated[0].tolist()))
print("--------------")
print("loss curve written to loss.png")
