"""Framework-neutral pieces of the deep models' training: schedules, augmentation, epoch logs,
and the early-stopping bookkeeping, so the Keras and torch loops behave the same."""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fashionclasstic import progress
from fashionclasstic.errors import ConfigError
from fashionclasstic.models.base import BaseClassifier, json_scalars
from fashionclasstic.models.registry import ModelContext

log = logging.getLogger("fashionclasstic.training")

# What the Keras and torch training defaults share; each framework adds its own keys.
# ``tta``: average the logits with those of the mirrored images (inside prediction, so inside
# the inference case's time); it helps only a network trained with ``flip``.
NETWORK_DEFAULTS = {"epochs": 10, "learning_rate": 1e-3, "label_smoothing": 0.0, "flip": False, "shift": 0,
                    "warmup_epochs": 1, "patience": None, "tta": False, "erase": 0.0}


def seed_python_and_numpy(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)


def warmup_cosine(step: int, total_steps: int, peak: float, warmup_steps: int, floor: float = 0.0) -> float:
    """Linear warm-up to ``peak``, then cosine decay to ``floor * peak``."""
    if step < warmup_steps:
        return peak * (step + 1) / max(1, warmup_steps)
    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
    return peak * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))


def triangular(step, total_steps: int, peak: float, warmup_steps: int, ops=np):
    """Linear warm-up to ``peak``, then linear decay to zero at ``total_steps`` (the airbench
    schedule). ``ops`` is numpy for a step number, ``keras.ops`` for a step tensor in a graph."""
    rising = peak * step / max(1, warmup_steps)
    falling = peak * ops.maximum(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))
    return ops.where(step < warmup_steps, rising, falling)


def augment(x: np.ndarray, rng: np.random.Generator, flip: bool, shift: int, erase: float = 0.0) -> np.ndarray:
    """Random horizontal flips and integer shifts (zero padded): label-preserving for clothes;
    then, with probability ``erase``, a random rectangle blanked (random erasing)."""
    if not flip and not shift and not erase:
        return x
    out = x.copy()
    if flip:
        mask = rng.random(len(out)) < 0.5
        out[mask] = out[mask, :, ::-1]
    if shift:
        padded = np.pad(out, ((0, 0), (shift, shift), (shift, shift)))
        dy, dx = rng.integers(0, 2 * shift + 1, size=(2, len(out)))
        rows = (np.arange(28)[None, :] + dy[:, None])[:, :, None]
        cols = (np.arange(28)[None, :] + dx[:, None])[:, None, :]
        out = padded[np.arange(len(out))[:, None, None], rows, cols]
    if erase:
        out[erasing_mask(out.shape, rng, erase)] = 0.0
    return out


ERASE_AREA = (0.02, 0.25)  # of the image: Zhong et al.'s random erasing, at the scale of 28x28 clothes
ERASE_ASPECT = (0.3, 3.3)


def erasing_mask(shape: tuple[int, int, int], rng: np.random.Generator, probability: float) -> np.ndarray:
    """A boolean mask of one random rectangle per chosen image (each chosen with ``probability``):
    its area a random fraction of the image in ERASE_AREA, its aspect ratio in ERASE_ASPECT."""
    n, height, width = shape
    area = rng.uniform(*ERASE_AREA, n) * height * width
    aspect = np.exp(rng.uniform(*np.log(ERASE_ASPECT), n))
    rows = np.clip(np.round(np.sqrt(area * aspect)), 1, height).astype(int)
    cols = np.clip(np.round(np.sqrt(area / aspect)), 1, width).astype(int)
    top = (rng.random(n) * (height - rows + 1)).astype(int)
    left = (rng.random(n) * (width - cols + 1)).astype(int)
    y, x = np.arange(height)[None, :, None], np.arange(width)[None, None, :]
    chosen = (rng.random(n) < probability)[:, None, None]
    return (chosen & (y >= top[:, None, None]) & (y < (top + rows)[:, None, None])
            & (x >= left[:, None, None]) & (x < (left + cols)[:, None, None]))


