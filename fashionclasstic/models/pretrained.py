"""Pretrained networks: finding their weights honestly (a local copy, the framework's cache,
or a reachable hub), and the fine-tuning steps every pretrained case shares (the input a
network was trained on, freezing).

When none is there the model is skipped with one line that says which weights are missing and
how to provide them; it is never silently trained from random weights under its pretrained name.
A closed network is detected in seconds, not after a download's time-out.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

PROBE_TIMEOUT_S = 3.0


def host_reachable(host: str, port: int = 443, timeout: float = PROBE_TIMEOUT_S) -> bool:
    if os.environ.get("HF_HUB_OFFLINE") == "1" and "huggingface" in host:
        return False
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def keras_cache_dir() -> Path:
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models"


def first_existing(*candidates: Path | None) -> Path | None:
    return next((c for c in candidates if c is not None and c.exists()), None)


@dataclass(frozen=True)
class InputStatistics:
    """How a pretrained network expects its pixels: ``(x - mean) / std`` per channel, x in [0, 1]."""

    mean: tuple[float, ...]
    std: tuple[float, ...]

    def scale_offset(self) -> tuple[list[float], list[float]]:
        """The same normalisation as ``x * scale + offset`` (Keras' ``Rescaling``)."""
        return [1 / s for s in self.std], [-m / s for m, s in zip(self.mean, self.std, strict=True)]


IMAGENET = InputStatistics(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))
# Keras' MobileNetV2 preprocessing: [0, 1] -> [-1, 1] on each channel.
SIGNED_UNIT = InputStatistics(mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))


def input_adapter(torch, network, image_size: int, statistics: InputStatistics, channels: int = 3,
                  outputs=lambda network, pixels: network(pixels)):
    """Wrap a torch network trained on other images so it takes the suite's ``(n, 1, 28, 28)``
    grey images in [0, 1]: resized to ``image_size`` (bilinear), repeated to ``channels`` and
    normalised with the statistics it was trained with. ``outputs(network, pixels)`` gives
    the logits (a transformers model wants ``pixel_values=`` and returns ``.logits``)."""

    class FashionInput(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = network
            self.register_buffer("mean", torch.tensor(statistics.mean[:channels]).view(1, -1, 1, 1))
            self.register_buffer("std", torch.tensor(statistics.std[:channels]).view(1, -1, 1, 1))

        def forward(self, images):
            if images.shape[-1] != image_size:
                images = torch.nn.functional.interpolate(images, size=(image_size, image_size),
                                                         mode="bilinear", align_corners=False)
            return outputs(self.model, (images.expand(-1, channels, -1, -1) - self.mean) / self.std)

    return FashionInput()


def freeze(modules) -> None:
    """Stop training these modules: no gradients, and their batch norms keep the statistics
    they were trained with (eval mode survives ``train()`` through a no-op override)."""
    for module in modules:
        module.requires_grad_(False)
        module.eval()
        module.train = lambda mode=True, module=module: module
