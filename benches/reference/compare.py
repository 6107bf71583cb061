"""Runs train-bench (ours) and the PyTorch and NumPy references alternately and prints a
markdown table of medians, with ratios against PyTorch measured round by round.

    python benches/reference/compare.py --data-dir /work/shared/data/mnist --rounds 3
    python benches/reference/compare.py --model cnn --epochs 1 --rounds 3

Each round runs every configuration once, in an order rotated from round to round, so that a
machine shared with other work slows all of them alike; a ratio is the median over rounds of
the ratio within a round. Peak RSS is each run's own (from wait4).
"""
import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def run_rss(cmd):
    """Runs `cmd`, returning its RESULT fields and its peak RSS in MiB."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        sys.exit(f"{shlex.join(cmd)} failed ({status}):\n{out}\n{err}")
    lines = [l for l in out.splitlines() if l.startswith("RESULT ")]
    if not lines:
        sys.exit(f"{shlex.join(cmd)} printed no RESULT line:\n{out}\n{err}")
    fields = dict(kv.split("=", 1) for kv in lines[-1].split()[1:])
    fields["rss_mib"] = usage.ru_maxrss / 1024.0
    return fields


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data-dir", default=os.environ.get("MNIST_DIR", os.path.join(ROOT, "..", "shared", "data", "mnist")))
    p.add_argument("--model", default="mlp", choices=["mlp", "cnn"],
                   help="the MLP tables, or the CNN table (ours and PyTorch, 1 and 2 threads)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch1-steps", type=int, default=3000)
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--ours", default=os.path.join(ROOT, "target", "release", "train-bench"))
    a = p.parse_args()
    common = ["--data-dir", a.data_dir]
    ours = [a.ours]
    torch = [a.python, os.path.join(HERE, "train_torch.py")]
    numpy = [a.python, os.path.join(HERE, "train_numpy.py")]
    configs = []
    for threads in (1, 2):
        for name, cmd in (("ours", ours), ("pytorch", torch), ("numpy", numpy)):
            configs.append(((name, threads, 64), cmd + common + ["--epochs", str(a.epochs), "--batch-size", "64", "--threads", str(threads)]))
    for name, cmd in (("ours", ours), ("pytorch", torch), ("numpy", numpy)):
        configs.append(((name, 1, 1), cmd + common + ["--epochs", "2", "--batch-size", "1", "--threads", "1", "--steps", str(a.batch1_steps)]))
    if a.model == "cnn":
        configs = []
        for threads in (1, 2):
            for name, cmd in (("ours", ours), ("pytorch", torch)):
                configs.append(((name, threads, 64), cmd + common + ["--model", "cnn", "--epochs", str(a.epochs), "--batch-size", "64", "--threads", str(threads)]))
    results = {key: [] for key, _ in configs}
    for r in range(a.rounds):
        k = r % len(configs)
        for key, cmd in configs[k:] + configs[:k]:
            f = run_rss(cmd)
            results[key].append(f)
            print(f"round {r + 1}: {key}: epoch {f['epoch_seconds']} s, step {f['step_us']} us, floor {f['gemm_floor_seconds']} s, rss {f['rss_mib']:.0f} MiB", file=sys.stderr)

    med = lambda key, field: statistics.median(float(f[field]) for f in results[key])
    ratio = lambda k1, k2, field: statistics.median(float(f1[field]) / float(f2[field]) for f1, f2 in zip(results[k1], results[k2]))
    if a.model == "cnn":
        simd = results[("ours", 1, 64)][0].get("simd")
        print(f"\nMNIST CNN of mnist-cnn (conv 32 -> conv 64 -> 128, batch norm, dropout), cross-entropy, "
              f"Adam lr 1e-3, batch 64; medians of {a.rounds} rounds of {a.epochs} epoch(s); ours simd={simd}\n")
        print("| impl | threads | epoch s | vs PyTorch | matrix-product floor s (same run) | epoch / floor | peak RSS MiB |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for threads in (1, 2):
            for name in ("ours", "pytorch"):
                key, t = (name, threads, 64), ("pytorch", threads, 64)
                print(f"| {name} | {threads} | {med(key, 'epoch_seconds'):.2f} | {ratio(key, t, 'epoch_seconds'):.2f}x "
                      f"| {med(key, 'gemm_floor_seconds'):.2f} | {statistics.median(float(f['epoch_seconds']) / float(f['gemm_floor_seconds']) for f in results[key]):.2f}x "
                      f"| {med(key, 'rss_mib'):.0f} |")
        two = ratio(("ours", 2, 64), ("ours", 1, 64), "epoch_seconds")
        print(f"\nours, 2 threads / 1 thread (epoch time): {two:.2f}x")
        acc = {k: results[k][0].get("test_accuracy") for k in results}
        print("test accuracy after training: " + ", ".join(f"{k[0]} t{k[1]}: {v}" for k, v in acc.items()))
        return
    print(f"\nMNIST 784-128-10 sigmoid MLP, log-softmax + NLL, SGD lr 0.1; medians of {a.rounds} rounds "
          f"({a.epochs} epochs each at batch 64; {a.batch1_steps} steps x 2 epochs at batch 1)\n")
    print("| impl | threads | epoch s (batch 64) | vs PyTorch | gemm floor s (same run) | epoch / floor | step µs | peak RSS MiB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for threads in (1, 2):
        for name in ("ours", "pytorch", "numpy"):
            key, t = (name, threads, 64), ("pytorch", threads, 64)
            print(f"| {name} | {threads} | {med(key, 'epoch_seconds'):.3f} | {ratio(key, t, 'epoch_seconds'):.2f}x "
                  f"| {med(key, 'gemm_floor_seconds'):.3f} | {statistics.median(float(f['epoch_seconds']) / float(f['gemm_floor_seconds']) for f in results[key]):.2f}x "
                  f"| {med(key, 'step_us'):.1f} | {med(key, 'rss_mib'):.0f} |")
    print(f"\n| impl (batch 1, 1 thread) | step µs | vs PyTorch |")
    print("| --- | --- | --- |")
    for name in ("ours", "pytorch", "numpy"):
        key, t = (name, 1, 1), ("pytorch", 1, 1)
        print(f"| {name} | {med(key, 'step_us'):.1f} | {ratio(key, t, 'step_us'):.3f}x |")
    two = ratio(("ours", 2, 64), ("ours", 1, 64), "epoch_seconds")
    print(f"\nours, 2 threads / 1 thread (epoch time, batch 64): {two:.2f}x")
    acc = {k: results[k][0].get("test_accuracy") for k in results}
    print("test accuracy after training: " + ", ".join(f"{k[0]} t{k[1]} b{k[2]}: {v}" for k, v in acc.items()))


if __name__ == "__main__":
    main()
