#!/usr/bin/env python3
"""PyTorch reference for bench/run gpu (bench/gpu/run.sh): the same steps as bench/gpu on the same GPU.

Measurements (views or images per second, each after a warm-up and closed by torch.cuda.synchronize()):
  reference               SimVAE, the authors' FashionMNIST configuration (MLP 784-2000-500-500-20 / 10-500-500-2000-784,
                          64 images x 2 views, Adam lr 8e-5 eps 1e-4, var_z_y 0.15, log_var_x -4.6, Bernoulli) with
                          torchvision-style per-image augmentation as the authors do it (PIL images,
                          RandomResizedCrop(28, scale (0.4, 1), ratio (0.75, 1.3)) + RandomVerticalFlip + ToTensor, in a
                          torch DataLoader with --workers worker processes and pinned memory).
  reference_batched       the same training step with the augmentation done batched on the GPU (affine_grid +
                          grid_sample per view, uint8 upload), the fair comparison with the C# pipeline.
  simclr_reference        SimCLR, ResNet-18 (CIFAR stem: 3x3 conv, no max-pool; 512 features) + projection head
                          512-512-128, NT-Xent tau 0.5, Adam lr 1e-3, 256 images x 2 views of 32x32 RGB already on the
                          GPU (PyTorch eager).
  featurizer_reference    ResNet-18 encoder in eval mode under no_grad, 10,000 CIFAR-shaped uint8 images in batches of
                          256: upload, /255, forward, read back to the host.
Each with and without bfloat16 autocast (suffix _bf16; losses computed in float32). cuDNN benchmark mode is on.

Usage: gpu_reference.py [--device auto|cuda|cpu] [--smoke] [--steps N] [--warmup N] [--workers N] [--no-amp]
       [--skip-per-image] [--data DIR]
Prints one line: "PYTHON key=value ..." (bench/gpu/run.sh merges it with the C# line into the RESULT line).
With --device auto and no CUDA device it prints "PYTHON skipped=1".
"""
import argparse
import gzip
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from reference_nets import mlp

LOG_2PI_PLUS_1 = math.log(2 * math.pi) + 1


class SimVae(nn.Module):
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


def resnet18_cifar(outputs=512):
    import torchvision

    m = torchvision.models.resnet18(num_classes=outputs)
    m.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
    m.maxpool = nn.Identity()
    return m


class SimClr(nn.Module):
    def __init__(self, temperature=0.5):
        super().__init__()
        self.backbone = resnet18_cifar(512)
        self.head = mlp(512, 512, 128)
        self.temperature = temperature

    def loss(self, views):
        n = views.shape[0] // 2
        p = self.head(self.backbone(views))
        with torch.autocast(device_type=views.device.type, enabled=False):
            z = F.normalize(p.float(), dim=1)
            logits = z @ z.t() / self.temperature
            logits = logits.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device), float("-inf"))
            targets = torch.cat([torch.arange(n, 2 * n, device=z.device), torch.arange(0, n, device=z.device)])
            return F.cross_entropy(logits, targets)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def fashion_mnist_pixels(data_dir, smoke):
    """FashionMNIST training images (uint8 [N, 28, 28]) when present, else random ones of the same shape."""
    for folder in [data_dir, os.environ.get("SIMVAE_DATA"), "/usr/share/datasets/fashion-mnist"]:
        if not folder or smoke:
            continue
        path = os.path.join(folder, "train-images-idx3-ubyte.gz")
        if os.path.exists(path):
            with gzip.open(path, "rb") as f:
                raw = f.read()
            return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 28, 28).copy()
    rng = np.random.default_rng(1234)
    return rng.integers(0, 256, size=(512 if smoke else 60000, 28, 28), dtype=np.uint8)


class PerImageViews(torch.utils.data.Dataset):
    """torchvision-style per-image augmentation (the authors' pipeline): J views of one PIL image."""

    def __init__(self, pixels, views=2):
        import torchvision.transforms as T

        self.pixels, self.views = pixels, views
        self.transform = T.Compose([
            T.RandomResizedCrop(28, scale=(0.4, 1.0), ratio=(0.75, 1.3)),
            T.RandomVerticalFlip(),
            T.ToTensor(),
        ])

    def __len__(self):
        return len(self.pixels)

    def __getitem__(self, i):
        from PIL import Image

        image = Image.fromarray(self.pixels[i])  # uint8 [28, 28] -> mode "L"
        return torch.stack([self.transform(image) for _ in range(self.views)])


def batched_crop_flip(x, views, min_scale=0.4, max_scale=1.0, min_ratio=0.75, max_ratio=1.3, generator=None):
    """RandomResizedCrop + RandomVerticalFlip for every view at once on x's device: [N,C,H,W] -> [J*N,C,H,W]."""
    n, c, h, w = x.shape
    x = x.repeat(views, 1, 1, 1)
    m = x.shape[0]
    dev = x.device
    area = torch.empty(m, device=dev).uniform_(min_scale, max_scale)
    log_ratio = torch.empty(m, device=dev).uniform_(math.log(min_ratio), math.log(max_ratio))
    ratio = log_ratio.exp()
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


def train_rate(model, opt, batches, views_per_step, warmup, steps, amp, device):
    """Runs warmup + steps training steps on batches() (an iterator of view batches on the device)."""
    it = iter(batches)
    loss = None
    start = None
    for s in range(warmup + steps):
        if s == warmup:
            sync(device)
            start = time.perf_counter()
        views = next(it)
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
    return steps * views_per_step / elapsed, elapsed / steps * 1000, value


