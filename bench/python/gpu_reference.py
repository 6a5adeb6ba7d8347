#!/usr/bin/env python3
"""PyTorch reference for bench/run gpu (bench/gpu/run.sh): the C# benchmark's SimVAE training step in PyTorch, on the
same GPU, in the same command.

Measurements (views per second, each after a warm-up and closed by torch.cuda.synchronize()):
  reference_batched   SimVAE, the authors' FashionMNIST configuration (MLP 784-2000-500-500-20 / 10-500-500-2000-784,
                      64 images x 2 views, Adam lr 8e-5 eps 1e-4, var_z_y 0.15, log_var_x -4.6, Bernoulli), the
                      augmentation batched on the GPU (uint8 upload, RandomResizedCrop + vertical flip per view through
                      affine_grid + grid_sample), a manual seed per step: what the C# Trainer does.
  reference           the same step fed by the authors' own pipeline: torchvision per-image augmentation of PIL images
                      in a torch DataLoader (--workers processes, pinned memory). --per-image to run it.
Each in float32 and under bfloat16 autocast (suffix _bf16; the loss in float32).

Usage: gpu_reference.py [--device auto|cuda|cpu] [--smoke] [--steps N] [--warmup N] [--no-amp] [--per-image]
                        [--workers N]
Prints one line: "PYTHON key=value ..." (bench/gpu/run.sh merges it with the C# line into the RESULT line).
With --device auto and no CUDA device it prints "PYTHON skipped=1".
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from reference_nets import mlp

LOG_2PI_PLUS_1 = math.log(2 * math.pi) + 1


class SimVae(torch.nn.Module):
    """The authors' FashionMNIST SimVAE (as src/SimVae/Methods/SimVaeModel.cs and Losses/SimVaeLoss.cs)."""

    def __init__(self, latent=10, views=2, var_z_y=0.15, log_var_x=-4.6):
        super().__init__()
        self.encoder = mlp(784, 2000, 500, 500, 2 * latent)
        self.decoder = mlp(latent, 500, 500, 2000, 784)
        self.views, self.var_z_y, self.log_var_x = views, var_z_y, log_var_x

    def loss(self, x):  # x: [J*N, 1, 28, 28] view-major, floats in [0, 1]
        j = self.views
        n = x.shape[0] // j
        mean, log_var = self.encoder(x.flatten(1)).chunk(2, 1)
        z = mean + (0.5 * log_var).exp() * torch.randn_like(mean)
        decoded = self.decoder(z)
        with torch.autocast(device_type=x.device.type, enabled=False):  # the loss in float32
            decoded, z, log_var = decoded.float(), z.float(), log_var.float()

            def group(rows):
                return rows.reshape(j, n, -1).transpose(0, 1)

            xs, ds, zs, lv = group(x.flatten(1)), group(decoded), group(z), group(log_var)
            recon = F.binary_cross_entropy_with_logits(ds, xs, reduction="sum") * math.exp(-self.log_var_x)
            entropy = (lv + LOG_2PI_PLUS_1).sum() * 0.5
            y_bar = zs.mean(1, keepdim=True)
            prior = (zs - y_bar).square().sum() * (-0.5 / self.var_z_y) - y_bar.square().sum() * 0.5
            return recon - (entropy + prior)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def batched_crop_flip(x, views, min_scale=0.4, max_scale=1.0, min_ratio=0.75, max_ratio=1.3):
    """RandomResizedCrop + RandomVerticalFlip for every view at once on x's device: [N,C,H,W] -> [J*N,C,H,W]."""
    n, c, h, w = x.shape
    x = x.repeat(views, 1, 1, 1)
    m = x.shape[0]
    dev = x.device
    area = torch.empty(m, device=dev).uniform_(min_scale, max_scale)
    ratio = torch.empty(m, device=dev).uniform_(math.log(min_ratio), math.log(max_ratio)).exp()
    cw = (area * ratio).sqrt().clamp(max=1.0)
    ch = (area / ratio).sqrt().clamp(max=1.0)
    cx = (torch.rand(m, device=dev) * 2 - 1) * (1 - cw)
    cy = (torch.rand(m, device=dev) * 2 - 1) * (1 - ch)
    flip = torch.where(torch.rand(m, device=dev) < 0.5, -1.0, 1.0)
    theta = torch.zeros(m, 2, 3, device=dev)
    theta[:, 0, 0] = cw
    theta[:, 0, 2] = cx
    theta[:, 1, 1] = ch * flip
    theta[:, 1, 2] = cy
    grid = F.affine_grid(theta, [m, c, h, w], align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def train_rate(batches, warmup, steps, amp, device):
    """warmup + steps SimVAE training steps on batches() (an iterator of view batches on the device)."""
    torch.manual_seed(1234)
    model = SimVae().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=8e-5, eps=1e-4)
    it = iter(batches)
    loss, start = None, None
    for s in range(warmup + steps):
        if s == warmup:
            sync(device)
            start = time.perf_counter()
        views = next(it)
        torch.manual_seed(1234 + s)  # as the Trainer: sampling noise seeded per step
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=amp):
            loss = model.loss(views)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    sync(device)
    elapsed = time.perf_counter() - start
    value = float(loss)
    if not math.isfinite(value):
        raise RuntimeError(f"loss became {value}")
    return steps * 128 / elapsed, elapsed / steps * 1000, value


