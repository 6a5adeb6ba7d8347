"""Networks shared by the PyTorch reference scripts (the same shapes as src/SimVae/Backbones/Mlp.cs)."""
import torch.nn as nn


def mlp(*sizes):
    """Linear layers of the given widths with ReLU between them (none after the last)."""
    layers = []
    for k in range(len(sizes) - 1):
        if k > 0:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(sizes[k], sizes[k + 1]))
    return nn.Sequential(*layers)
