#!/usr/bin/python3
"""PyTorch reference for `bench/run train`: the authors' SimVAE FashionMNIST training step, end to end.

Model, loss and optimiser as the authors' code (Bizeul, Schölkopf, Allen 2024): MLP encoder 784-2000-500-500-2*10,
decoder 10-500-500-2000-784 (ReLU between), Bernoulli likelihood (BCE with logits, summed) divided by
exp(log_var_x = -4.6), prior sum_j ||z_j - ybar||^2 / (2 * 0.15) + ||ybar||^2 / 2 (Gaussian p(y)), Gaussian
posterior entropy, Adam(lr 8e-5, eps 1e-4). Batches of 64 images x 2 views. Augmentation is torchvision's,
PER IMAGE on PIL images inside a DataLoader as the authors do: RandomResizedCrop(28, scale (0.4, 1),
ratio (0.75, 1.3)) then RandomVerticalFlip, then ToTensor.

Run with Debian's interpreter (/usr/bin/python3, torch 1.13 + torchvision). OpenBLAS reads its thread count
when the library loads, so --blas-threads is put into the environment before torch is imported.

--bf16 runs the forward pass under torch.autocast("cpu", dtype=torch.bfloat16) (the loss in float32 on float32
copies of the network outputs, as the C# methods do); parameters and Adam stay float32.

Prints one JSON line per DataLoader setting (num_workers 0 and 2) plus a compute-only line (one fixed,
pre-augmented batch, no data loading):
  {"torch_threads": T, "blas_threads": B, "workers": W, "precision": "fp32"|"bf16", "views_per_s": ..., "steps": ..., "seconds": ...}
"""
import argparse
import gzip
import json
import os
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--torch-threads", type=int, default=1)
parser.add_argument("--blas-threads", type=int, default=1)
parser.add_argument("--workers", type=int, nargs="+", default=[0, 2])
parser.add_argument("--warmup", type=int, default=20)
parser.add_argument("--steps", type=int, default=150)
parser.add_argument("--compute-steps", type=int, default=50, help="0 skips the compute-only measurement")
parser.add_argument("--data", default=os.environ.get("SIMVAE_DATA", "/usr/share/datasets/fashion-mnist"))
parser.add_argument("--seed", type=int, default=1234)
parser.add_argument("--bf16", action="store_true", help="forward pass under CPU autocast in bfloat16")
args = parser.parse_args()

os.environ["OPENBLAS_NUM_THREADS"] = str(args.blas_threads)
os.environ["OMP_NUM_THREADS"] = str(args.torch_threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image  # noqa: E402
from torch.utils.data import DataLoader, Dataset  # noqa: E402
from torchvision import transforms  # noqa: E402
from reference_nets import mlp  # noqa: E402

torch.set_num_threads(args.torch_threads)
torch.manual_seed(args.seed)

LATENT = 10
VIEWS = 2
BATCH_IMAGES = 64
VAR_Z_Y = 0.15
LOG_VAR_X = -4.6
LOG_2PI_PLUS_1 = float(np.log(2 * np.pi) + 1)
PRECISION = "bf16" if args.bf16 else "fp32"


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, n, h, w = (int.from_bytes(raw[i:i + 4], "big") for i in range(0, 16, 4))
    if magic != 2051:
        raise ValueError(f"{path}: not an IDX image file (magic {magic})")
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, h, w)


class MultiViewFashionMnist(Dataset):
    """Like torchvision.datasets.FashionMNIST (PIL image per item) with a transform applied J times."""

    def __init__(self, images, transform, views):
        self.images, self.transform, self.views = images, transform, views

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        img = Image.fromarray(self.images[index], mode="L")
        return torch.stack([self.transform(img) for _ in range(self.views)])


class SimVAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = mlp(784, 2000, 500, 500, 2 * LATENT)
        self.decoder = mlp(LATENT, 500, 500, 2000, 784)

    def loss(self, x):
        """x: [N, J, 1, 28, 28] in [0, 1]; returns the summed negative ELBO_SSL."""
        n, j = x.shape[0], x.shape[1]
        flat = x.reshape(n * j, -1)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            stats = self.encoder(flat)
            mean, log_var = stats.chunk(2, dim=1)
            z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
            logits = self.decoder(z)
        logits, z, log_var = logits.float(), z.float(), log_var.float()
        recon = F.binary_cross_entropy_with_logits(logits, flat, reduction="sum") / np.exp(LOG_VAR_X)
        entropy = 0.5 * (log_var + LOG_2PI_PLUS_1).sum()
        zg = z.view(n, j, -1)
        y_bar = zg.mean(dim=1, keepdim=True)
        prior = -0.5 * ((zg - y_bar) ** 2).sum() / VAR_Z_Y - 0.5 * (y_bar ** 2).sum()
        return recon - entropy - prior


def blas_library():
    """The BLAS libtorch actually loaded (Debian's alternatives may point libblas.so.3 at the reference BLAS)."""
    hits = []
    for line in open("/proc/self/maps"):
        fields = line.split()
        if len(fields) >= 6 and "blas" in fields[5].lower() and fields[5] not in hits:
            hits.append(fields[5])
    return ",".join(os.path.realpath(h) for h in hits) or "none"


def main():
    images = read_idx_images(os.path.join(args.data, "train-images-idx3-ubyte.gz"))
    augment = transforms.Compose([
        transforms.RandomResizedCrop(28, scale=(0.4, 1.0), ratio=(0.75, 1.3)),
        transforms.RandomVerticalFlip(),
        transforms.ToTensor(),
    ])
    dataset = MultiViewFashionMnist(images, augment, VIEWS)
    model = SimVAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=8e-5, eps=1e-4)
    model.train()

    def step(x):
        loss = model.loss(x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    total = args.warmup + args.steps
    for workers in args.workers:
        loader = DataLoader(dataset, batch_size=BATCH_IMAGES, shuffle=True, drop_last=True, num_workers=workers,
                            persistent_workers=False)
        done, start, loss = 0, None, None
        while done < total:
            for x in loader:
                loss = step(x)
                done += 1
                if done == args.warmup:
                    start = time.perf_counter()
                if done == total:
                    break
        seconds = time.perf_counter() - start
        if not torch.isfinite(loss):
            raise SystemExit(f"reference loss is {loss.item()}")
        print(json.dumps({"kind": "end_to_end", "torch_threads": args.torch_threads, "blas_threads": args.blas_threads,
                          "workers": workers, "precision": PRECISION, "steps": args.steps, "seconds": round(seconds, 3),
                          "views_per_s": round(args.steps * BATCH_IMAGES * VIEWS / seconds, 1), "blas_library": blas_library()}), flush=True)
        del loader

    if args.compute_steps > 0:
        x = torch.stack([dataset[i] for i in range(BATCH_IMAGES)])
        for _ in range(5):
            step(x)
        start = time.perf_counter()
        for _ in range(args.compute_steps):
            step(x)
        seconds = time.perf_counter() - start
        print(json.dumps({"kind": "compute_only", "torch_threads": args.torch_threads, "blas_threads": args.blas_threads,
                          "workers": None, "precision": PRECISION, "steps": args.compute_steps, "seconds": round(seconds, 3),
                          "views_per_s": round(args.compute_steps * BATCH_IMAGES * VIEWS / seconds, 1)}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
