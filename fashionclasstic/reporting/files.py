"""Where runs are saved, and finding them again: run folders, ``latest``, ``results.json``.

Files are written through :mod:`fashionclasstic.fileio` (atomic writes)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from fashionclasstic.errors import ConfigError, FashionClassticError
from fashionclasstic.fileio import atomic_write_text
from fashionclasstic.records import SCHEMA_VERSION

RESULTS_SCHEMA = "fashionclasstic.results"
RESULTS_FILE = "results.json"
RUNS_DIR = Path(".fashionclasstic") / "runs"
LATEST_LINK = "latest"
LATEST_FILE = "LATEST"


class ReportError(FashionClassticError):
    """The report could not be written (a directory that cannot be created, a full disk)."""


def safe_name(name: str) -> str:
    """A model name as one path component: a user's model may be called anything."""
    cleaned = re.sub(r"[^A-Za-z0-9._+-]+", "_", name).strip("._") or "model"
    return cleaned[:100]


def create_run_dir(runs_dir: Path, run_id: str) -> Path:
    """Create ``runs_dir/run_id``, or ``run_id-2``, ``-3``... when another run started in the
    same second: the folder is created exclusively, so two sessions never share one."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    number = 1
    while True:
        candidate = runs_dir / (run_id if number == 1 else f"{run_id}-{number}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            number += 1


def update_latest(runs_dir: Path, run_dir: Path) -> None:
    """Point ``runs_dir/latest`` at ``run_dir``: a relative symlink, swapped in atomically, or a
    ``LATEST`` text file holding the run's folder name where symlinks are not allowed."""
    link = runs_dir / LATEST_LINK
    temporary = runs_dir / f".{LATEST_LINK}.{os.getpid()}.tmp"
    try:
        if temporary.is_symlink() or temporary.exists():
            temporary.unlink()
        os.symlink(run_dir.name, temporary, target_is_directory=True)
        os.replace(temporary, link)
    except (OSError, NotImplementedError):
        try:
            if temporary.is_symlink():
                temporary.unlink()
        except OSError:
            pass
        atomic_write_text(runs_dir / LATEST_FILE, run_dir.name + "\n")
        return
    stale = runs_dir / LATEST_FILE
    if stale.exists():
        stale.unlink()


def latest_run_dir(runs_dir: Path = RUNS_DIR) -> Path | None:
    """The run ``latest`` points to, through the symlink or the ``LATEST`` file."""
    link = runs_dir / LATEST_LINK
    if link.is_dir():
        return link
    pointer = runs_dir / LATEST_FILE
    if pointer.is_file():
        target = runs_dir / pointer.read_text(encoding="utf-8").strip()
        if target.is_dir():
            return target
    return None


def read_json(path: Path) -> Any:
    """Parse a JSON file; a missing or unreadable one is a :class:`ConfigError` naming it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc})") from None


def load_results(path: Path) -> dict:
    """A saved ``results.json`` (``publishers.write_report``), checked for its schema."""
    data = read_json(path)
    if not isinstance(data, dict) or data.get("schema") != RESULTS_SCHEMA:
        raise ConfigError(f"{path}: not a FashionClasstic results.json (no \"schema\": \"{RESULTS_SCHEMA}\")")
    version = data.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise ConfigError(f"{path}: schema_version {version!r} is newer than this version of "
                          f"fashionclasstic understands ({SCHEMA_VERSION}); upgrade it")
    if not isinstance(data.get("models"), list):
        raise ConfigError(f"{path}: has no \"models\" list")
    return data


def find_results_file(run: str, runs_dir: Path = RUNS_DIR) -> Path:
    """Where the ``results.json`` of ``run`` is: a file, a run directory, a run id under
    ``runs_dir``, or ``latest``."""
    if run == LATEST_LINK:
        latest = latest_run_dir(runs_dir)
        if latest is None:
            raise ConfigError(f"'latest': no saved run under {runs_dir} (run the benchmarks first)")
        return latest / RESULTS_FILE
    path = Path(run).expanduser()
    if not path.exists() and (runs_dir / run).is_dir():
        path = runs_dir / run
    if path.is_dir():
        if not (path / RESULTS_FILE).is_file():
            raise ConfigError(f"{path}: this directory holds no {RESULTS_FILE}")
        return path / RESULTS_FILE
    if not path.is_file():
        raise ConfigError(f"{run}: no such file or run directory (nor a run under {runs_dir})")
    return path
