"""The report of one run, written by publishers iterated from one list (as asv publishes).

A run-level :class:`Publisher` writes one output of the run (``results.json``, the tables, the
data figures, ``index.html``); a :class:`ModelPublisher` writes one file per model when the
record holds what it needs. A new figure is one entry in :data:`MODEL_PUBLISHERS` (or, from
another plugin, the ``pytest_fashionclasstic_publishers`` hook).

``results.json`` goes first, so the numbers survive anything that interrupts the figures;
``index.html`` goes last, as it links everything else. A figure that cannot be drawn is a note
in the report, never a lost report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fashionclasstic.errors import FashionClassticError
from fashionclasstic.fileio import atomic_write_json, atomic_write_text, csv_text
from fashionclasstic.records import SCHEMA_VERSION, CaseRecord, RunInfo, new_run_id
from fashionclasstic.reporting import texts
from fashionclasstic.reporting.files import (
    RESULTS_FILE,
    RESULTS_SCHEMA,
    RUNS_DIR,
    ReportError,
    create_run_dir,
    safe_name,
    update_latest,
)
from fashionclasstic.reporting.formatting import by_accuracy
from fashionclasstic.reporting.tables import csv_header, csv_rows

LOAD_DATASET = object()  # the default dataset: load the one named in the run information


@dataclass
class Report:
    """What the publishers read, and the files they have written so far."""

    records: list[CaseRecord]
    info: RunInfo
    directory: Path
    dataset: Any = None
    notes: list[str] = field(default_factory=list)
    model_files: dict[str, dict[str, str]] = field(default_factory=dict)  # model -> {file: path}
    data_files: list[str] = field(default_factory=list)
    captions: dict[str, str] = field(default_factory=dict)  # figure file -> caption
    run_figures: list[tuple[str, str]] = field(default_factory=list)  # (path, caption) of run-level figures

    def relative(self, path: Path) -> str:
        return path.relative_to(self.directory).as_posix()


@dataclass(frozen=True)
class Publisher:
    """One output of the run. ``results``: part of the cheap set rewritten after every model."""

    name: str
    publish: Callable[[Report], None]
    results: bool = False


@dataclass(frozen=True)
class ModelPublisher:
    """One file per model: ``write(record, path)`` when ``applies(record)``; ``caption`` shows
    a figure in ``index.html``."""

    name: str
    applies: Callable[[CaseRecord], bool]
    write: Callable[[CaseRecord, Path], None]
    caption: str = ""


def _text(render: Callable[[CaseRecord], str]) -> Callable[[CaseRecord, Path], None]:
    return lambda record, path: atomic_write_text(path, render(record))


def _figure(draw: Callable[[Any, CaseRecord, Path], object]) -> Callable[[CaseRecord, Path], None]:
    """A figure drawer, with matplotlib imported only when a figure is drawn."""

    def write(record: CaseRecord, path: Path) -> None:
        from fashionclasstic.reporting import figures

        draw(figures, record, path)

    return write


def _accuracy_title(record: CaseRecord) -> str:
    accuracy = "" if record.accuracy is None else f" (accuracy {record.accuracy:.4f})"
    return f"{record.model}: confusion matrix on the test set{accuracy}"


def _pixel_map(record: CaseRecord) -> bool:
    return bool(record.feature_importances) and len(record.feature_importances) == 28 * 28


def _has_history(record: CaseRecord) -> bool:
    return any(record.history.values())


MODEL_PUBLISHERS: list[ModelPublisher] = [
    ModelPublisher("summary.txt", lambda r: True, _text(texts.model_summary)),
    ModelPublisher("confusion.txt", lambda r: bool(r.confusion), _text(texts.confusion_text)),
    ModelPublisher("confusion.png", lambda r: bool(r.confusion), _figure(
        lambda figures, r, path: figures.confusion_figure(r.confusion, texts.class_names(r), _accuracy_title(r), path)),
                   "counts and row-normalised shares"),
    ModelPublisher("classification_report.txt", lambda r: bool(r.classification_report),
                   _text(lambda r: r.classification_report.rstrip() + "\n")),
    ModelPublisher("feature_importance.png", _pixel_map, _figure(
        lambda figures, r, path: figures.feature_importance_figure(
            r.feature_importances, f"{r.model}: importance of each pixel", path)),
                   "importance of each pixel"),
    ModelPublisher("feature_importance.csv", _pixel_map, _text(lambda r: texts.feature_importance_csv(
        r.feature_importances))),
    ModelPublisher("learning_curves.png", _has_history, _figure(lambda figures, r, path: figures.learning_curves_figure(
        r.history, texts.x_label(r), f"{r.model}: learning curves", path)),
                   "loss and accuracy per step, training and validation"),
    ModelPublisher("history.csv", _has_history, _text(texts.history_csv)),
]


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


def publish_model_files(report: Report, publishers: Iterable[ModelPublisher] = ()) -> None:
    folders = model_folders([record.model for record in report.records])
    for record in report.records:
        folder = report.directory / "models" / folders[record.model]
        written = report.model_files.setdefault(record.model, {})
        for publisher in [*MODEL_PUBLISHERS, *publishers]:
            if publisher.caption:
                report.captions[publisher.name] = publisher.caption
            if not publisher.applies(record):
                continue
            try:
                publisher.write(record, folder / publisher.name)
                written[publisher.name] = report.relative(folder / publisher.name)
            except Exception as exc:  # noqa: BLE001 - a figure must not cost the report
                report.notes.append(f"{record.model}: {publisher.name} not written ({type(exc).__name__}: {exc})")
        if record.feature_importances and not _pixel_map(record):
            report.notes.append(f"{record.model}: {len(record.feature_importances)} feature importances, "
                                f"not one per pixel (784): not drawn")


def results_document(report: Report) -> dict[str, Any]:
    return {"schema": RESULTS_SCHEMA, "schema_version": SCHEMA_VERSION, "run": report.info.to_dict(),
            "models": [record.to_dict() for record in report.records]}


def publish_data_figures(report: Report) -> None:
    if report.dataset is None:
        return
    from fashionclasstic.reporting import figures

    try:
        written = figures.write_exploration(report.dataset, report.directory / "data", seed=report.info.seed)
        report.data_files = [report.relative(path) for path in written]
    except Exception as exc:  # noqa: BLE001 - a figure must not cost the report
        report.notes.append(f"data exploration figures not drawn: {type(exc).__name__}: {exc}")


def publish_accuracy_vs_time(report: Report) -> None:
    points = [(r.model, r.train_seconds, r.accuracy) for r in report.records
              if r.accuracy is not None and r.train_seconds]
    if not points:
        return
    from fashionclasstic.reporting import figures

    caption = "test accuracy against training seconds; the Pareto front marks the models worth their time"
    try:
        figures.accuracy_vs_time_figure(points, f"Accuracy against training time ({report.info.profile} profile)",
                                        report.directory / "accuracy_vs_time.png")
        report.run_figures.append(("accuracy_vs_time.png", caption))
    except Exception as exc:  # noqa: BLE001 - a figure must not cost the report
        report.notes.append(f"accuracy_vs_time.png not drawn: {type(exc).__name__}: {exc}")


def publish_index(report: Report) -> None:
    from fashionclasstic.reporting.html import render_index

    atomic_write_text(report.directory / "index.html", render_index(report))


PUBLISHERS: list[Publisher] = [
    Publisher(RESULTS_FILE, lambda r: atomic_write_json(r.directory / RESULTS_FILE, results_document(r)), True),
    Publisher("results.csv", lambda r: atomic_write_text(r.directory / "results.csv",
                                                         csv_text(csv_header(r.records), csv_rows(r.records))), True),
    Publisher("models", publish_model_files),
    Publisher("data", publish_data_figures),
    Publisher("accuracy_vs_time.png", publish_accuracy_vs_time),
    Publisher("results.md", lambda r: atomic_write_text(r.directory / "results.md", texts.markdown_report(
        r.records, r.info, r.model_files, r.data_files, r.notes, r.run_figures)), True),
    Publisher("index.html", publish_index),
]


def load_exploration_data(info: RunInfo):
    """The dataset the run used, or ``(None, why not)``: a report never downloads anything."""
    try:
        from fashionclasstic.data import load_fashion_mnist

        data = load_fashion_mnist(info.data.get("source") or "archives", info.data.get("data_dir"), download=False)
        return data, None
    except (FashionClassticError, ImportError, OSError) as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return None, f"data exploration skipped: the dataset could not be loaded ({first_line})"


def publish(records: Iterable[CaseRecord], info: RunInfo, directory: Path, *, dataset=LOAD_DATASET,
            results_only: bool = False, skip: Iterable[str] = (), extra: Iterable = ()) -> Report:
    """Run the publishers into ``directory`` (which exists); ``results_only``: the cheap set."""
    report = Report(by_accuracy(records), info, directory)
    extra = list(extra)
    model_extra = [p for p in extra if isinstance(p, ModelPublisher)]
    run_publishers = [p for p in PUBLISHERS if not results_only or p.results]
    if not results_only:
        if dataset is LOAD_DATASET:
            dataset, note = load_exploration_data(info)
            report.notes += [note] if note else []
        elif dataset is None:
            report.notes.append("data exploration skipped: no dataset given")
        report.dataset = dataset
        if dataset is not None:
            info.data = {**info.data, "loaded_from": dataset.source}
        run_publishers[-1:-1] = [p for p in extra if isinstance(p, Publisher)]
    for publisher in run_publishers:
        if publisher.name in skip:
            continue
        if publisher.name == "models":
            publish_model_files(report, model_extra)
        else:
            publisher.publish(report)
    return report


def write_report(records: Iterable[CaseRecord], info: RunInfo, directory=None, *, runs_dir: Path | None = None,
                 dataset=LOAD_DATASET, results_only: bool = False, extra_publishers: Iterable = ()) -> Path:
    """Write the report and return its directory: ``directory`` when given, else a new
    ``.fashionclasstic/runs/<run id>/`` with ``latest`` pointed at it (``info.id`` follows)."""
    runs_dir = Path(runs_dir) if runs_dir is not None else RUNS_DIR
    target = Path(directory).expanduser() if directory else runs_dir
    try:
        if not directory:
            target = create_run_dir(runs_dir, info.id or new_run_id())
            info.id = target.name
        target.mkdir(parents=True, exist_ok=True)
        publish(records, info, target, dataset=dataset, results_only=results_only, extra=extra_publishers or ())
        if not directory:
            update_latest(runs_dir, target)
    except OSError as exc:
        raise ReportError(f"cannot write the report to {target}: {exc}") from None
    return target.resolve()
