"""NumPy reference for train-bench: the same model trained by hand-written backprop.

784-hidden-10 MLP, sigmoid (or tanh/relu) hidden layer, log-softmax + NLL, plain SGD, data in
memory as float32 in [0, 1], shuffled each epoch; epochs alternate with a pass of the same
matrix products alone (the "gemm floor"), as in train-bench. Threads are set through the
BLAS environment variables before NumPy is imported.

    python train_numpy.py --epochs 3 --batch-size 64 --threads 1 --data-dir DIR
"""
import argparse
import os
import statistics
import sys
import time


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--activation", default="sigmoid", choices=["sigmoid", "tanh", "relu"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", default=os.environ.get("MNIST_DIR", "data/mnist"))
    return p.parse_args()


a = parse()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(a.threads)
import numpy as np  # noqa: E402  (after the thread count is set)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_torch import load_mnist  # noqa: E402


def main():
    x, y, xt, yt = load_mnist(a.data_dir)
    rng = np.random.default_rng(a.seed)
    # PyTorch's nn.Linear initialisation: U(-1/sqrt(in), 1/sqrt(in)).
    def linear(i, o):
        bound = 1.0 / np.sqrt(i)
        return (rng.uniform(-bound, bound, (o, i)).astype(np.float32),
                rng.uniform(-bound, bound, o).astype(np.float32))
    w1, b1 = linear(784, a.hidden)
    w2, b2 = linear(a.hidden, 10)
    lr = np.float32(a.lr)

    def act(z):
        if a.activation == "sigmoid":
            return 1.0 / (1.0 + np.exp(-z))
        if a.activation == "tanh":
            return np.tanh(z)
        return np.maximum(z, 0)

    def act_grad(h, g):  # from the saved output
        if a.activation == "sigmoid":
            return g * h * (1 - h)
        if a.activation == "tanh":
            return g * (1 - h * h)
        return g * (h > 0)

    n = x.shape[0]
    nb = (n + a.batch_size - 1) // a.batch_size
    steps = min(a.steps or nb, nb)
    fw1, fw2 = np.full((a.hidden, 784), 1e-3, np.float32), np.full((10, a.hidden), 1e-3, np.float32)
    epoch_s, floor_s, step_us = [], [], []
    for epoch in range(a.epochs):
        order = rng.permutation(n)
        batches = [order[i * a.batch_size:(i + 1) * a.batch_size] for i in range(steps)]
        loss_sum, start = 0.0, time.perf_counter()
        for idx in batches:
            t = time.perf_counter()
            xb, yb = x[idx], y[idx]
            m = xb.shape[0]
            h = act(xb @ w1.T + b1)
            z = h @ w2.T + b2
            z = z - z.max(1, keepdims=True)
            logp = z - np.log(np.exp(z).sum(1, keepdims=True))
            loss_sum += float(-logp[np.arange(m), yb].mean())
            g = np.exp(logp)
            g[np.arange(m), yb] -= 1
            g /= m
            dh = act_grad(h, g @ w2)
            w2 -= lr * (g.T @ h)
            b2 -= lr * g.sum(0)
            w1 -= lr * (dh.T @ xb)
            b1 -= lr * dh.sum(0)
            step_us.append((time.perf_counter() - t) * 1e6)
        epoch_s.append(time.perf_counter() - start)
        xs = [x[idx] for idx in batches]
        start = time.perf_counter()
        for xb in xs:
            h = xb @ fw1.T
            z = h @ fw2.T
            z.T @ h
            dh = z @ fw2
            dh.T @ xb
        floor_s.append(time.perf_counter() - start)
        print(f"epoch {epoch + 1}: {epoch_s[-1]:.3f} s ({steps} steps, mean loss {loss_sum / steps:.4f}); gemm floor {floor_s[-1]:.3f} s")
    h = act(xt @ w1.T + b1)
    acc = float(((h @ w2.T + b2).argmax(1) == yt).mean())
    print(
        f"RESULT bench=train epoch_seconds={statistics.median(epoch_s):.4f} step_us={statistics.median(step_us):.2f} "
        f"gemm_floor_seconds={statistics.median(floor_s):.4f} threads={a.threads} batch={a.batch_size} steps={steps} test_accuracy={acc:.4f}"
    )


if __name__ == "__main__":
    main()
