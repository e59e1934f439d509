"""Finding, verifying and caching the four official Fashion-MNIST archives.

The search order is fixed and documented (explicit directory, the suite's cache, known local
copies, a download), every file is checked against the published SHA-256 of the archive or of
its uncompressed content (Debian recompresses the archives), and a failure names the file and
the hash it should have. Nothing unverified ever reaches a model.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import os
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fashionclasstic.data.idx import parse_idx
from fashionclasstic.errors import DataError
from fashionclasstic.fileio import atomic_write_bytes, atomic_write_text

log = logging.getLogger(__name__)

DATA_DIR_ENV = "FASHIONCLASSTIC_DATA"
CACHE_DIR_ENV = "FASHIONCLASSTIC_CACHE"
OFFLINE_ENV = "FASHIONCLASSTIC_OFFLINE"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
PROJECT_URL = "https://github.com/zalandoresearch/fashion-mnist"
MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
)
DOWNLOAD_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class OfficialFile:
    """One of the four published files, with the hashes that identify it."""

    key: str
    filename: str
    archive_sha256: str
    content_sha256: str
    ndim: int
    count: int

    @property
    def content_name(self) -> str:
        return self.filename.removesuffix(".gz")

    def parse(self, raw: bytes, where: str) -> np.ndarray:
        if self.ndim == 3:
            return parse_idx(raw, where, ndim=3, count=self.count, item_shape=(28, 28))
        return parse_idx(raw, where, ndim=1, count=self.count, max_value=9)


OFFICIAL_FILES = (
    OfficialFile("x_train", "train-images-idx3-ubyte.gz",
                 "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                 "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", 3, 60_000),
    OfficialFile("y_train", "train-labels-idx1-ubyte.gz",
                 "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                 "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", 1, 60_000),
    OfficialFile("x_test", "t10k-images-idx3-ubyte.gz",
                 "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                 "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", 3, 10_000),
    OfficialFile("y_test", "t10k-labels-idx1-ubyte.gz",
                 "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                 "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", 1, 10_000),
)


def default_cache_dir() -> Path:
    """The suite's own cache: ``$FASHIONCLASSTIC_CACHE``, else the XDG cache directory."""
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg) / "fashionclasstic"


