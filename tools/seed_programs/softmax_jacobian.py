import torch
from torch.autograd.functional import hessian, jacobian
from common import seed_torch

seed_torch(1234)
x = torch.rand(4, 7)
y = torch.LongTensor([1, 3, 5, 0])

row = x[0]
Y = torch.softmax(row, dim=0)
J = jacobian(lambda r: torch.softmax(r, dim=0), row)
print('softmax of row 0:', Y)
print('Jacobian of softmax:', J)
derived = torch.diag(Y) - Y.view(7, 1) @ Y.view(1, 7)
print('equals diag(Y) - Y^T Y:', torch.allclose(J, derived, rtol=0, atol=1e-7))


def loss_of_row(r):
    # The seed's loss with row 0 of x replaced by r.
    x_with_r = x.scatter(0, torch.zeros(1, 7, dtype=torch.long), r.view(1, 7))
    return torch.nn.CrossEntropyLoss()(x_with_r, y)


H = hessian(loss_of_row, row)
print('Hessian of the loss with respect to row 0:', H)
print('equals (diag(Y) - Y^T Y) / 4:', torch.allclose(H, derived / 4, rtol=0, atol=1e-7))
