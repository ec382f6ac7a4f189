import torch
from common import seed_torch, softmax

seed_torch(1234)
x = torch.rand(4, 7, requires_grad=True)
print(torch.softmax(x, dim=-1))
print(softmax(x, dim=-1))
