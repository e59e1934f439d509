"""Writing report files safely, and finding saved runs again.

Every file goes through a temporary file in the same directory and :func:`os.replace`, so a
crash or a second Ctrl-C leaves the previous complete file (or none), never half of one, and
no temporary file behind.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from fashionclasstic.errors import ConfigError, FashionClassticError

RESULTS_SCHEMA = "fashionclasstic.results"
RESULTS_FILE = "results.json"
RUNS_DIR = Path(".fashionclasstic") / "runs"
LATEST_LINK = "latest"
LATEST_FILE = "LATEST"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Temporary files are created private (0600); the final file gets the usual permissions.
FILE_MODE = 0o666 & ~_umask()


class ReportError(FashionClassticError):
    """The report could not be written (a directory that cannot be created, a full disk)."""


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary sibling and a rename.

    The temporary file is removed whatever interrupts the write (an exception, Ctrl-C), so a
    report directory never holds a partial file or a stray ``*.tmp``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            os.fchmod(out.fileno(), FILE_MODE)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def jsonable(value: Any) -> Any:
    """Plain JSON: non-finite floats become ``null`` (strict parsers refuse NaN), numpy scalars
    and arrays become numbers and lists, anything else its ``repr``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return jsonable(value.tolist())
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return repr(value)


def json_text(data: Any) -> str:
    return json.dumps(jsonable(data), indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def atomic_write_json(path: Path, data: Any) -> None:
    # Serialise first: a value that cannot be written fails before the file is touched.
    atomic_write_text(path, json_text(data))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue()


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
    """A ``results.json`` written by :func:`write_run_report`, checked for its schema."""
    data = read_json(path)
    if not isinstance(data, dict) or data.get("schema") != RESULTS_SCHEMA:
        raise ConfigError(f"{path}: not a FashionClasstic results.json (no \"schema\": \"{RESULTS_SCHEMA}\")")
    from fashionclasstic.results import SCHEMA_VERSION

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
