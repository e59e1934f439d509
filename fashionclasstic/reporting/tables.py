"""The comparison table (terminal, ``results.md``, ``index.html``) and the CSV rows, both
derived from the record schema: a field shown in ``table`` or ``csv`` appears here by itself."""

from __future__ import annotations

from collections.abc import Iterable

from tabulate import tabulate

from fashionclasstic.records import CaseRecord, columns, record_type_of
from fashionclasstic.reporting.formatting import best_model, by_accuracy, cell_text

MAX_STATUS = 100  # the terminal table shortens long reasons; the report shows them whole


def table_columns(records: Iterable[CaseRecord] = ()) -> list:
    """The table's fields; a ``varies`` field (the machine) only when the records differ in it."""
    records = list(records)
    return [f for f in columns("table", record_type_of(records)) if not f.metadata.get("varies")
            or len({cell_text(r, f) for r in records} - {""}) > 1]


def table_headers(records: Iterable[CaseRecord] = ()) -> list[str]:
    return ["", *(f.metadata["label"] or f.name for f in table_columns(records))]


def table_rows(records: Iterable[CaseRecord], full_status: bool = False) -> list[list[str]]:
    ordered = by_accuracy(records)
    best = best_model(ordered)
    shown = table_columns(ordered)
    rows = []
    for record in ordered:
        cells = []
        for f in shown:
            text = cell_text(record, f)
            if f.name == "status" and not full_status and len(text) > MAX_STATUS:
                text = text[:MAX_STATUS - 3] + "..."
            cells.append(text)
        rows.append(["best" if record.model == best else "", *cells])
    return rows


def comparison_table(records: Iterable[CaseRecord], tablefmt: str = "simple") -> str:
    records = list(records)
    return tabulate(table_rows(records), headers=table_headers(records), tablefmt=tablefmt, disable_numparse=True)


def markdown_table(records: Iterable[CaseRecord]) -> str:
    """The same table in GitHub Markdown, for ``results.md`` (renders on GitHub and in PRs).

    A ``|`` in a reason would end its cell early and a ``<`` could open an HTML tag, so both
    are escaped.
    """
    records = list(records)
    rows = [[markdown_escape(cell).replace("|", "\\|") for cell in row] for row in table_rows(records)]
    return tabulate(rows, headers=table_headers(records), tablefmt="github", disable_numparse=True)


def markdown_escape(text: str) -> str:
    """Text that renders as itself in GitHub Markdown: no raw HTML, on one line."""
    return text.replace("<", "\\<").replace("\n", " ")


def csv_header(records: Iterable[CaseRecord] = ()) -> list[str]:
    return ["rank", "best", *(f.name for f in columns("csv", record_type_of(records)))]


def csv_rows(records: Iterable[CaseRecord]) -> list[list]:
    """One row per model, every scalar at full precision, in the table's order; the
    models without an accuracy (failed, skipped, not run) have no rank."""
    ordered = by_accuracy(records)
    best = best_model(ordered)
    shown = columns("csv", record_type_of(ordered))
    return [[rank if r.accuracy is not None else None, "best" if r.model == best else "",
             *(getattr(r.derive(), f.name) for f in shown)]
            for rank, r in enumerate(ordered, start=1)]
