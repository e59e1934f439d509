"""Where runs are saved: run folders, ``latest``, ``results.json`` (finding them again is
:mod:`fashionclasstic.runs.saved`'s).

Files are written through :mod:`fashionclasstic.fileio` (atomic writes)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from fashionclasstic.errors import FashionClassticError
from fashionclasstic.fileio import atomic_write_text

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