def batched(pixels, device):
    host = torch.from_numpy(pixels).unsqueeze(1)
    if device.type == "cuda":
        host = host.pin_memory()
    while True:
        order = torch.randperm(host.shape[0])
        for b in range(host.shape[0] // 64):
            x = host[order[b * 64:(b + 1) * 64]]
            if device.type == "cuda":
                x = x.pin_memory()
            yield batched_crop_flip(x.to(device, non_blocking=True).float().div_(255), 2)


class PerImageViews(torch.utils.data.Dataset):
    """torchvision-style per-image augmentation (the authors' pipeline): 2 views of one PIL image."""

    def __init__(self, pixels):
        import torchvision.transforms as T

        self.pixels = pixels
        self.transform = T.Compose([T.RandomResizedCrop(28, scale=(0.4, 1.0), ratio=(0.75, 1.3)), T.RandomVerticalFlip(), T.ToTensor()])

    def __len__(self):
        return len(self.pixels)

    def __getitem__(self, i):
        from PIL import Image

        image = Image.fromarray(self.pixels[i])
        return torch.stack([self.transform(image) for _ in range(2)])


def per_image(pixels, device, workers):
    loader = torch.utils.data.DataLoader(PerImageViews(pixels), batch_size=64, shuffle=True, drop_last=True, num_workers=workers,
                                         pin_memory=device.type == "cuda", persistent_workers=workers > 0)
    while True:
        for b in loader:  # [N, J, 1, 28, 28] -> view-major [J*N, 1, 28, 28]
            yield b.to(device, non_blocking=True).transpose(0, 1).reshape(-1, 1, 28, 28)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--smoke", action="store_true", help="a few steps of everything (CPU smoke runs)")
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--no-amp", action="store_true")
    ap.add_argument("--per-image", action="store_true", help="also the authors' per-image torchvision pipeline")
    ap.add_argument("--workers", type=int, default=min(8, os.cpu_count() or 1))
    a = ap.parse_args()
    if a.device == "auto":
        if not torch.cuda.is_available():
            print("skipped: no CUDA device (PyTorch %s)" % torch.__version__, file=sys.stderr)
            print("PYTHON skipped=1")
            return 0
        a.device = "cuda"
    device = torch.device(a.device)
    if a.smoke:
        a.steps, a.warmup, a.workers = min(a.steps, 4), min(a.warmup, 2), min(a.workers, 2)
    pixels = np.random.default_rng(1234).integers(0, 256, size=(512 if a.smoke else 60000, 28, 28), dtype=np.uint8)
    print(f"PyTorch {torch.__version__}, device {device}" + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else ""), file=sys.stderr)
    r = {"torch": torch.__version__}
    for amp in [False] if a.no_amp else [False, True]:
        sfx = "_bf16" if amp else ""
        rate, ms, loss = train_rate(batched(pixels, device), a.warmup, a.steps, amp, device)
        r["reference_batched" + sfx + "_views_per_s"] = rate
        print(f"simvae batched GPU augmentation{sfx}: {ms:.3f} ms/step, {rate:.0f} views/s, loss {loss:.5g}", file=sys.stderr)
        if a.per_image:
            rate, ms, loss = train_rate(per_image(pixels, device, a.workers), a.warmup, a.steps, amp, device)
            r["reference" + sfx + "_views_per_s"] = rate
            print(f"simvae per-image augmentation{sfx}: {ms:.3f} ms/step, {rate:.0f} views/s, loss {loss:.5g}", file=sys.stderr)
    print("PYTHON " + " ".join(f"{k}={v if isinstance(v, str) else f'{v:.0f}'}" for k, v in sorted(r.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
