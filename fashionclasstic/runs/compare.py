"""Comparing runs: each model's measures across saved runs, and the regression gate.

The runs are read by :mod:`~fashionclasstic.runs.saved` (either format), the rules judged by
:mod:`~fashionclasstic.runs.rules`; this module renders the table and runs the command.
The first run is the baseline; ``--fail-on`` judges the last run against it. The table's
measures are the record fields shown in the ``runs`` view.
"""

from __future__ import annotations

from pathlib import Path

from tabulate import tabulate

from fashionclasstic.errors import ConfigError
from fashionclasstic.records import CaseRecord
from fashionclasstic.reporting.files import RUNS_DIR
from fashionclasstic.reporting.formatting import format_value
from fashionclasstic.runs.rules import parse_fail_on, print_verdicts, verdict_summary, violations
from fashionclasstic.runs.saved import BENCHMARK_DIR, Run, load_runs, measures, model_order


def headers(shown: list) -> list[str]:
    changes = [(f.metadata["label"] or f.name, " (pts)" if f.metadata["judged"].change == "points" else "")
               for f in shown]
    return ["model", "run", *(cell for label, unit in changes for cell in (label, f"{label} change{unit}")),
            "timing", "status"]


def _change(f, base: CaseRecord, result: CaseRecord) -> str:
    before, after = getattr(base, f.name), getattr(result, f.name)
    shift = None if before is None or after is None else f.metadata["judged"].shift(before, after)
    if shift is None:
        return ""
    return f"{shift:+.2f}" if f.metadata["judged"].change == "points" else f"{shift:+.1f}%"


def comparison_rows(runs: list[Run], shown: list) -> list[list[str]]:
    first = runs[0]
    rows = []
    for model in model_order(runs):
        base = first.models.get(model)
        for index, run in enumerate(runs):
            result = run.models.get(model)
            label = model if index == 0 else ""
            if result is None:
                rows.append([label, run.label, "missing", *[""] * (2 * len(shown) + 1)])
                continue
            cells = []
            for number, f in enumerate(shown):
                change = ""
                if index and base is not None:
                    change = _change(f, base, result)
                elif index and number == 0:
                    change = "new"
                cells += [format_value(getattr(result, f.name), f.metadata.get("fmt", "")), change]
            rows.append([label, run.label, *cells, result.timing, result.status])
    return rows


def render(runs: list[Run]) -> str:
    lines = ["runs (the first is the baseline):"]
    for number, run in enumerate(runs, start=1):
        profiles = ", ".join(sorted(run.profiles)) or "?"
        lines.append(f"  {number}. {run.label}: {run.path} ({run.kind}, profile {profiles}, "
                     f"{len(run.models)} models)")
    shown = measures(runs)
    lines += ["", tabulate(comparison_rows(runs, shown), headers=headers(shown), tablefmt="simple",
                           disable_numparse=True)]
    profiles = set().union(*(run.profiles for run in runs))
    if len(profiles) > 1:
        lines.append(f"\nnote: the runs used different profiles ({', '.join(sorted(profiles))}): "
                     "their numbers are not comparable")
    timings = {m.timing for run in runs for m in run.models.values() if m.timing}
    if len(timings) > 1:
        lines.append(f"note: the times were taken differently ({', '.join(sorted(timings))}); "
                     "compare times of the same kind")
    return "\n".join(lines)


def compare(specs: list[str], fail_on: str | None = None, runs_dir: Path = RUNS_DIR,
            storage: Path = BENCHMARK_DIR, out=print, cross_machine: bool = False,
            record_type: type = CaseRecord) -> int:
    """Print the comparison; 1 when ``fail_on`` rules are broken, else 0 (``record_type``: the
    schema of the runs' records, a subclass of :class:`CaseRecord` where fields were added)."""
    rules = parse_fail_on(fail_on, record_type) if fail_on else []  # a bad spec fails before any file is read
    if len(specs) < 2:
        raise ConfigError("compare needs at least two runs (the first is the baseline)")
    runs = load_runs(specs, runs_dir, storage, record_type)
    out(render(runs))
    if not rules:
        return 0
    broken, notes = violations(runs, rules, cross_machine)
    out("")
    return print_verdicts(broken, notes, out, verdict_summary("compare", broken, runs[-1].label, runs[0].label,
                                                               fail_on))