def simvae_per_image(pixels, device, a, amp):
    torch.manual_seed(1234)
    model = SimVae().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=8e-5, eps=1e-4)
    loader = torch.utils.data.DataLoader(
        PerImageViews(pixels), batch_size=64, shuffle=True, drop_last=True, num_workers=a.workers,
        pin_memory=device.type == "cuda", persistent_workers=a.workers > 0)

    def batches():
        while True:
            for b in loader:  # [N, J, 1, 28, 28] -> view-major [J*N, 1, 28, 28]
                b = b.to(device, non_blocking=True)
                yield b.transpose(0, 1).reshape(-1, 1, 28, 28)

    return train_rate(model, opt, batches(), 128, a.warmup, a.steps, amp, device)


def simvae_batched(pixels, device, a, amp):
    torch.manual_seed(1234)
    model = SimVae().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=8e-5, eps=1e-4)
    host = torch.from_numpy(pixels).unsqueeze(1)
    if device.type == "cuda":
        host = host.pin_memory()
    count = host.shape[0]

    def batches():
        while True:
            order = torch.randperm(count)
            for b in range(count // 64):
                idx = order[b * 64:(b + 1) * 64]
                x = host[idx]
                if device.type == "cuda":
                    x = x.pin_memory()
                x = x.to(device, non_blocking=True).float().div_(255)
                yield batched_crop_flip(x, 2)

    return train_rate(model, opt, batches(), 128, a.warmup, a.steps, amp, device)


def simclr_fixed(device, a, amp, batch_images):
    torch.manual_seed(1234)
    model = SimClr().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    views = torch.rand(2 * batch_images, 3, 32, 32, device=device)

    def batches():
        while True:
            yield views

    return train_rate(model, opt, batches(), 2 * batch_images, a.warmup, a.steps, amp, device)


@torch.no_grad()
def featurizer_rate(device, a, amp):
    torch.manual_seed(1234)
    model = resnet18_cifar(512).to(device).eval()
    rng = np.random.default_rng(1234)
    count = 64 if a.smoke else 10000
    pixels = rng.integers(0, 256, size=(count, 3, 32, 32), dtype=np.uint8)

    def run(n):
        out = np.empty((n, 512), dtype=np.float32)
        for start in range(0, n, 256):
            x = torch.from_numpy(pixels[start:start + 256]).to(device).float().div_(255)
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=amp):
                f = model(x)
            out[start:start + x.shape[0]] = f.float().cpu().numpy()
        return out

    run(min(count, 1024))
    sync(device)
    repeats = 1 if a.smoke else 3
    start = time.perf_counter()
    for _ in range(repeats):
        run(count)
    sync(device)
    return repeats * count / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--smoke", action="store_true", help="a few steps of everything, small batches (CPU smoke runs)")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--workers", type=int, default=min(8, os.cpu_count() or 1),
                    help="DataLoader worker processes for the per-image augmentation (default min(8, cores))")
    ap.add_argument("--no-amp", action="store_true")
    ap.add_argument("--skip-per-image", action="store_true")
    ap.add_argument("--data", default=None, help="folder with FashionMNIST's train-images-idx3-ubyte.gz")
    a = ap.parse_args()

    if a.device == "auto":
        if not torch.cuda.is_available():
            print("skipped: no CUDA device (PyTorch %s)" % torch.__version__, file=sys.stderr)
            print("PYTHON skipped=1")
            return 0
        a.device = "cuda"
    device = torch.device(a.device)
    if a.smoke:
        a.steps, a.warmup, a.workers = min(a.steps, 3), min(a.warmup, 1), min(a.workers, 2)
    if device.type == "cpu":
        torch.set_num_threads(os.cpu_count() or 1)
    torch.backends.cudnn.benchmark = True
    batch_images = 8 if a.smoke else 256
    pixels = fashion_mnist_pixels(a.data, a.smoke)
    print(f"PyTorch {torch.__version__}, device {device}"
          + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else ""), file=sys.stderr)

    r = {"torch": torch.__version__}
    for amp in [False] if a.no_amp else [False, True]:
        sfx = "_bf16" if amp else ""
        if not a.skip_per_image:
            rate, ms, loss = simvae_per_image(pixels, device, a, amp)
            r["reference" + sfx + "_views_per_s"] = rate
            print(f"simvae per-image augmentation{sfx}: {ms:.3f} ms/step, {rate:.0f} views/s, loss {loss:.5g}", file=sys.stderr)
        rate, ms, loss = simvae_batched(pixels, device, a, amp)
        r["reference_batched" + sfx + "_views_per_s"] = rate
        print(f"simvae batched GPU augmentation{sfx}: {ms:.3f} ms/step, {rate:.0f} views/s, loss {loss:.5g}", file=sys.stderr)
        rate, ms, loss = simclr_fixed(device, a, amp, batch_images)
        r["simclr_reference" + sfx + "_views_per_s"] = rate
        print(f"simclr resnet18{sfx}: {ms:.3f} ms/step, {rate:.0f} views/s, loss {loss:.5g}", file=sys.stderr)
        rate = featurizer_rate(device, a, amp)
        r["featurizer_reference" + sfx + "_images_per_s"] = rate
        print(f"featurizer resnet18{sfx}: {rate:.0f} images/s", file=sys.stderr)

    def fmt(v):
        return v if isinstance(v, str) else (f"{v:.0f}" if v >= 100 else f"{v:.3f}")

    print("PYTHON " + " ".join(f"{k}={fmt(v)}" for k, v in sorted(r.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
