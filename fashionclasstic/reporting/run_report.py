"""The report of one run: ``results.json`` (the data), ``results.md`` / ``results.csv`` (the
table), per-model figures and texts, a look at the data, and a self-contained ``index.html``.

The plugin calls :func:`run_info` and :func:`write_run_report` once, on the controller, at
the end of the session (also under xdist and after Ctrl-C); ``python -m fashionclasstic
report`` calls :func:`rebuild_report` to redraw a saved run without training anything.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tabulate import tabulate

from fashionclasstic.errors import FashionClassticError
from fashionclasstic.reporting.files import (
    RESULTS_FILE,
    RESULTS_SCHEMA,
    RUNS_DIR,
    ReportError,
    atomic_write_json,
    atomic_write_text,
    create_run_dir,
    csv_text,
    find_results_file,
    load_results,
    safe_name,
    update_latest,
)
from fashionclasstic.reporting.table import (
    CSV_COLUMNS,
    csv_rows,
    markdown_escape,
    markdown_table,
    sort_records,
    status_text,
)
from fashionclasstic.results import SCHEMA_VERSION, CaseRecord


RUN_ID_FORMAT = "%Y%m%dT%H%M%SZ"
# Distribution names whose versions explain a difference between two runs.
VERSIONED = ("fashionclasstic", "numpy", "scikit-learn", "xgboost", "tensorflow", "keras", "torch",
             "transformers", "pytest", "pytest-benchmark", "pytest-xdist")
EXIT_STATUS = {0: "all passed", 1: "tests failed", 2: "interrupted", 3: "internal error",
               4: "usage error", 5: "no tests collected"}
TIMING_LEGEND = {
    "pytest-benchmark": "timed by pytest-benchmark (pedantic rounds; inference: median of the rounds)",
    "wall-clock": "pytest-benchmark was off (xdist or --benchmark-disable): the same calls timed "
                  "with time.perf_counter",
}
_LOAD = object()  # write_run_report's default: load the dataset named in the run info


# --------------------------------------------------------------------------- run information


def run_id(moment: datetime) -> str:
    """A sortable UTC timestamp, e.g. ``20261125T061500Z``: run folders list in run order."""
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(timezone.utc).strftime(RUN_ID_FORMAT)


def package_versions() -> dict[str, str | None]:
    """Installed versions of what a result depends on (``None``: not installed)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    if versions["tensorflow"] is None:  # the CPU-only wheel has its own name
        try:
            versions["tensorflow"] = importlib.metadata.version("tensorflow-cpu")
        except importlib.metadata.PackageNotFoundError:
            pass
    return versions


