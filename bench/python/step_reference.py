#!/usr/bin/python3
"""PyTorch reference for bench/step: one training step of the MLP 784-2000-500-500-20-500-500-2000-784
(ReLU between layers), batch 128, Adam lr 1e-3, loss = BCE-with-logits (sum) against the random 0/1 input;
plus per-operator call overhead (a + b on 1-element tensors). Same measurement as bench/step/Program.cs.

Run with Debian's /usr/bin/python3 (torch 1.13, the same libtorch as the C# side). Set OPENBLAS_NUM_THREADS
in the environment at process start; --threads sets torch.set_num_threads.
Prints one line: "PYTHON threads=N blas=M foreach=F precision=fp32|bf16 step_ms=... fwd_ms=... bwd_ms=... opt_ms=... op_us=..." (medians).
"""
import argparse
import os
import statistics
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--foreach", action="store_true", help="Adam(foreach=True) (multi-tensor); default is PyTorch's CPU default")
    ap.add_argument("--bf16", action="store_true", help="forward pass under torch.autocast('cpu', dtype=torch.bfloat16); loss in float32")
    ap.add_argument("--op-only", action="store_true")
    ap.add_argument("--no-op", action="store_true")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(1234)
    best_ms = step_ms = fwd_ms = bwd_ms = opt_ms = op_us = float("nan")

    if not a.op_only:
        widths = [784, 2000, 500, 500, 20, 500, 500, 2000, 784]
        layers = []
        for i in range(len(widths) - 1):
            layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
            if i + 2 < len(widths):
                layers.append(torch.nn.ReLU())
        model = torch.nn.Sequential(*layers)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, foreach=True if a.foreach else None)
        x = (torch.rand(128, 784) < 0.5).float()
        bce = torch.nn.functional.binary_cross_entropy_with_logits
        acc = [0.0, 0.0, 0.0]

        def step():
            t0 = time.perf_counter()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
                logits = model(x)
            loss = bce(logits.float(), x, reduction="sum")
            t1 = time.perf_counter()
            loss.backward()
            t2 = time.perf_counter()
            opt.step()
            opt.zero_grad(set_to_none=True)  # what the C# ZeroGrad does
            t3 = time.perf_counter()
            acc[0] += t1 - t0
            acc[1] += t2 - t1
            acc[2] += t3 - t2

        for _ in range(a.warmup):
            step()
        tot, fs, bs, os_ = [], [], [], []
        for _ in range(a.repeats):
            acc[:] = [0.0, 0.0, 0.0]
            t0 = time.perf_counter()
            for _ in range(a.steps):
                step()
            tot.append((time.perf_counter() - t0) * 1e3 / a.steps)
            fs.append(acc[0] * 1e3 / a.steps)
            bs.append(acc[1] * 1e3 / a.steps)
            os_.append(acc[2] * 1e3 / a.steps)
        step_ms, fwd_ms, bwd_ms, opt_ms = (statistics.median(v) for v in (tot, fs, bs, os_))
        best_ms = min(tot)
        import sys
        print("python step repeats (ms): " + " ".join(f"{t:.2f}" for t in tot), file=sys.stderr)

    if not a.no_op:
        p = torch.ones(1)
        q = torch.ones(1)

        def op_loop(blocks):
            for _ in range(blocks):
                for _ in range(1000):
                    c = p + q  # noqa: F841
        op_loop(20)
        us = []
        for _ in range(7):
            t0 = time.perf_counter()
            op_loop(100)
            us.append((time.perf_counter() - t0) * 1e6 / 100_000)
        op_us = statistics.median(us)

    print(f"PYTHON threads={a.threads} blas={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')} "
          f"foreach={int(a.foreach)} precision={'bf16' if a.bf16 else 'fp32'} step_ms={step_ms:.3f} best_ms={best_ms:.3f} fwd_ms={fwd_ms:.3f} bwd_ms={bwd_ms:.3f} "
          f"opt_ms={opt_ms:.3f} op_us={op_us:.3f}")


if __name__ == "__main__":
    main()
