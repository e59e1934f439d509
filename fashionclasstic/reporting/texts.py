"""The report's text files: each model's summary, confusion matrix, importances and history,
and ``results.md``. Every label comes from the record schema."""

from __future__ import annotations

from pathlib import Path

from tabulate import tabulate

from fashionclasstic.data import CLASS_NAMES
from fashionclasstic.fileio import csv_text
from fashionclasstic.records import CaseRecord, RunInfo, columns
from fashionclasstic.reporting.formatting import TIMING_LEGEND, run_items, status_text
from fashionclasstic.reporting.tables import markdown_escape, markdown_table

HISTORY_FIRST = ("loss", "accuracy", "val_loss", "val_accuracy", "seconds")


def class_names(record: CaseRecord) -> list[str]:
    size = len(record.confusion or CLASS_NAMES)
    names = list(record.per_class or {})
    return names if len(names) == size else list(CLASS_NAMES)[:size] + [str(i) for i in range(len(CLASS_NAMES), size)]


def x_label(record: CaseRecord) -> str:
    return "boosting round" if record.family == "boosting" or record.framework == "xgboost" else "epoch"


def summary_items(record: CaseRecord) -> list[tuple[str, str]]:
    """The record's ``summary`` fields that have a value, as (name, text)."""
    record.derive()
    items = []
    for f in columns("summary", type(record)):
        value = getattr(record, f.name)
        if value not in (None, "") and f.name != "status":
            items.append((f.name, f"{value:.6g}" if isinstance(value, float) else str(value)))
    return items


def model_summary(record: CaseRecord) -> str:
    lines = [f"{record.model}: {status_text(record)}", ""]
    lines += [f"{name}: {text}" for name, text in summary_items(record)]
    if record.hyperparameters:
        lines += ["", "hyperparameters:"] + [f"  {k}: {v}" for k, v in sorted(record.hyperparameters.items())]
    return "\n".join(lines) + "\n"


def confusion_text(record: CaseRecord) -> str:
    names = class_names(record)
    rows = [[name, *row, sum(row)] for name, row in zip(names, record.confusion, strict=True)]
    table = tabulate(rows, headers=["true \\ predicted", *names, "total"], tablefmt="simple",
                     disable_numparse=True)
    return f"Confusion matrix on the test set (rows: true class, columns: predicted class)\n\n{table}\n"


def feature_importance_csv(importances: list[float]) -> str:
    """28 rows of 28 values: the image's own layout (row = pixel row, top first)."""
    rows = [[repr(float(v)) for v in importances[row * 28:(row + 1) * 28]] for row in range(28)]
    return "\n".join(",".join(row) for row in rows) + "\n"


def history_keys(history: dict[str, list]) -> list[str]:
    return [k for k in HISTORY_FIRST if k in history] + sorted(k for k in history if k not in HISTORY_FIRST)


def history_csv(record: CaseRecord) -> str:
    keys = history_keys(record.history)
    length = max((len(record.history[k]) for k in keys), default=0)
    rows = [[step + 1, *(record.history[k][step] if step < len(record.history[k]) else None for k in keys)]
            for step in range(length)]
    return csv_text([x_label(record).replace(" ", "_"), *keys], rows)


def timing_notes(records: list[CaseRecord]) -> list[str]:
    used = sorted({r.timing for r in records if r.timing})
    return [f"`{label}`: {TIMING_LEGEND.get(label, 'as recorded')}" for label in used]


def markdown_report(records: list[CaseRecord], info: RunInfo, model_files: dict[str, dict[str, str]],
                    data_files: list[str], notes: list[str], run_figures: list[tuple[str, str]] = ()) -> str:
    lines = [f"# FashionClasstic results: run {info.id or '?'}", ""]
    lines += [f"- **{label}**: {markdown_escape(text)}" for label, text in run_items(info)]
    lines += ["", "## Models", "", markdown_table(records), ""]
    lines += [f"[![{caption}]({path})]({path})  \n*{caption}*" for path, caption in run_figures]
    lines += [""] if run_figures else []
    timing = timing_notes(records)
    if timing:
        lines += ["Timing: " + "; ".join(timing) + ".", ""]
    unfinished = [r for r in records if r.status != "passed"]
    if unfinished:
        lines += ["## Not passed", ""] + [f"- **{markdown_escape(r.model)}**: {markdown_escape(status_text(r))}"
                                              for r in unfinished] + [""]
    lines += ["## Files", "", "- `results.json`: every number of every model, and this run's information",
              "- `results.csv`: one row per model", "- `index.html`: this report with every figure"]
    lines += [f"- [{Path(path).name}]({path}): {caption}" for path, caption in run_figures]
    for record in records:
        files = model_files.get(record.model) or {}
        if files:
            links = ", ".join(f"[{name}]({path})" for name, path in files.items())
            lines.append(f"- {markdown_escape(record.model)}: {links}")
    if data_files:
        lines.append("- data: " + ", ".join(f"[{Path(p).name}]({p})" for p in data_files))
    if notes:
        lines += ["", "## Notes", ""] + [f"- {markdown_escape(note)}" for note in notes]
    return "\n".join(lines) + "\n"
