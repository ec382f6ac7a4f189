import torch
from common import seed_torch, softmax

seed_torch(1234)
x = torch.rand(4, 7)
x1 = x.clone()
x2 = x.clone()
x1.requires_grad = True
x2.requires_grad = True
y = torch.LongTensor([1, 3, 5, 0])
criterion = torch.nn.CrossEntropyLoss()
out = criterion(x1, y)
out.backward()
print('library loss:', out, 'grad:', x1.grad)

gt = torch.zeros(4, 7).scatter(1, y.view(4, 1), 1)
loss = -(torch.log(softmax(x2, dim=-1)) * gt).sum() / 4
loss.backward()
print('manual loss:', loss, 'grad:', x2.grad)

eta = (torch.softmax(x, dim=-1) - gt) / 4
print('direct grad:', eta)
