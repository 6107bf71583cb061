"""Two moons, classified by a model of our own: the PyTorch twin of custom_model.rs (same data
recipe, model, optimizer, loop and evaluation; compared by line count, not run by CI).

Run with torch installed:  python nn/examples/custom_model.py
"""
import math

import torch
from torch import nn


def two_moons(n, noise):
    y = torch.arange(n) % 2
    # moon 1 is moon 0 turned over (s = -1) and moved by (1, 0.5)
    t, m = torch.rand(n) * math.pi, y.float()
    s = 1 - 2 * m
    x = torch.stack([m + s * t.cos(), s * t.sin() + 0.5 * m], 1)
    return x + noise * torch.randn(n, 2), y


class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.fc1 = nn.Linear(2, hidden)
        self.fc2 = nn.Linear(hidden, 2)

    def forward(self, x):
        h = self.fc1(x)
        return self.fc2(h * torch.sigmoid(h))  # swish


torch.manual_seed(0)
x_train, y_train = two_moons(1000, 0.1)
x_test, y_test = two_moons(500, 0.1)
model = Net(16)
print(model)
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(1, 31):
    model.train()
    total = 0.0
    for idx in torch.randperm(len(y_train)).split(32):
        loss = loss_fn(model(x_train[idx]), y_train[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(idx)
    if epoch % 5 == 0:
        print(f"epoch {epoch:2}: loss {total / len(y_train):.4f}")
model.eval()
with torch.no_grad():
    accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
print(f"test accuracy {accuracy:.4f}")
