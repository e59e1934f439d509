"""The comparison table (terminal, ``results.md``, ``index.html``) and the CSV rows, both
derived from the record schema: a field shown in ``table`` or ``csv`` appears here by itself."""

from __future__ import annotations

from collections.abc import Iterable

from tabulate import tabulate

from fashionclasstic.errors import ConfigError
from fashionclasstic.records import CaseRecord, columns, record_type_of
from fashionclasstic.reporting.formatting import best_model, by_accuracy, cell_text

MAX_STATUS = 100  # the Markdown table shortens long reasons; index.html and results.csv keep them whole
# The terminal's columns unless --fc-columns says otherwise: what a run is judged by; the files keep every column
TERMINAL_COLUMNS = ("model", "accuracy", "gate", "train_seconds", "inference_seconds", "train_memory", "status")
KEPT_COLUMNS = ("model", "status")  # never dropped to fit a terminal: which model, and what became of it
SHORTEST_CELL = 20  # a text cell shortened to fit a terminal keeps at least this many characters
ELLIPSIS = "..."


def table_columns(records: Iterable[CaseRecord] = ()) -> list:
    """The table's fields; a ``varies`` field (the machine) only when the records differ in it."""
    records = list(records)
    return [f for f in columns("table", record_type_of(records)) if not f.metadata.get("varies")
            or len({cell_text(r, f) for r in records} - {""}) > 1]


def table_headers(records: Iterable[CaseRecord] = ()) -> list[str]:
    return ["", *(f.metadata["label"] or f.name for f in table_columns(records))]


def table_rows(records: Iterable[CaseRecord], full_status: bool = False, shown: list | None = None) -> list[list[str]]:
    ordered = by_accuracy(records)
    best = best_model(ordered)
    shown = table_columns(ordered) if shown is None else shown
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


def column_names(record_type: type = CaseRecord) -> dict[str, str]:
    """What ``--fc-columns`` accepts, in lower case: each table column's field name and label -> its field name."""
    names = {}
    for f in columns("table", record_type):
        names[f.name] = f.name
        if f.metadata["label"]:
            names.setdefault(f.metadata["label"].lower(), f.name)
    return names


def selected_columns(spec: str | None, record_type: type = CaseRecord) -> tuple[str, ...]:
    """The field names a comma-separated ``--fc-columns`` names (field names or labels; ``default``:
    :data:`TERMINAL_COLUMNS`, ``all``: every table column), in the table's order, the model first."""
    names = column_names(record_type)
    chosen = {"model"}
    for name in (n.strip().lower() for n in (spec or "default").split(",")):
        if name == "all":
            chosen |= set(names.values())
        elif name == "default":
            chosen |= set(TERMINAL_COLUMNS)
        elif name in names:
            chosen.add(names[name])
        elif name:
            raise ConfigError(f"--fc-columns: unknown column {name!r}; choose from "
                              f"{', '.join(dict.fromkeys(names.values()))}, default or all")
    return tuple(f.name for f in columns("table", record_type) if f.name in chosen)


def terminal_table(records: Iterable[CaseRecord], names: Iterable[str] = TERMINAL_COLUMNS,
                   width: int | None = None) -> tuple[str, list[str]]:
    """The comparison table for a terminal ``width`` characters wide, and the labels of the
    columns it left out to fit.

    Only the ``names`` columns are shown (and the machine, where the models ran on several),
    numbers right-aligned. A line too long first shortens
    the widest text cells (a status's reason, a machine) to no less than :data:`SHORTEST_CELL`;
    then drops columns from the right, never the model or the status. A character of more than
    one byte counts as its bytes, so that a tool counting bytes (``awk`` in many locales) agrees.
    """
    records = list(records)
    wanted = set(names)
    shown = [f for f in table_columns(records) if f.name in wanted or f.metadata.get("varies")]
    dropped: list[str] = []
    while True:
        headers = ["", *(label_of(f) for f in shown)]
        rows = [[cell.replace("\n", " ") for cell in row]  # one line per model, whatever a reason holds
                for row in table_rows(records, full_status=True, shown=shown)]
        numbers = [False, *(bool(f.metadata.get("fmt")) for f in shown)]
        limits = fitted_widths(headers, rows, [not number for number in numbers], width)
        droppable = [f for f in shown if f.name not in KEPT_COLUMNS]
        if limits is not None or not droppable:
            return aligned_table(headers, rows, numbers, limits), dropped
        shown.remove(droppable[-1])
        dropped.insert(0, label_of(droppable[-1]))


def label_of(f) -> str:
    return f.metadata["label"] or f.name


def fitted_widths(headers: list[str], rows: list[list[str]], shortenable: list[bool],
                  width: int | None) -> list[int] | None:
    """Each column's width for lines of at most ``width``, the widest shortenable columns cut
    first; None when they cannot be cut enough."""
    widths = [max(len(text) for text in column) for column in zip(headers, *rows, strict=True)]
    if width is None:
        return widths
    multibyte = max(len(" ".join(row).encode()) - len(" ".join(row)) for row in [headers, *rows])
    excess = sum(widths) + 2 * (len(widths) - 1) + multibyte - width
    while excess > 0:
        floors = [max(SHORTEST_CELL, len(header)) for header in headers]
        cuttable = [i for i, w in enumerate(widths) if shortenable[i] and w > floors[i]]
        if not cuttable:
            return None
        widest = max(cuttable, key=lambda i: widths[i])
        cut = min(excess, widths[widest] - floors[widest])
        widths[widest] -= cut
        excess -= cut
    return widths


def aligned_table(headers: list[str], rows: list[list[str]], numbers: list[bool], widths: list[int] | None) -> str:
    """A plain-text table: columns two spaces apart, the headers underlined, numbers on the right."""
    widths = widths or fitted_widths(headers, rows, numbers, None)

    def line(cells: list[str]) -> str:
        return "  ".join(shortened(text, w).rjust(w) if number else shortened(text, w).ljust(w)
                         for text, w, number in zip(cells, widths, numbers, strict=True)).rstrip()

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *map(line, rows)])


def shortened(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def markdown_table(records: Iterable[CaseRecord], names: Iterable[str] | None = None) -> str:
    """The same table in GitHub Markdown, for ``results.md`` (renders on GitHub and in PRs);
    ``names``: only these fields (as ``--fc-columns`` picks them), else every table column.

    A ``|`` in a reason would end its cell early and a ``<`` could open an HTML tag, so both
    are escaped.
    """
    records = list(records)
    shown = table_columns(records)
    if names is not None:
        shown = [f for f in shown if f.name in set(names)]
    rows = [[markdown_escape(cell).replace("|", "\\|") for cell in row] for row in table_rows(records, shown=shown)]
    headers = ["", *(f.metadata["label"] or f.name for f in shown)]
    return tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)


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