def _proc_field(path: str, key: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                name, _, value = line.partition(":")
                if name.strip() == key:
                    return value.strip()
    except OSError:
        pass
    return None


def machine_info() -> dict[str, Any]:
    """What the timings depend on: OS, CPU model and count, memory."""
    memory_kb = _proc_field("/proc/meminfo", "MemTotal")
    try:
        memory = int(memory_kb.split()[0]) * 1024 if memory_kb else None
    except ValueError:
        memory = None
    return {"platform": platform.platform(), "machine": platform.machine(),
            "processor": _proc_field("/proc/cpuinfo", "model name") or platform.processor() or None,
            "cpu_count": os.cpu_count(), "memory_bytes": memory}


def _git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10,
                              check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def git_info(cwd: Path | None = None) -> dict[str, Any]:
    """The commit the run measured, and whether tracked files differed from it."""
    cwd = Path(cwd or Path.cwd())
    commit = _git(cwd, "rev-parse", "HEAD")
    if not commit:
        return {"commit": None, "dirty": None}
    status = _git(cwd, "status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def xdist_workers(config) -> int:
    """How many xdist workers ran the cases (0: no xdist)."""
    value = config.getoption("numprocesses", None)
    if isinstance(value, int):
        return value
    if value in ("auto", "logical"):
        return os.cpu_count() or 1
    try:
        return int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0") or 0)
    except ValueError:
        return 0


def run_info(config, settings, started: datetime, exitstatus: int) -> dict[str, Any]:
    """Everything needed to reproduce or explain the run, recorded next to its results."""
    finished = datetime.now(timezone.utc)
    workers = xdist_workers(config)
    data_dir = settings.data_dir
    if data_dir:
        data_dir = str(Path(data_dir).expanduser().resolve())
    return {
        "id": run_id(started),
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "duration_seconds": round((finished - started).total_seconds(), 3),
        "exit_status": int(exitstatus),
        "profile": settings.profile.name,
        "seed": settings.seed,
        "threads_per_worker": settings.threads or max(1, (os.cpu_count() or 1) // max(1, workers)),
        "xdist_workers": workers,
        "pytest_args": [str(arg) for arg in config.invocation_params.args],
        "cwd": str(config.invocation_params.dir),
        "versions": package_versions(),
        "machine": machine_info(),
        "git": git_info(Path(config.invocation_params.dir)),
        "data": {"source": settings.source, "data_dir": data_dir},
    }


# --------------------------------------------------------------------------- writing the report


def write_run_report(records: Iterable[CaseRecord], info: dict[str, Any], report_dir_option=None,
                     *, dataset=_LOAD, runs_dir: Path | None = None) -> Path:
    """Write the whole report and return its directory.

    The directory is ``report_dir_option`` when given; otherwise a new
    ``.fashionclasstic/runs/<run id>/`` with ``latest`` pointed at it. ``dataset`` is for
    callers that already hold the data (tests); by default it is loaded from ``info["data"]``,
    and the exploration figures are skipped, with a note, when it cannot be.
    """
    runs_dir = Path(runs_dir) if runs_dir is not None else RUNS_DIR
    info = dict(info)
    directory = Path(report_dir_option or runs_dir)
    try:
        if report_dir_option:
            directory, pointer = Path(report_dir_option).expanduser(), False
        else:
            directory = create_run_dir(runs_dir, str(info.get("id") or run_id(datetime.now(timezone.utc))))
            info["id"], pointer = directory.name, True
        directory.mkdir(parents=True, exist_ok=True)
        write_report_files(list(records), info, directory, dataset=dataset)
        if pointer:
            update_latest(runs_dir, directory)
    except OSError as exc:
        raise ReportError(f"cannot write the report to {directory}: {exc}") from None
    return directory.resolve()


def rebuild_report(run: str, out=None, data_dir=None, *, dataset=_LOAD, runs_dir: Path | None = None) -> Path:
    """Redraw a saved run from its ``results.json`` alone (into its folder, or ``out``)."""
    path = find_results_file(run, Path(runs_dir) if runs_dir is not None else RUNS_DIR)
    saved = load_results(path)
    records = [CaseRecord.from_dict(model) for model in saved["models"] if isinstance(model, dict)]
    info = dict(saved.get("run") or {})
    if data_dir:
        info["data"] = {**(info.get("data") or {}), "data_dir": str(Path(data_dir).expanduser().resolve())}
    directory = Path(out).expanduser() if out else path.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        same_place = directory.resolve() == path.parent.resolve()
        write_report_files(records, info, directory, dataset=dataset, write_json=not same_place)
    except OSError as exc:
        raise ReportError(f"cannot write the report to {directory}: {exc}") from None
    return directory.resolve()


def results_document(records: list[CaseRecord], info: dict[str, Any]) -> dict[str, Any]:
    return {"schema": RESULTS_SCHEMA, "schema_version": SCHEMA_VERSION, "run": info,
            "models": [record.to_dict() for record in sort_records(records)]}


def load_exploration_data(info: dict[str, Any]):
    """The dataset the run used, or ``(None, why not)``: a report never downloads anything."""
    data = info.get("data") or {}
    try:
        from fashionclasstic.data import load_fashion_mnist

        return load_fashion_mnist(data.get("source") or "archives", data.get("data_dir"), download=False), None
    except (FashionClassticError, ImportError, OSError) as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return None, f"data exploration skipped: the dataset could not be loaded ({first_line})"


def write_report_files(records: list[CaseRecord], info: dict[str, Any], directory: Path, *,
                       dataset=_LOAD, write_json: bool = True) -> None:
    """Write every file of the report into ``directory`` (which exists).

    ``results.json`` goes first, so the numbers survive anything that interrupts the figures;
    ``index.html`` goes last, as it links everything else. A figure that cannot be drawn is a
    note in the report, never a lost report.
    """
    from fashionclasstic.reporting import figures
    from fashionclasstic.reporting.html import render_index

    notes: list[str] = []
    if dataset is _LOAD:
        dataset, note = load_exploration_data(info)
        if note:
            notes.append(note)
    elif dataset is None:
        notes.append("data exploration skipped: no dataset given")
    if dataset is not None:
        info["data"] = {**(info.get("data") or {}), "loaded_from": dataset.source}

    records = sort_records(records)
    if write_json:
        atomic_write_json(directory / RESULTS_FILE, results_document(records, info))
    atomic_write_text(directory / "results.csv", csv_text(CSV_COLUMNS, csv_rows(records)))

    folders = model_folders([record.model for record in records])
    artifacts = {record.model: write_model_files(record, directory, notes, figures, folders[record.model])
                 for record in records}

    exploration: list[str] = []
    if dataset is not None:
        try:
            written = figures.write_exploration(dataset, directory / "data", seed=int(info.get("seed") or 0))
            exploration = [path.relative_to(directory).as_posix() for path in written]
        except Exception as exc:  # noqa: BLE001 - a figure must not cost the report
            notes.append(f"data exploration figures not drawn: {type(exc).__name__}: {exc}")

    atomic_write_text(directory / "results.md", markdown_report(records, info, artifacts, exploration, notes))
    atomic_write_text(directory / "index.html", render_index(records, info, artifacts, exploration, notes))


def _x_label(record: CaseRecord) -> str:
    return "boosting round" if record.family == "boosting" or record.framework == "xgboost" else "epoch"


def _class_names(record: CaseRecord) -> list[str]:
    from fashionclasstic.data import CLASS_NAMES

    size = len(record.confusion or CLASS_NAMES)
    names = list(record.per_class or {})
    return names if len(names) == size else list(CLASS_NAMES)[:size] + [str(i) for i in range(len(CLASS_NAMES), size)]


def model_folders(models: list[str]) -> dict[str, str]:
    """A folder name per model, distinct even where two names clean up alike (``a/b``, ``a_b``)."""
    folders: dict[str, str] = {}
    used: set[str] = set()
    for model in models:
        name, number = safe_name(model), 1
        while name.lower() in used:  # case-insensitive file systems
            number += 1
            name = f"{safe_name(model)}-{number}"
        used.add(name.lower())
        folders[model] = name
    return folders


def write_model_files(record: CaseRecord, directory: Path, notes: list[str], figures,
                      folder_name: str | None = None) -> dict[str, str]:
    """The files of one model, as ``{file name: path relative to the report}``.

    Every model gets ``summary.txt``; the rest exists only when the record has its data (a
    model that failed, was skipped or never ran has none to draw).
    """
    folder = directory / "models" / (folder_name or safe_name(record.model))
    written: dict[str, str] = {}

    def keep(path: Path) -> None:
        written[path.name] = path.relative_to(directory).as_posix()

    def attempt(what: str, draw) -> None:
        try:
            keep(draw())
        except Exception as exc:  # noqa: BLE001 - a figure must not cost the report
            notes.append(f"{record.model}: {what} not written ({type(exc).__name__}: {exc})")

    atomic_write_text(folder / "summary.txt", model_summary(record))
    keep(folder / "summary.txt")
    if record.confusion:
        names = _class_names(record)
        accuracy = "" if record.accuracy is None else f" (accuracy {record.accuracy:.4f})"
        attempt("confusion.txt", lambda: _write(folder / "confusion.txt", confusion_text(record.confusion, names)))
        attempt("confusion.png", lambda: figures.confusion_figure(
            record.confusion, names, f"{record.model}: confusion matrix on the test set{accuracy}",
            folder / "confusion.png"))
    if record.report:
        attempt("classification_report.txt",
                lambda: _write(folder / "classification_report.txt", record.report.rstrip() + "\n"))
    if record.feature_importances:
        if len(record.feature_importances) == 28 * 28:
            attempt("feature_importance.png", lambda: figures.feature_importance_figure(
                record.feature_importances, f"{record.model}: importance of each pixel",
                folder / "feature_importance.png"))
            attempt("feature_importance.csv", lambda: _write(
                folder / "feature_importance.csv", feature_importance_csv(record.feature_importances)))
        else:
            notes.append(f"{record.model}: {len(record.feature_importances)} feature importances, "
                         f"not one per pixel (784): not drawn")
    if any(record.history.values()):
        attempt("learning_curves.png", lambda: figures.learning_curves_figure(
            record.history, _x_label(record), f"{record.model}: learning curves", folder / "learning_curves.png"))
        attempt("history.csv", lambda: _write(folder / "history.csv", history_csv(record.history, _x_label(record))))
    return written


def _write(path: Path, text: str) -> Path:
    atomic_write_text(path, text)
    return path


def confusion_text(confusion: list[list[int]], names: list[str]) -> str:
    rows = [[name, *row, sum(row)] for name, row in zip(names, confusion)]
    table = tabulate(rows, headers=["true \\ predicted", *names, "total"], tablefmt="simple",
                     disable_numparse=True)
    return f"Confusion matrix on the test set (rows: true class, columns: predicted class)\n\n{table}\n"


def feature_importance_csv(importances: list[float]) -> str:
    """28 rows of 28 values: the image's own layout (row = pixel row, top first)."""
    rows = [[repr(float(v)) for v in importances[row * 28:(row + 1) * 28]] for row in range(28)]
    return "\n".join(",".join(row) for row in rows) + "\n"


def history_keys(history: dict[str, list]) -> list[str]:
    preferred = ["loss", "accuracy", "val_loss", "val_accuracy", "seconds"]
    return [k for k in preferred if k in history] + sorted(k for k in history if k not in preferred)


def history_csv(history: dict[str, list], x_label: str) -> str:
    keys = history_keys(history)
    length = max((len(history[k]) for k in keys), default=0)
    rows = [[step + 1, *(history[k][step] if step < len(history[k]) else None for k in keys)]
            for step in range(length)]
    return csv_text([x_label.replace(" ", "_"), *keys], rows)


def model_summary(record: CaseRecord) -> str:
    data = record.to_dict()
    lines = [f"{record.model}: {status_text(record)}", ""]
    for key in ("family", "framework", "description", "pretrained", "profile", "seed", "threads",
                "n_train", "n_validation", "n_test", "accuracy", "macro_f1", "min_accuracy", "gate",
                "threshold_origin", "train_seconds", "inference_seconds", "inference_rounds",
                "inference_ms_per_image", "timing", "parameter_count", "size_bytes", "worker"):
        if data.get(key) not in (None, ""):
            lines.append(f"{key}: {data[key]}")
    if record.hyperparameters:
        lines += ["", "hyperparameters:"] + [f"  {k}: {v}" for k, v in sorted(record.hyperparameters.items())]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- summaries


def _gib(value) -> str:
    return f"{value / 2**30:.1f} GiB" if isinstance(value, (int, float)) else "?"


def info_items(info: dict[str, Any]) -> list[tuple[str, str]]:
    """The run information as (label, text) pairs, shared by ``results.md`` and ``index.html``."""
    machine = info.get("machine") or {}
    git = info.get("git") or {}
    data = info.get("data") or {}
    versions = info.get("versions") or {}
    status = info.get("exit_status")
    commit = git.get("commit")
    items = [
        ("run", str(info.get("id", "?"))),
        ("started", str(info.get("started", "?"))),
        ("finished", f"{info.get('finished', '?')}" + (f" ({info['duration_seconds']:.0f} s)"
                                                      if isinstance(info.get("duration_seconds"), (int, float)) else "")),
        ("exit status", "?" if status is None else f"{status} ({EXIT_STATUS.get(status, 'unknown')})"),
        ("profile", str(info.get("profile", "?"))),
        ("seed", str(info.get("seed", "?"))),
        ("threads per worker", str(info.get("threads_per_worker", "?"))),
        ("xdist workers", str(info.get("xdist_workers") or "none (serial)")),
        ("machine", str(machine.get("platform", "?"))),
        ("CPU", f"{machine.get('processor') or '?'}, {machine.get('cpu_count') or '?'} logical cores"),
        ("memory", _gib(machine.get("memory_bytes"))),
        ("commit", "unknown (not a git checkout)" if not commit else
         f"{commit}{' (with uncommitted changes)' if git.get('dirty') else ''}"),
        ("data", data.get("loaded_from") or f"{data.get('source', '?')}"
                 + (f" from {data['data_dir']}" if data.get("data_dir") else "")),
        ("pytest arguments", " ".join(info.get("pytest_args") or []) or "(none)"),
        ("versions", ", ".join(f"{k} {v}" for k, v in versions.items() if v)),
    ]
    return items


def timing_notes(records: list[CaseRecord]) -> list[str]:
    used = sorted({r.timing for r in records if r.timing})
    return [f"`{label}`: {TIMING_LEGEND.get(label, 'as recorded')}" for label in used]


def markdown_report(records: list[CaseRecord], info: dict[str, Any], artifacts: dict[str, dict[str, str]],
                    exploration: list[str], notes: list[str]) -> str:
    lines = [f"# FashionClasstic results: run {info.get('id', '?')}", ""]
    lines += [f"- **{label}**: {markdown_escape(text)}" for label, text in info_items(info)]
    lines += ["", "## Models", "", markdown_table(records), ""]
    timing = timing_notes(records)
    if timing:
        lines += ["Timing: " + "; ".join(timing) + ".", ""]
    unfinished = [r for r in records if r.status != "passed"]
    if unfinished:
        lines += ["## Not passed", ""] + [f"- **{markdown_escape(r.model)}**: {markdown_escape(status_text(r))}"
                                              for r in unfinished] + [""]
    lines += ["## Files", "", "- `results.json`: every number of every model, and this run's information",
              "- `results.csv`: one row per model", "- `index.html`: this report with every figure"]
    for record in records:
        files = artifacts.get(record.model) or {}
        if files:
            links = ", ".join(f"[{name}]({path})" for name, path in files.items())
            lines.append(f"- {markdown_escape(record.model)}: {links}")
    if exploration:
        lines.append("- data: " + ", ".join(f"[{Path(p).name}]({p})" for p in exploration))
    if notes:
        lines += ["", "## Notes", ""] + [f"- {markdown_escape(note)}" for note in notes]
    return "\n".join(lines) + "\n"


__all__ = ["rebuild_report", "run_info", "write_report_files", "write_run_report"]
