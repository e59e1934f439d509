"""The run's summary at the end of pytest's output: the comparison table, each model's notes,
the ungated models, the gates' sensitivity, and where the files went; every line fits the
terminal (CI logs and narrow windows alike), the files keep every column and every word."""

from __future__ import annotations

import textwrap

import pytest

from fashionclasstic.plugin.settings import Settings
from fashionclasstic.plugin.writer import ResultsWriter
from fashionclasstic.records import CaseRecord

HANGING_INDENT = "    "  # a wrapped line's continuation, so that it reads as one item


def terminal_width(config: pytest.Config) -> int:
    """The width pytest writes to: the terminal's, ``COLUMNS`` where set (CI logs), else 80."""
    return config.get_terminal_writer().fullwidth


def fitted(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` characters, continued with a hanging indent; a
    path longer than a line is cut where it must be."""
    # a word longer than the line (a path) stays whole, so that it can be copied
    return textwrap.wrap(text, width, subsequent_indent=HANGING_INDENT, break_on_hyphens=False,
                         break_long_words=False) or [""]


def print_summary(terminalreporter, records: list[CaseRecord], settings: Settings, writer: ResultsWriter) -> None:
    from fashionclasstic.reporting.tables import terminal_table

    width = terminal_width(terminalreporter.config)

    def write(text: str, **markup) -> None:
        for line in fitted(text, width):
            terminalreporter.write_line(line, **markup)

    terminalreporter.write_sep("=", "FashionClasstic results")
    table, dropped = terminal_table(records, settings.columns, width)
    terminalreporter.write_line(table)
    if dropped:
        write(f"left out to fit {width} columns: {', '.join(dropped)} (every column is in results.csv and "
              f"index.html; a wider terminal or COLUMNS shows them)", yellow=True)
    for record in records:
        if record.notes:
            write(f"note: {record.model}: {record.notes}", yellow=True)
    ungated = [r.model for r in records if r.gate == "ungated"]
    if ungated:
        write(f"ungated (no minimum accuracy for profile {settings.profile.name} in the suite's thresholds, "
              f"--fc-thresholds or register_model(min_accuracy=...)): {', '.join(ungated)}", yellow=True)
    margins = [f"{r.model} {100 * r.gate_margin:.2f}" for r in records if r.gate_margin is not None]
    if margins:
        repeats = f"the mean of {settings.repeats} runs" if settings.repeats > 1 else "one run"
        write(f"gate sensitivity (the smallest drop of {repeats} a gate catches, points; "
              f"--fc-repeats narrows it): {', '.join(margins)}")
    for path in writer.benchmark_json:
        how = ("built from the records of each model's own process, --fc-isolate" if settings.isolate
               else "wall-clock: pytest-benchmark is off under xdist")
        write(f"pytest-benchmark JSON ({how}): {path}")
    report_dir = writer.report_dir
    if report_dir and (report_dir / "index.html").is_file():
        write(f"report: {report_dir / 'index.html'}")
    elif report_dir and not writer.report_error:
        write(f"results: {report_dir / 'results.json'} (figures: python -m fashionclasstic report {report_dir})")
    if writer.screenshot_line:
        write(writer.screenshot_line)
    if writer.report_error:
        write(f"report not written: {writer.report_error}", red=True)