def keras_datasets_dir() -> Path:
    """Where Keras keeps downloaded datasets: ``$KERAS_HOME/datasets``, else ``~/.keras/datasets``."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras").expanduser() / "datasets"


@dataclass(frozen=True)
class Location:
    """A place the archives may be, in search order."""

    label: str
    directory: Path | None
    explicit: bool = False
    hint: str = ""


@dataclass
class LoadedArrays:
    """The four verified ``uint8`` arrays and where they came from."""

    arrays: dict[str, np.ndarray]
    source: str
    tried: list[str] = field(default_factory=list)


def search_locations(data_dir: str | os.PathLike | None, cache_dir: Path) -> list[Location]:
    """The documented search order. An explicit directory, when given, is the only place looked."""
    explicit = data_dir if data_dir is not None else os.environ.get(DATA_DIR_ENV) or None
    if explicit:
        origin = "--fc-data-dir" if data_dir is not None else DATA_DIR_ENV
        return [Location(f"{origin} {explicit}", Path(explicit).expanduser(), explicit=True)]
    return [
        Location(f"the suite's cache {cache_dir / 'fashion-mnist'}", cache_dir / "fashion-mnist"),
        Location(f"Debian's dataset-fashion-mnist ({DEBIAN_DIR})", DEBIAN_DIR,
                 hint="apt-get install dataset-fashion-mnist"),
        Location(f"the Keras cache ({keras_datasets_dir() / 'fashion-mnist'})", keras_datasets_dir() / "fashion-mnist"),
    ]


def _file_in(directory: Path, official: OfficialFile) -> Path | None:
    for name in (official.filename, official.content_name):
        if (directory / name).is_file():
            return directory / name
    return None


def read_verified(path: Path, official: OfficialFile, *, need_content: bool = True) -> bytes | None:
    """Return the uncompressed IDX bytes of ``path`` once they match the official hashes.

    An archive whose own hash is the official one is verified without decompressing it; its
    content is only returned when ``need_content`` is set.
    """
    raw = path.read_bytes()
    if path.suffix == ".gz":
        if hashlib.sha256(raw).hexdigest() == official.archive_sha256:
            return gzip.decompress(raw) if need_content else None
        try:
            content = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(
                f"{path} is not a readable gzip archive ({exc}); it is truncated or corrupt. Expected "
                f"SHA-256 {official.archive_sha256} (archive) or {official.content_sha256} "
                f"(uncompressed). Replace it with the official file from {PROJECT_URL}.") from None
    else:
        content = raw
    digest = hashlib.sha256(content).hexdigest()
    if digest != official.content_sha256:
        raise DataError(
            f"{path} does not match the official {official.filename}: its uncompressed SHA-256 is "
            f"{digest}, expected {official.content_sha256}. The file is corrupt, partial or another "
            f"dataset; replace it with the official file from {PROJECT_URL}.")
    return content


class ArrayCache:
    """Parsed arrays as ``.npy`` files, so a second session skips decompressing and parsing."""

    def __init__(self, cache_dir: Path):
        self.directory = cache_dir / "arrays"
        self.manifest_path = self.directory / "manifest.json"

    def load(self) -> tuple[dict[str, np.ndarray], str] | None:
        try:
            manifest = json.loads(self.manifest_path.read_text())
            expected = {f.key: f.content_sha256 for f in OFFICIAL_FILES}
            if manifest.get("content_sha256") != expected:
                return None
            arrays = {}
            for official in OFFICIAL_FILES:
                path = self.directory / f"{official.key}.npy"
                if hashlib.sha256(path.read_bytes()).hexdigest() != manifest["npy_sha256"][official.key]:
                    log.warning("cached %s is damaged; parsing the archives again", path)
                    return None
                arrays[official.key] = np.load(path)
            return arrays, manifest.get("parsed_from", "unknown")
        except (OSError, ValueError, KeyError):
            return None

    def save(self, arrays: dict[str, np.ndarray], parsed_from: str) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            npy_sha = {}
            for key, array in arrays.items():
                buffer = io.BytesIO()
                np.save(buffer, array)
                atomic_write_bytes(self.directory / f"{key}.npy", buffer.getvalue())
                npy_sha[key] = hashlib.sha256(buffer.getvalue()).hexdigest()
            manifest = {"content_sha256": {f.key: f.content_sha256 for f in OFFICIAL_FILES},
                        "npy_sha256": npy_sha, "parsed_from": parsed_from}
            atomic_write_text(self.manifest_path, json.dumps(manifest, indent=2))
        except OSError as exc:  # a read-only cache must not stop a benchmark
            log.warning("could not cache parsed arrays in %s: %s", self.directory, exc)


def download_archives(target: Path, mirrors=MIRRORS, timeout: float = DOWNLOAD_TIMEOUT_S) -> str:
    """Fetch the four archives into ``target``, verified before they get their final name."""
    target.mkdir(parents=True, exist_ok=True)
    errors = []
    for mirror in mirrors:
        try:
            for official in OFFICIAL_FILES:
                final = target / official.filename
                if final.is_file():
                    continue
                partial = target / (official.filename + ".part")
                with urllib.request.urlopen(mirror + official.filename, timeout=timeout) as response:
                    partial.write_bytes(response.read())
                read_verified(partial, official)
                os.replace(partial, final)
            return mirror
        except (urllib.error.URLError, OSError, TimeoutError, DataError) as exc:
            errors.append(f"{mirror}: {getattr(exc, 'reason', exc)}")
    raise DataError("; ".join(errors))


def load_archives(data_dir: str | os.PathLike | None = None, cache_dir: Path | None = None,
                  download: bool | None = None) -> LoadedArrays:
    """Find, verify and parse the archives; see the module docstring for the search order."""
    cache_dir = cache_dir or default_cache_dir()
    if download is None:
        download = os.environ.get(OFFLINE_ENV, "") in ("", "0")
    tried: list[str] = []
    problems: list[str] = []
    for location in search_locations(data_dir, cache_dir):
        directory = location.directory
        if directory is None or not directory.is_dir():
            tried.append(f"{location.label}: no such directory")
            if location.explicit:
                raise DataError(_not_found_message(tried, cache_dir, explicit=True))
            continue
        paths = {f.key: _file_in(directory, f) for f in OFFICIAL_FILES}
        missing = [f.filename for f in OFFICIAL_FILES if paths[f.key] is None]
        if missing:
            tried.append(f"{location.label}: missing {', '.join(missing)}")
            if location.explicit:
                raise DataError(_not_found_message(tried, cache_dir, explicit=True))
            continue
        try:
            return LoadedArrays(_verified_arrays(paths, cache_dir, location.label), location.label, tried)
        except DataError as exc:
            if location.explicit:
                raise
            problems.append(str(exc))
            tried.append(f"{location.label}: refused, {exc}")
    if download:
        target = cache_dir / "fashion-mnist"
        try:
            mirror = download_archives(target)
        except DataError as exc:
            tried.append(f"download into {target}: failed ({exc})")
        else:
            paths = {f.key: target / f.filename for f in OFFICIAL_FILES}
            label = f"downloaded from {mirror} into {target}"
            return LoadedArrays(_verified_arrays(paths, cache_dir, label), label, tried)
    else:
        tried.append(f"download: switched off ({OFFLINE_ENV} or --fc-no-download)")
    raise DataError(_not_found_message(tried, cache_dir, explicit=False))


def _verified_arrays(paths: dict[str, Path], cache_dir: Path, label: str) -> dict[str, np.ndarray]:
    contents = {f.key: read_verified(paths[f.key], f, need_content=False) for f in OFFICIAL_FILES}
    cache = ArrayCache(cache_dir)
    cached = cache.load()
    if cached is not None:
        return cached[0]
    for f in OFFICIAL_FILES:
        if contents[f.key] is None:
            contents[f.key] = read_verified(paths[f.key], f)
    arrays = {f.key: f.parse(contents[f.key], str(paths[f.key])) for f in OFFICIAL_FILES}
    cache.save(arrays, label)
    return arrays


def _not_found_message(tried: list[str], cache_dir: Path, explicit: bool) -> str:
    lines = ["Fashion-MNIST was not found. Looked in:"]
    lines += [f"  - {entry}" for entry in tried]
    names = ", ".join(f.filename for f in OFFICIAL_FILES)
    if explicit:
        lines.append(f"Put the four official archives ({names}) in that directory, or drop the "
                     f"option/variable to let the suite search its usual places.")
    else:
        lines += [
            "Do one of these:",
            f"  1. point the suite at a directory holding {names}: "
            f"pytest --fc-data-dir DIR, or {DATA_DIR_ENV}=DIR;",
            "  2. install Debian's copy: apt-get install dataset-fashion-mnist;",
            f"  3. download the four archives from {PROJECT_URL} into {cache_dir / 'fashion-mnist'}.",
        ]
    return "\n".join(lines)
