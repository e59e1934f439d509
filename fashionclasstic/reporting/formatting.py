"""Values and runs as the report shows them: a field's value by its format, a table cell by the
structure its field declares (``cell`` in :func:`fashionclasstic.records.column`), the order
of models, and a run as (label, text) pairs for ``results.md`` and ``index.html``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fashionclasstic.machine import cpu_name
from fashionclasstic.records import EXIT_STATUS, CaseRecord, RunInfo

TIMING_LEGEND = {
    "pytest-benchmark": "timed by pytest-benchmark (pedantic rounds; inference: median of the rounds)",
    "wall-clock": "pytest-benchmark was off (xdist or --benchmark-disable): the same calls timed "
                  "with time.perf_counter",
}


def format_value(value: Any, fmt: str) -> str:
    if value is None or value == "":
        return ""
    if fmt == "count":
        return _scaled(value, (("G", 1e9), ("M", 1e6), ("k", 1e3)), "{:.1f}{}", str(value))
    if fmt == "bytes":
        return _scaled(value, (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)), "{:.1f} {}", f"{value} B")
    return format(value, fmt) if fmt else str(value)


def _scaled(value, units, pattern: str, small: str) -> str:
    for unit, size in units:
        if value >= size:
            return pattern.format(value / size, unit)
    return small


def machine_text(machine: dict[str, Any] | None) -> str:
    """The machine a model ran on: ``AMD EPYC 9R14, 2 cores, 2 threads [fingerprint]``."""
    machine = machine or {}
    if not machine.get("fingerprint"):
        return ""
    return (f"{machine.get('cpu') or '?'}, {machine.get('cores') or '?'} cores, "
            f"{machine.get('threads') or '?'} threads [{machine['fingerprint']}]")


def status_text(record: CaseRecord) -> str:
    """The status with its reason, untruncated (the terminal table shortens it)."""
    return record.status if not record.reason else f"{record.status}: {record.reason}"


def _spread_text(record: CaseRecord, f) -> str:
    """``0.9118``, or with repeats ``0.9118 ± 0.0012 (n=3)``: the mean and its spread."""
    value, std = getattr(record, f.name), getattr(record, f.metadata["judged"].spread, None)
    if value is None:
        return ""
    text = format_value(value, f.metadata["fmt"])
    if len(record.repeats) > 1 and std is not None:
        return f"{text} ± {format_value(std, f.metadata['fmt'])} (n={len(record.repeats)})"
    return text


# a field's ``cell`` -> its table cell, from the record and the field
CELLS: dict[str, Callable[[CaseRecord, Any], str]] = {
    "spread": _spread_text,  # a metric's mean over the repeats, with its standard deviation
    "framework": lambda r, f: f"{getattr(r, f.name)} / {r.framework}",
    "suspect": lambda r, f: getattr(r, f.name) + (" (suspect)" if r.timing_suspect else ""),
    "reason": lambda r, f: status_text(r),
    "machine": lambda r, f: machine_text(getattr(r, f.name)),
}


def cell_text(record: CaseRecord, f) -> str:
    """A field of a record as the tables show it."""
    cell = f.metadata.get("cell")
    if callable(cell):
        return cell(record)
    if cell:
        return CELLS[cell](record, f)
    return format_value(getattr(record, f.name), f.metadata.get("fmt", ""))


def by_accuracy(records: Iterable[CaseRecord]) -> list[CaseRecord]:
    """Best accuracy first; models without an accuracy last, in their original order (the order
    of every table of one run, and of the models in ``compare``)."""
    return sorted(records, key=lambda r: (r.accuracy is None, -(r.accuracy or 0.0)))


def best_model(records: Iterable[CaseRecord]) -> str | None:
    """The model the tables mark ``best``: the passed model with the highest accuracy, if any
    (a model that failed its gate or erred is never the best, whatever its accuracy)."""
    passed = [r for r in by_accuracy(records) if r.status == "passed" and r.accuracy is not None]
    return passed[0].model if passed else None


def suite_text(info: RunInfo) -> str:
    suite = info.suite
    if not suite:
        return "?"
    text = f"fashionclasstic {suite.get('version') or '?'}"
    if suite.get("commit"):
        changes = " with uncommitted changes" if suite.get("dirty") else ""
        return f"{text}, commit {suite['commit']}{changes}"
    return f"{text} (installed, no checkout)"


def run_items(info: RunInfo) -> list[tuple[str, str]]:
    """The run as (label, text) pairs, shared by ``results.md`` and ``index.html``: when and how
    it ran, where its models ran (:func:`placement_items`), and with what."""
    return when_items(info) + placement_items(info) + setup_items(info)


def when_items(info: RunInfo) -> list[tuple[str, str]]:
    duration = f" ({info.duration_seconds:.0f} s)" if isinstance(info.duration_seconds, (int, float)) else ""
    status = ("?" if info.exit_status is None
              else f"{info.exit_status} ({EXIT_STATUS.get(info.exit_status, 'unknown')})")
    if not info.complete:
        status += ", run incomplete (still running, or killed)"
    return [
        ("run", info.id or "?"),
        ("started", info.started or "?"),
        ("finished", (info.finished or "?") + duration),
        ("exit status", status),
        ("profile", info.profile or "?"),
        ("seed", str(info.seed) if info.repeats <= 1 else
         f"{info.seed} to {info.seed + info.repeats - 1} ({info.repeats} repeats; the scores are their mean, "
         f"the confusion matrices and curves the last repeat's)"),
        ("threads per worker", str(info.threads_per_worker or "?")),
        ("xdist workers", str(info.xdist_workers or "none (serial)")),
    ]


def placement_items(info: RunInfo) -> list[tuple[str, str]]:
    """A shard's place, a merged run's shards, the machines of a run spread over several."""
    items = []
    if info.shard:
        items.append(("shard", f"{info.shard.get('k')}/{info.shard.get('n')}: "
                               f"{', '.join(info.shard.get('models') or []) or 'no model'}"
                               f" (durations from {info.shard.get('durations') or '?'})"))
    if info.merged:
        missing = info.merged.get("missing") or []
        items.append(("merged", f"{len(info.merged.get('shards') or [])} of {info.merged.get('n', '?')} shards"
                                + (f"; MISSING shard {', '.join(map(str, missing))}: its models are absent"
                                   if missing else "")))
    for number, machine in enumerate(info.machine.get("machines") or [], start=1):
        items.append((f"machine {number}", f"{machine_text(machine)}, node {machine.get('node') or '?'}"))
    return items


def setup_items(info: RunInfo) -> list[tuple[str, str]]:
    machine, git, data = info.machine, info.git, info.data
    memory = machine.get("memory_bytes")
    commit = git.get("commit")
    return [
        ("machine", machine.get("platform") or " ".join(
            str(machine[k]) for k in ("system", "release", "machine") if machine.get(k)) or "?"),
        ("CPU", f"{cpu_name(machine) or '?'}, {machine.get('cpu_count') or '?'} logical cores"
                + (f" (machine fingerprint {machine['fingerprint']})" if machine.get("fingerprint") else "")),
        ("memory", f"{memory / 2**30:.1f} GiB" if isinstance(memory, (int, float)) else "?"),
        ("commit", "unknown (not a git checkout)" if not commit else
         f"{commit}{' (with uncommitted changes)' if git.get('dirty') else ''}"),
        ("suite", suite_text(info)),
        ("data", data.get("loaded_from") or f"{data.get('source', '?')}"
         + (f" from {data['data_dir']}" if data.get("data_dir") else "")),
        ("pytest arguments", " ".join(info.pytest_args) or "(none)"),
        ("versions", ", ".join(f"{k} {v}" for k, v in info.versions.items() if v)),
        *([("framework start-up", ", ".join(f"{name} {seconds:.1f} s" for name, seconds in info.startup_seconds.items())
            + " (once per process, before its first model, outside every timing)")] if info.startup_seconds else []),
    ]
