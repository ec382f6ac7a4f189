import torch
from common import seed_torch, softmax

seed_torch(1234)
x = torch.rand(4, 7, requires_grad=True)
y = torch.LongTensor([1, 3, 5, 0])
criterion = torch.nn.CrossEntropyLoss()
print(criterion(x, y))
gt = torch.zeros(4, 7).scatter(1, y.view(4, 1), 1)
loss = -(torch.log(softmax(x, dim=-1)) * gt).sum() / 4
print(loss)
