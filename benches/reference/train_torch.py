"""PyTorch reference for train-bench: the same model, data, loop and RESULT line.

--model mlp: 784-hidden-10 MLP, sigmoid (or tanh/relu) hidden layer, log_softmax + nll_loss,
plain SGD. --model cnn: the mnist-cnn lab's network (conv 3x3 32 -> BN -> ReLU -> max-pool 2,
conv 3x3 64 -> BN -> ReLU -> max-pool 2, Linear 3136 -> 128 -> ReLU -> dropout 0.25 -> Linear 10),
cross_entropy, Adam lr 1e-3. Data in memory as float32 in [0, 1], shuffled each epoch. Epochs
alternate with a pass of the same matrix products alone (the "gemm floor", for the CNN its
convolutions as im2col products and its linear layers), as in train-bench.

    python train_torch.py --epochs 3 --batch-size 64 --threads 1 --data-dir DIR
    python train_torch.py --model cnn --epochs 2 --threads 2 --data-dir DIR
"""
import argparse
import gzip
import os
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F


def load_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist(d):
    x = load_idx(os.path.join(d, "train-images-idx3-ubyte.gz")).reshape(-1, 784)
    y = load_idx(os.path.join(d, "train-labels-idx1-ubyte.gz"))
    xt = load_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784)
    yt = load_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz"))
    f = lambda a: (a.astype(np.float32) / 255.0)
    return f(x), y.astype(np.int64), f(xt), yt.astype(np.int64)


def cnn():
    return torch.nn.Sequential(
        torch.nn.Unflatten(1, (1, 28, 28)),
        torch.nn.Conv2d(1, 32, 3, padding=1), torch.nn.BatchNorm2d(32), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.BatchNorm2d(64), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(3136, 128), torch.nn.ReLU(), torch.nn.Dropout(0.25),
        torch.nn.Linear(128, 10),
    )


def cnn_floor(n):
    """The CNN step's products (as train-bench's CnnGemmFloor): (out, a, b) with out = a @ b."""
    f = lambda *s: torch.full(s, 1e-3)
    p1, p2 = n * 784, n * 196
    return [
        (torch.empty(32, p1), f(32, 9), f(9, p1)),
        (torch.empty(32, 9), f(32, p1), f(p1, 9).t().contiguous().t()),
        (torch.empty(64, p2), f(64, 288), f(288, p2)),
        (torch.empty(64, 288), f(64, p2), f(288, p2).t()),
        (torch.empty(288, p2), f(64, 288).t(), f(64, p2)),
        (torch.empty(n, 128), f(n, 3136), f(128, 3136).t()),
        (torch.empty(128, 3136), f(n, 128).t(), f(n, 3136)),
        (torch.empty(n, 3136), f(n, 128), f(128, 3136)),
        (torch.empty(n, 10), f(n, 128), f(10, 128).t()),
        (torch.empty(10, 128), f(n, 10).t(), f(n, 128)),
        (torch.empty(n, 128), f(n, 10), f(10, 128)),
    ]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="mlp", choices=["mlp", "cnn"])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--activation", default="sigmoid", choices=["sigmoid", "tanh", "relu"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--lr", type=float, default=None, help="SGD's (MLP, 0.1) or Adam's (CNN, 1e-3)")
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", default=os.environ.get("MNIST_DIR", "data/mnist"))
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x, y, xt, yt = load_mnist(a.data_dir)
    x, y, xt, yt = map(torch.from_numpy, (x, y, xt, yt))
    act = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[a.activation]
    if a.model == "mlp":
        model = torch.nn.Sequential(
            torch.nn.Linear(784, a.hidden), act(), torch.nn.Linear(a.hidden, 10), torch.nn.LogSoftmax(dim=1)
        )
        opt = torch.optim.SGD(model.parameters(), lr=a.lr or 0.1)
        loss_fn = F.nll_loss
    else:
        model = cnn()
        opt = torch.optim.Adam(model.parameters(), lr=a.lr or 1e-3)
        loss_fn = F.cross_entropy
        floor = cnn_floor(a.batch_size)
    n = x.shape[0]
    nb = (n + a.batch_size - 1) // a.batch_size
    steps = min(a.steps or nb, nb)
    # The floor: the step's five products on preallocated outputs.
    w1, w2 = torch.full((a.hidden, 784), 1e-3), torch.full((10, a.hidden), 1e-3)
    dw1, dw2 = torch.empty(a.hidden, 784), torch.empty(10, a.hidden)
    gen = np.random.default_rng(a.seed)
    epoch_s, floor_s, step_us = [], [], []
    for epoch in range(a.epochs):
        order = torch.from_numpy(gen.permutation(n))
        batches = [order[i * a.batch_size:(i + 1) * a.batch_size] for i in range(steps)]
        loss_sum, start = 0.0, time.perf_counter()
        for idx in batches:
            t = time.perf_counter()
            xb, yb = x[idx], y[idx]
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item()
            step_us.append((time.perf_counter() - t) * 1e6)
        epoch_s.append(time.perf_counter() - start)
        xs = [x[idx] for idx in batches]
        start = time.perf_counter()
        for xb in xs:
            if a.model == "cnn":
                for out, l, r in floor:
                    torch.mm(l, r, out=out)
                continue
            h = torch.mm(xb, w1.t())
            z = torch.mm(h, w2.t())
            torch.mm(z.t(), h, out=dw2)
            dh = torch.mm(z, w2)
            torch.mm(dh.t(), xb, out=dw1)
        floor_s.append(time.perf_counter() - start)
        print(f"epoch {epoch + 1}: {epoch_s[-1]:.3f} s ({steps} steps, mean loss {loss_sum / steps:.4f}); gemm floor {floor_s[-1]:.3f} s")
    model.eval()
    with torch.no_grad():
        acc = torch.cat([model(xt[i:i + 500]).argmax(1) == yt[i:i + 500] for i in range(0, len(yt), 500)]).double().mean().item()
    print(
        f"RESULT bench=train model={a.model} epoch_seconds={statistics.median(epoch_s):.4f} step_us={statistics.median(step_us):.2f} "
        f"gemm_floor_seconds={statistics.median(floor_s):.4f} threads={a.threads} batch={a.batch_size} steps={steps} test_accuracy={acc:.4f}"
    )


if __name__ == "__main__":
    main()
