"""The PyTorch model that nn/tests/derive.rs mirrors with #[derive(Module)]: its parameter and
buffer names (in order) and its printed module tree, which the test expects verbatim.

Run with torch installed:  python nn/tests/derive_pytorch.py
"""
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.act = nn.Tanh()
        self.register_buffer("running", torch.zeros(4))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(2, 4)
        self.blocks = nn.ModuleList([Block(), Block()])
        self.head = nn.Sequential(nn.Linear(4, 3, bias=False), nn.ReLU())
        self.extra = None  # Option<Linear> left empty
        self.scale = nn.Parameter(torch.ones(1))


net = Net()
print([n for n, _ in net.named_parameters()])
print([n for n, _ in net.named_buffers()])
print([n for n, _ in net.named_children()])
print(repr(net))
print(repr(Block()))
