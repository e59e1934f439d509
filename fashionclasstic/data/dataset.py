"""The benchmark's data: the canonical split, normalised once, with seeded stratified subsets."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np

from fashionclasstic.errors import ConfigError, DataError

log = logging.getLogger(__name__)

CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
SOURCES = ("archives", "tfds")


@dataclass
class Validation:
    """A held-out part of the training set, for early stopping and learning curves."""

    x: np.ndarray
    y: np.ndarray


@dataclass(frozen=True, eq=False)
class FashionMNIST:
    """Train and test images as ``float32`` in [0, 1], shape ``(n, 28, 28)``; labels ``int64``."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    class_names: tuple[str, ...] = CLASS_NAMES
    _validation_splits: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_uint8(cls, arrays: dict[str, np.ndarray], source: str) -> FashionMNIST:
        """Normalise once here, so no model pays for (or differs in) the conversion."""
        return cls(x_train=normalise(arrays["x_train"]), y_train=arrays["y_train"].astype(np.int64),
                   x_test=normalise(arrays["x_test"]), y_test=arrays["y_test"].astype(np.int64),
                   source=source)

    def subsample(self, train_size: int | None, test_size: int | None, seed: int) -> FashionMNIST:
        """A stratified, seeded subset (``None`` keeps a split whole)."""
        train = stratified_indices(self.y_train, train_size, seed)
        test = stratified_indices(self.y_test, test_size, seed)
        return FashionMNIST(self.x_train[train], self.y_train[train], self.x_test[test],
                            self.y_test[test], f"{self.source} (subsample seed {seed})", self.class_names)

    def validation_split(self, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray, Validation]:
        """Train part, and a stratified held-out part of the training set (memoised)."""
        key = (fraction, seed)
        if key not in self._validation_splits:
            n_val = int(round(len(self.y_train) * fraction))
            val = stratified_indices(self.y_train, n_val, seed)
            mask = np.ones(len(self.y_train), dtype=bool)
            mask[val] = False
            self._validation_splits[key] = (np.flatnonzero(mask), val)
        train, val = self._validation_splits[key]
        return self.x_train[train], self.y_train[train], Validation(self.x_train[val], self.y_train[val])


def normalise(images: np.ndarray) -> np.ndarray:
    return images.astype(np.float32) / np.float32(255.0)


def stratified_indices(labels: np.ndarray, size: int | None, seed: int) -> np.ndarray:
    """Sorted indices of a class-balanced sample: the same seed always gives the same sample."""
    if size is None or size >= len(labels):
        return np.arange(len(labels))
    if size <= 0:
        raise ConfigError(f"a subsample needs a positive size, got {size}")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    quotas = np.floor(counts / counts.sum() * size).astype(int)
    for i in np.argsort(-(counts / counts.sum() * size - quotas))[: size - quotas.sum()]:
        quotas[i] += 1
    chosen = [rng.choice(np.flatnonzero(labels == c), q, replace=False) for c, q in zip(classes, quotas, strict=True)]
    return np.sort(np.concatenate(chosen))


def load_fashion_mnist(source: str = "archives", data_dir=None, cache_dir=None,
                       download: bool | None = None) -> FashionMNIST:
    """Load the canonical 60,000/10,000 split from verified archives (default) or tfds."""
    started = time.perf_counter()
    if source == "archives":
        from fashionclasstic.data.archives import load_archives

        loaded = load_archives(data_dir, cache_dir, download)
        arrays, where = loaded.arrays, f"verified archives from {loaded.source}"
    elif source == "tfds":
        from fashionclasstic.data.tfds_source import load_tfds

        arrays, where = load_tfds(data_dir, download)
    else:
        raise ConfigError(f"unknown data source {source!r}; choose one of: {', '.join(SOURCES)}")
    _check_canonical(arrays, where)
    data = FashionMNIST.from_uint8(arrays, where)
    log.info("Fashion-MNIST loaded in %.2f s: %s", time.perf_counter() - started, where)
    return data


def _check_canonical(arrays: dict[str, np.ndarray], where: str) -> None:
    expected = {"x_train": (60_000, 28, 28), "y_train": (60_000,), "x_test": (10_000, 28, 28),
                "y_test": (10_000,)}
    for key, shape in expected.items():
        if arrays[key].shape != shape:
            raise DataError(f"{where}: {key} has shape {arrays[key].shape}, expected {shape}; "
                            f"this is not the canonical Fashion-MNIST split.")
