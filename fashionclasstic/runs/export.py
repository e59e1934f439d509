"""A saved run in the formats of the continuous-benchmarking dashboards, which plot a measure
per commit and alert on a regression.

- github-action-benchmark: its ``customBiggerIsBetter`` and ``customSmallerIsBetter`` tools each
  read one JSON list of ``{name, unit, value, range, extra}`` (its README, "Custom benchmarks"),
  so the run becomes two files, one per direction.
- Bencher: the Bencher Metric Format, ``{benchmark: {measure: {value, lower_value,
  upper_value}}}``, read by ``bencher run --adapter json``.

What is exported follows the record schema: every field judged across runs (``records.Judged``:
accuracy and macro-F1, higher is better; training and inference seconds and peak memory, lower
is better), per model, with its spread where the run measured it more than once (the repeats'
accuracies, the timed rounds).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path

from fashionclasstic.errors import ConfigError
from fashionclasstic.fileio import atomic_write_json
from fashionclasstic.records import CaseRecord, judged_fields, record_type_of

FORMATS = ("github-action-benchmark", "bencher")
# github-action-benchmark's tool per direction, which also names the file it reads
ACTION_TOOLS = {"higher": "customBiggerIsBetter", "lower": "customSmallerIsBetter"}
BENCHER_FILE = "bencher.json"


@dataclass(frozen=True)
class Measured:
    """One measure of one model, as the dashboards want it."""

    model: str
    profile: str
    field: str  # the record's field: accuracy, train_seconds, ...
    better: str  # higher or lower
    unit: str
    value: float
    samples: tuple[float, ...] = ()  # the repeats' or rounds' values, when more than one
    std: float | None = None

    @property
    def benchmark(self) -> str:
        return f"{self.model} [{self.profile}]" if self.profile else self.model

    @property
    def measure(self) -> str:
        """Its Bencher Measure slug (lowercase, dashes)."""
        return self.field.replace("_", "-")


def unit_of(f) -> str:
    judged = f.metadata["judged"]
    if judged.unit:
        return judged.unit
    if f.metadata.get("fmt") == "bytes":
        return "bytes"
    return "fraction" if judged.change == "points" else ""


def _spread(record: CaseRecord, f) -> tuple[tuple[float, ...], float | None]:
    """The values the measure summarises and their standard deviation, when there are several."""
    judged = f.metadata["judged"]
    if judged.samples:
        samples = tuple(float(v) for v in getattr(record, judged.samples, None) or ())
        return (samples, statistics.stdev(samples)) if len(samples) > 1 else ((), None)
    if judged.spread and len(record.repeats) > 1:
        samples = tuple(float(r[f.name]) for r in record.repeats if isinstance(r.get(f.name), (int, float)))
        std = getattr(record, judged.spread, None)
        return samples, float(std) if isinstance(std, (int, float)) else None
    return (), None


def measures(records: list[CaseRecord]) -> list[Measured]:
    """Every judged measure each model has a value of, in the records' order."""
    found = []
    judged = judged_fields(record_type_of(records))
    for record in records:
        for f in judged.values():
            value = getattr(record, f.name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
                continue
            samples, std = _spread(record, f)
            found.append(Measured(record.model, record.profile, f.name, f.metadata["judged"].better, unit_of(f),
                                  float(value), samples, std))
    return found


def action_entries(measured: list[Measured], context: str = "") -> dict[str, list[dict]]:
    """github-action-benchmark's two lists, by tool: ``range`` is the standard deviation, as
    the action's own pytest tool writes it; ``extra`` (its tooltip) the samples and the run."""
    entries: dict[str, list[dict]] = {tool: [] for tool in ACTION_TOOLS.values()}
    for m in measured:
        entry = {"name": f"{m.benchmark} {m.field}", "unit": m.unit, "value": m.value}
        if m.std is not None:
            entry["range"] = f"± {m.std:.6g}"
        extra = [f"n={len(m.samples)}, min {min(m.samples):.6g}, max {max(m.samples):.6g}"] if m.samples else []
        entry["extra"] = "\n".join([*extra, *([context] if context else [])])
        if not entry["extra"]:
            del entry["extra"]
        entries[ACTION_TOOLS[m.better]].append(entry)
    return entries


def bencher_document(measured: list[Measured]) -> dict[str, dict[str, dict[str, float]]]:
    """The Bencher Metric Format: ``lower_value`` and ``upper_value`` are the smallest and
    largest of the repeats or rounds, where there are several."""
    document: dict[str, dict[str, dict[str, float]]] = {}
    for m in measured:
        metric = {"value": m.value}
        if m.samples:
            metric.update(lower_value=min(m.samples), upper_value=max(m.samples))
        document.setdefault(m.benchmark, {})[m.measure] = metric
    return document


def export_run(spec: str, fmt: str, out: Path, runs_dir: Path | None = None, storage: Path | None = None) -> list[Path]:
    """Write a saved run (a results.json, a run folder or id, ``latest``, a merged run, a
    pytest-benchmark JSON) for a dashboard into the folder ``out``; the files written."""
    from fashionclasstic.reporting.files import ReportError
    from fashionclasstic.runs import saved

    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt}: choose one of {', '.join(FORMATS)}")
    run = saved.read_run(saved.resolve_run(spec, runs_dir or saved.RUNS_DIR, storage or saved.BENCHMARK_DIR))
    measured = measures(list(run.models.values()))
    if not measured:
        raise ConfigError(f"{spec}: no model of that run has a measure to export")
    commit = run.commit if run.commit not in ("unversioned", "unknown") else ""
    context = ", ".join(part for part in (f"run {run.label}", commit and f"commit {commit[:12]}",
                                          run.fingerprint and f"machine {run.fingerprint}") if part)
    if fmt == "bencher":
        documents = {BENCHER_FILE: bencher_document(measured)}
    else:
        documents = {f"{tool}.json": entries for tool, entries in action_entries(measured, context).items()}
    written = []
    try:
        for name, document in documents.items():
            atomic_write_json(out / name, document)
            written.append(out / name)
    except OSError as exc:
        raise ReportError(f"cannot write the export to {out}: {exc}") from None
    return written
