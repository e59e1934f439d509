"""The comparison table shown at the end of a run and written to ``results.md``."""

from __future__ import annotations

from collections.abc import Iterable

from tabulate import tabulate

from fashionclasstic.results import CaseRecord

HEADERS = ("", "model", "family / framework", "profile", "accuracy", "macro-F1", "min. acc.", "gate",
           "train s", "infer s", "ms/img", "timing", "params", "size", "status")


def sort_records(records: Iterable[CaseRecord]) -> list[CaseRecord]:
    """Best accuracy first; models without an accuracy last, in their original order."""
    return sorted(records, key=lambda r: (r.accuracy is None, -(r.accuracy or 0.0)))


def _number(value, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _count(value) -> str:
    if value is None:
        return ""
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= size:
            return f"{value / size:.1f}{unit}"
    return str(value)


def _bytes(value) -> str:
    if value is None:
        return ""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= size:
            return f"{value / size:.1f} {unit}"
    return f"{value} B"


def table_rows(records: Iterable[CaseRecord]) -> list[list[str]]:
    ordered = sort_records(records)
    best = ordered[0].model if ordered and ordered[0].accuracy is not None else None
    rows = []
    for r in ordered:
        status = r.status if not r.reason else f"{r.status}: {r.reason}"
        rows.append([
            "best" if r.model == best else "", r.model, f"{r.family} / {r.framework}", r.profile,
            _number(r.accuracy, 4), _number(r.macro_f1, 4), _number(r.min_accuracy, 4), r.gate,
            _number(r.train_seconds, 1), _number(r.inference_seconds, 3),
            _number(r.inference_ms_per_image, 4), r.timing, _count(r.parameter_count),
            _bytes(r.size_bytes), status if len(status) <= 100 else status[:97] + "...",
        ])
    return rows


def comparison_table(records: Iterable[CaseRecord], tablefmt: str = "simple") -> str:
    return tabulate(table_rows(records), headers=HEADERS, tablefmt=tablefmt, disable_numparse=True)


def markdown_table(records: Iterable[CaseRecord]) -> str:
    """The same table in GitHub Markdown, for ``results.md`` (renders on GitHub and in PRs).

    A ``|`` in a reason would end its cell early and a ``<`` could open an HTML tag, so both
    are escaped.
    """
    rows = [[markdown_escape(cell).replace("|", "\\|") for cell in row] for row in table_rows(records)]
    return tabulate(rows, headers=HEADERS, tablefmt="github", disable_numparse=True)


def markdown_escape(text: str) -> str:
    """Text that renders as itself in GitHub Markdown: no raw HTML, on one line."""
    return text.replace("<", "\\<").replace("\n", " ")


def best_model(records: Iterable[CaseRecord]) -> str | None:
    """The model the table marks ``best``: the highest accuracy, if any model has one."""
    ordered = sort_records(records)
    return ordered[0].model if ordered and ordered[0].accuracy is not None else None


def status_text(record: CaseRecord) -> str:
    """The status with its reason, untruncated (the terminal table shortens it)."""
    return record.status if not record.reason else f"{record.status}: {record.reason}"


CSV_COLUMNS = ("rank", "best", "model", "family", "framework", "pretrained", "profile", "seed",
               "threads", "n_train", "n_validation", "n_test", "status", "reason", "accuracy",
               "macro_f1", "min_accuracy", "gate", "threshold_origin", "train_seconds",
               "inference_seconds", "inference_rounds", "inference_ms_per_image", "timing",
               "parameter_count", "size_bytes", "worker", "description")


def csv_rows(records: Iterable[CaseRecord]) -> list[list]:
    """One row per model, every scalar at full precision, in the table's order; the
    models without an accuracy (failed, skipped, not run) have no rank."""
    ordered = sort_records(records)
    best = best_model(ordered)
    rows = []
    for rank, r in enumerate(ordered, start=1):
        data = r.to_dict()
        data["rank"] = rank if r.accuracy is not None else None
        data["best"] = "best" if r.model == best else ""
        rows.append([data.get(column) for column in CSV_COLUMNS])
    return rows
