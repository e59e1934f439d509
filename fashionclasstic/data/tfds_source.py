"""TensorFlow Datasets as an alternative source, for users who already keep tfds data.

tfds stores the examples in its own order, so the arrays are checked against an
order-independent fingerprint of the official content (same images, same labels) rather than
the archives' hashes. Subsampled profiles may therefore pick other images than the default
source; the ``full`` profile sees exactly the same data.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np

from fashionclasstic.errors import DataError

# sha256 over the sorted sha256 digests of (label byte + 784 pixel bytes), one per example.
FINGERPRINTS = {
    "train": "0c69d5cdeb902b69084012f812f066de080317bb3c64f43ca87f910d8ec86906",
    "test": "90c92c0507755a7d443edde8297ce4d0f131e42884e2e87e7fc9b81ffe215258",
}


def fingerprint(images: np.ndarray, labels: np.ndarray) -> str:
    rows = np.concatenate([labels.astype(np.uint8).reshape(-1, 1), images.reshape(len(images), -1)], axis=1)
    digests = sorted(hashlib.sha256(row.tobytes()).digest() for row in rows)
    return hashlib.sha256(b"".join(digests)).hexdigest()


def _manual_dir(data_dir) -> str | None:
    """A directory of official archives tfds can prepare from without a download."""
    from fashionclasstic.data.archives import DATA_DIR_ENV, default_cache_dir, search_locations

    explicit = data_dir or os.environ.get(DATA_DIR_ENV)
    for location in search_locations(explicit, default_cache_dir()):
        if location.directory is not None and (location.directory / "train-images-idx3-ubyte.gz").is_file():
            return str(location.directory)
    return None


def load_tfds(data_dir=None, download: bool | None = None) -> tuple[dict[str, np.ndarray], str]:
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        raise DataError("--fc-source tfds needs tensorflow-datasets: "
                        "pip install 'fashionclasstic[tfds]'") from None
    from fashionclasstic.data.archives import OFFLINE_ENV

    if download is None:
        download = os.environ.get(OFFLINE_ENV, "") in ("", "0")
    builder = tfds.builder("fashion_mnist")
    if not builder.is_prepared():
        manual = _manual_dir(data_dir)
        if manual is None and not download:
            raise DataError(f"tensorflow-datasets has not prepared fashion_mnist in {builder.data_dir}, no local "
                            f"archives were found to prepare it from, and downloads are off (--fc-no-download or "
                            f"{OFFLINE_ENV}). Put the official archives in a directory and pass --fc-data-dir DIR, "
                            f"or allow the download.")
        try:
            builder.download_and_prepare(
                download_config=tfds.download.DownloadConfig(manual_dir=manual))
        except Exception as exc:  # noqa: BLE001 - tfds raises many kinds; the user needs one message
            raise DataError(
                f"tensorflow-datasets could not prepare fashion_mnist in {builder.data_dir} "
                f"({type(exc).__name__}: {str(exc).splitlines()[0][:200]}). Put the official "
                f"archives in a directory and pass --fc-data-dir DIR (tfds prepares from them), or "
                f"use the default source (--fc-source archives).") from None
    splits = tfds.as_numpy(builder.as_dataset(batch_size=-1, as_supervised=True))
    arrays = {}
    for split, prefix in (("train", "train"), ("test", "test")):
        images, labels = splits[split]
        images = images.reshape(len(images), 28, 28).astype(np.uint8)
        labels = labels.astype(np.uint8)
        if fingerprint(images, labels) != FINGERPRINTS[split]:
            raise DataError(f"the tfds fashion_mnist {split} split in {builder.data_dir} does not hold "
                            f"the official images and labels; delete it and prepare it again.")
        arrays[f"x_{prefix}"], arrays[f"y_{prefix}"] = images, labels
    return arrays, f"tensorflow-datasets fashion_mnist in {builder.data_dir} (tfds order, content verified)"
