"""Two moons, classified by a model of our own: the PyTorch twin of custom_model.rs (same data
recipe, model, optimizer, loop and evaluation; compared by line count, not run by CI).

Run with torch and scikit-learn installed:  python nn/examples/custom_model.py
"""
import torch
from sklearn.datasets import make_moons
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def two_moons(n, noise, seed):
    x, y = make_moons(n, noise=noise, random_state=seed)
    return TensorDataset(torch.tensor(x, dtype=torch.float32), torch.tensor(y))


class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.fc1 = nn.Linear(2, hidden)
        self.fc2 = nn.Linear(hidden, 2)

    def forward(self, x):
        h = self.fc1(x)
        return self.fc2(h * torch.sigmoid(h))  # swish


train, test = two_moons(1000, 0.1, 0), two_moons(500, 0.1, 1)
loader = DataLoader(train, batch_size=32, shuffle=True)
torch.manual_seed(0)
model = Net(16)
print(model)
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(1, 31):
    model.train()
    total = 0.0
    for x, y in loader:
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(y)
    if epoch % 5 == 0:
        print(f"epoch {epoch:2}: loss {total / len(train):.4f}")
model.eval()
with torch.no_grad():
    x_test, y_test = test.tensors
    accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
print(f"test accuracy {accuracy:.4f}")
