"""Shared helpers of the seed programs (SEED.md), as the original write-up defines them."""
import random

import numpy as np
import torch


def seed_torch(seed=1234):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def softmax(x, dim=1):
    x = x - torch.max(x, dim=dim)[0].unsqueeze(dim=dim)  # avoid overflow
    return torch.exp(x) / torch.sum(torch.exp(x), dim=dim).unsqueeze(dim=dim)