@dataclass
class EpochTracker:
    """History per epoch, the best validation epoch, patience, and one log line per epoch."""

    model_name: str
    patience: int | None = None
    planned: int | None = None
    history: dict[str, list[float]] = field(default_factory=dict)
    best_accuracy: float = -1.0
    best_epoch: int = 0
    epochs_done: int = 0
    _started: float = field(default_factory=time.perf_counter)
    _training_started: float = field(default_factory=time.perf_counter)

    def start_epoch(self) -> None:
        self._started = time.perf_counter()

    def end_epoch(self, **metrics: float) -> bool:
        """Record an epoch; True when it is the best so far on validation accuracy."""
        self.epochs_done += 1
        for key, value in metrics.items():
            self.history.setdefault(key, []).append(float(value))
        seconds = time.perf_counter() - self._started
        self.history.setdefault("seconds", []).append(seconds)
        log.info("%s epoch %d: loss %.4f, accuracy %.4f, val_loss %.4f, val_accuracy %.4f, %.1f s",
                 self.model_name, self.epochs_done, metrics.get("loss", float("nan")),
                 metrics.get("accuracy", float("nan")), metrics.get("val_loss", float("nan")),
                 metrics.get("val_accuracy", float("nan")), seconds)
        progress.report(self.model_name, self.epochs_done, self.planned, "epoch", self._training_started,
                        **{k: v for k, v in metrics.items() if k in ("accuracy", "val_accuracy")})
        accuracy = metrics.get("val_accuracy")
        if accuracy is not None and accuracy > self.best_accuracy:
            self.best_accuracy, self.best_epoch = accuracy, self.epochs_done
            return True
        return accuracy is None

    @property
    def should_stop(self) -> bool:
        return self.patience is not None and self.epochs_done - self.best_epoch >= self.patience


@dataclass
class NetworkClassifier(BaseClassifier):
    """What the Keras and torch models share: a ``build(params, framework)`` function, the
    parameters (the registry resolves them: the framework's training defaults, the model's
    own, the profile's), and the best epoch."""

    name: str = ""
    build: Callable[[dict[str, Any], Any], Any] = None
    params: dict[str, Any] = field(default_factory=dict)
    context: ModelContext = field(default_factory=ModelContext)
    network: Any = field(default=None, init=False)
    best_epoch: int | None = field(default=None, init=False)
    precision: str = field(default="float32", init=False)  # what training ran in, and why
    precision_reason: str = field(default="", init=False)

    def setting(self, key: str):
        if key not in self.params:
            raise ConfigError(f"model {self.name!r}: parameter {key!r} is not set; declare it in its "
                              f"register_model(params=...)")
        return self.params[key]

    def run_epochs(self, x, validation, train_epoch, evaluate, snapshot, restore) -> NetworkClassifier:
        """The epoch loop both frameworks share: augment, train one epoch, validate, keep the
        best validation epoch's weights, stop on patience, restore the best, keep the history.

        ``train_epoch(images, rng)`` and ``evaluate(validation)`` return metric dicts;
        ``snapshot()`` copies the weights and ``restore(copy)`` puts them back.
        """
        tracker = EpochTracker(self.name, self.setting("patience"), self.setting("epochs"))
        rng = np.random.default_rng(self.context.seed)
        best = None
        for _ in range(self.setting("epochs")):
            tracker.start_epoch()
            metrics = train_epoch(augment(x, rng, self.setting("flip"), self.setting("shift"),
                                                self.setting("erase")), rng)
            if validation is not None:
                metrics.update(evaluate(validation))
            if tracker.end_epoch(**metrics):
                best = snapshot()
            if tracker.should_stop:
                break
        if best is not None:
            restore(best)
        self.history = tracker.history
        self.best_epoch = tracker.best_epoch
        return self

    def describe(self):
        return {**json_scalars(self.params), **{k: list(v) for k, v in self.params.items() if isinstance(v, tuple)},
                "best_epoch": self.best_epoch, "precision_reason": self.precision_reason}
