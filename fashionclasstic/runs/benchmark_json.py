"""pytest-benchmark's JSON document, built from the suite's records.

pytest-benchmark writes its own file when it timed the cases itself (a serial run). Where it
was off (under xdist) or never saw the cases (shards of one run merged afterwards), the record
of timing is written from the :class:`~fashionclasstic.records.CaseRecord` samples in the same
schema (``machine_info``, ``commit_info``, ``benchmarks``, ``datetime``, ``version``), so that
``pytest-benchmark compare`` and ``python -m fashionclasstic compare`` read it like any other.
Each case's ``options`` say which clock timed it (``timer``: ``fashionclasstic wall-clock``
when pytest-benchmark was off) and its ``extra_info`` holds the model's record, as in a file
pytest-benchmark writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fashionclasstic.case_names import CASES_MODULE, MODEL_PARAMETER, case_name
from fashionclasstic.fileio import atomic_write_json
from fashionclasstic.records import PHASE_FIELDS, CaseRecord, RunInfo

CLOCKS = {"wall-clock": "fashionclasstic wall-clock (time.perf_counter; pytest-benchmark was off)",
          "pytest-benchmark": "pytest-benchmark (perf_counter)"}


def _stats(samples: list[float]) -> dict[str, Any]:
    """The statistics pytest-benchmark stores for a case, computed by pytest-benchmark's own
    class (``data``: every sample, as ``--benchmark-save-data`` keeps them)."""
    from pytest_benchmark.stats import Stats

    stats = Stats()
    for seconds in samples:
        stats.update(float(seconds))
    return {**stats.as_dict(), "data": [float(s) for s in samples], "iterations": 1}


def benchmark_entries(record: CaseRecord) -> list[dict[str, Any]]:
    """One entry per phase of the model that has samples (a case that never finished has none)."""
    entries = []
    for phase, (_, samples_field) in PHASE_FIELDS.items():
        samples = getattr(record, samples_field)
        if not samples:
            continue
        name = case_name(phase, record.model)
        entries.append({
            "group": phase, "name": name, "fullname": record.node_ids.get(phase) or f"{CASES_MODULE}::{name}",
            "params": {MODEL_PARAMETER: record.model}, "param": record.model,
            "extra_info": record.benchmark_info(),
            "options": {"disable_gc": False, "timer": CLOCKS.get(record.timing, record.timing or "unknown"),
                        "min_rounds": len(samples), "max_time": None, "min_time": None, "warmup": phase == "inference"},
            "stats": _stats(samples),
        })
    return entries


def commit_info(info: RunInfo) -> dict[str, Any]:
    """pytest-benchmark's ``commit_info`` from the run's (which holds the same fields, renamed)."""
    git = info.git or {}
    return {"id": git.get("commit") or "unversioned", "time": None, "author_time": None,
            "dirty": bool(git.get("dirty")), "project": Path(info.cwd).name if info.cwd else None,
            "branch": git.get("branch") or "(unknown)"}


def benchmark_document(records: Iterable[CaseRecord], info: RunInfo) -> dict[str, Any]:
    """The pytest-benchmark document of a run: every finished case of every record."""
    return {
        "machine_info": dict(info.machine or {}),
        "commit_info": commit_info(info),
        "benchmarks": [entry for record in records for entry in benchmark_entries(record)],
        "datetime": info.finished or datetime.now(UTC).isoformat(),
        "version": (info.versions or {}).get("pytest-benchmark") or "unknown",
    }


def write_benchmark_json(records: Iterable[CaseRecord], info: RunInfo, path) -> Path:
    """Write the document to ``path`` atomically (a second Ctrl-C leaves the file whole or absent)."""
    path = Path(path)
    atomic_write_json(path, benchmark_document(records, info))
    return path
