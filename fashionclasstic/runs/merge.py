"""Merging the runs of several shards (``--fc-shard K/N`` on N machines) into one run.

The merged run is written as any run is (``results.json``, the tables, ``index.html``, every
figure), plus one pytest-benchmark JSON holding every case of every shard (each shard's, found
where its run says it wrote it, concatenated; a shard without one is named in a note), so that
``pytest-benchmark compare`` and the suite's ``compare``/``history`` read it as one run. Each
record keeps the machine it ran on. The result depends only on the shards: merging the same
shards twice gives the same files.

A run without ``run.shard`` (e.g. the networks on a GPU runner, chosen with ``--fc-models``)
joins as a part of its own; the shards must then still be all of one N.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fashionclasstic.errors import ConfigError
from fashionclasstic.fileio import atomic_write_json
from fashionclasstic.machine import record_fingerprint, record_machine
from fashionclasstic.models import get_model_spec
from fashionclasstic.records import CaseRecord, RunInfo, startup_seconds
from fashionclasstic.reporting.files import RESULTS_FILE, RUNS_DIR
from fashionclasstic.reporting.publishers import write_report
from fashionclasstic.runs.saved import find_results_file, read_json, saved_results

BENCHMARK_FILE = "benchmark.json"  # the merged run's pytest-benchmark JSON, and where a shard's is looked for
UNFINISHED = ("not run", "interrupted")  # a shard with such a model is incomplete


@dataclass
class Part:
    """One input run: a shard (``k`` of ``n``) or a whole run (``k`` None)."""

    spec: str
    path: Path
    info: RunInfo
    records: list[CaseRecord]
    benchmark: dict | None = None  # its pytest-benchmark JSON, when its run directory holds one
    benchmark_path: Path | None = None

    @property
    def k(self) -> int | None:
        return self.info.shard.get("k") if self.info.shard else None

    @property
    def n(self) -> int | None:
        return self.info.shard.get("n") if self.info.shard else None

    @property
    def name(self) -> str:
        return f"shard {self.k}/{self.n} ({self.spec})" if self.k else f"run {self.info.id or self.spec} ({self.spec})"

    @property
    def order(self) -> tuple:
        return (self.k is None, self.k or 0, self.info.id, str(self.path))


@dataclass
class Merged:
    records: list[CaseRecord]
    info: RunInfo
    benchmark: dict | None
    notes: list[str] = field(default_factory=list)


def read_part(spec: str, runs_dir: Path = RUNS_DIR) -> Part:
    path = find_results_file(spec, runs_dir)
    records, info = saved_results(path)
    fallback = _run_machine(info)
    for record in records:  # shards written before records kept their machine
        if not record.machine and fallback.get("fingerprint") and record.status != "not run":
            record.machine = dict(fallback)
    part = Part(spec, path, info, records)
    part.benchmark_path = benchmark_file(path.parent, info.benchmark_json)
    part.benchmark = read_json(part.benchmark_path) if part.benchmark_path else None
    return part


def _run_machine(info: RunInfo) -> dict[str, Any]:
    machine = record_machine(info.machine, info.threads_per_worker) if info.machine else {}
    if info.machine.get("fingerprint"):
        machine["fingerprint"] = info.machine["fingerprint"]  # as recorded, whatever the hash is today
    return machine


def benchmark_file(directory: Path, recorded: list[str] = ()) -> Path | None:
    """A shard's pytest-benchmark JSON: where its run says it wrote it (``run.benchmark_json``:
    autosave, save, ``--benchmark-json``; relative to the run directory), else a file of that
    name in the run directory (a run folder copied from another machine), else
    ``benchmark.json`` there, else the only other JSON file there that holds pytest-benchmark's
    ``benchmarks`` list."""
    for candidate in [directory / path for path in recorded] + [directory / Path(path).name for path in recorded]:
        if candidate.is_file():
            return candidate
    if (directory / BENCHMARK_FILE).is_file():
        return directory / BENCHMARK_FILE
    found = []
    for path in sorted(directory.glob("*.json")):
        if path.name == RESULTS_FILE:
            continue
        try:
            data = read_json(path)
        except ConfigError:
            continue
        if isinstance(data, dict) and isinstance(data.get("benchmarks"), list):
            found.append(path)
    return found[0] if len(found) == 1 else None


# --------------------------------------------------------------------------- checks


def check_parts(parts: list[Part], allow_partial: bool) -> list[int]:
    """Refuse what cannot be one run (a :class:`ConfigError`, one line); return the missing shards."""
    for attribute, label in (("profile", "profiles"), ("seed", "seeds"), ("repeats", "repeats")):
        _same(parts, lambda p, a=attribute: getattr(p.info, a), label)
    _same(parts, lambda p: p.info.suite.get("commit") or p.info.suite.get("version"), "suite commits")
    shards = [p for p in parts if p.k is not None]
    counts = sorted({p.n for p in shards})
    if len(counts) > 1:
        raise ConfigError("cannot merge shards of different N: " + ", ".join(p.name for p in shards)
                          + "; merge the shards of one split")
    seen: dict[int, Part] = {}
    for part in shards:
        if part.k in seen:
            raise ConfigError(f"shard {part.k}/{part.n} is given twice: {seen[part.k].spec} and {part.spec}")
        seen[part.k] = part
    owner: dict[str, Part] = {}
    for part in parts:
        for record in part.records:
            if record.model in owner:
                raise ConfigError(f"model {record.model} is in two runs: {owner[record.model].name} and {part.name}; "
                                  f"each model must come from one shard")
            owner[record.model] = part
    missing = [k for k in range(1, counts[0] + 1) if k not in seen] if counts else []
    _same_split(shards, missing)
    if missing and not allow_partial:
        raise ConfigError(f"shard {', '.join(f'{k}/{counts[0]}' for k in missing)} missing (merged "
                          f"{', '.join(f'{k}/{counts[0]}' for k in sorted(seen))}): give its run directory, "
                          f"or --allow-partial to write an incomplete run")
    incomplete = [f"{p.name} is incomplete: {incomplete_reason(p)}" for p in parts if incomplete_reason(p)]
    if incomplete and not allow_partial:
        raise ConfigError("; ".join(incomplete) + "; rerun it, or --allow-partial to write an incomplete run")
    return missing


def incomplete_reason(part: Part) -> str:
    """Why a run is not whole ("" when it is): it ended early, or some models never finished."""
    reasons = [] if part.info.complete else ["killed or interrupted (run.complete false)"]
    if unfinished_models(part):
        reasons.append(f"models not finished: {', '.join(unfinished_models(part))}")
    return ", ".join(reasons)


def unfinished_models(part: Part) -> list[str]:
    """The models a run never finished: killed or interrupted before or while they ran."""
    return [r.model for r in part.records if r.status in UNFINISHED]


def _same_split(shards: list[Part], missing: list[int]) -> None:
    """Shards that selected different models, or split them by different durations, would leave
    a model in no shard: refused, naming it (a shard knows the selection when it ran serially)."""
    known = [p for p in shards if p.info.shard.get("selected") is not None]
    if len({tuple(p.info.shard["selected"]) for p in known}) > 1:
        raise ConfigError("the shards selected different models (" + "; ".join(
            f"{p.name}: {', '.join(p.info.shard['selected'])}" for p in known)
            + "): run every shard with the same --fc-models, -k and -m")
    if known and not missing:
        orphans = sorted(set(known[0].info.shard["selected"]) - {r.model for p in shards for r in p.records})
        if orphans:
            raise ConfigError(f"{', '.join(orphans)} in no shard: the shards split by different durations; give "
                              f"every shard the same --fc-durations RUN")


def _same(parts: list[Part], key, label: str) -> None:
    values = {str(key(p)) for p in parts}
    if len(values) > 1:
        listed = ", ".join(f"{p.name}: {key(p)}" for p in parts)
        raise ConfigError(f"cannot merge runs of different {label} ({listed})")


# --------------------------------------------------------------------------- merging


def merge_parts(parts: list[Part], allow_partial: bool = False) -> Merged:
    parts = sorted(parts, key=lambda p: p.order)
    missing = check_parts(parts, allow_partial)
    count = next((p.n for p in parts if p.n), None)
    records = [record for part in parts for record in part.records]
    notes = [f"{p.name} is incomplete: {incomplete_reason(p)} (--allow-partial)" for p in parts if incomplete_reason(p)]
    if missing:
        records += missing_records(parts, missing, count)
    fingerprints = sorted({record_fingerprint(r) for r in records} - {""})
    info = merged_info(parts, missing, count, records, fingerprints)
    benchmark = merge_benchmarks(parts, fingerprints, notes)
    return Merged(records, info, benchmark, notes)


def missing_records(parts: list[Part], missing: list[int], count: int) -> list[CaseRecord]:
    """The missing shards' models (the shards say which models were split), marked not run;
    one row per missing shard when its models are unknown."""
    present = {r.model for part in parts for r in part.records}
    selected = sorted({m for part in parts for m in (part.info.shard or {}).get("selected") or []} - present)
    shards = ", ".join(f"{k}/{count}" for k in missing)
    reason = f"shard {shards} missing from this merged run (--allow-partial)"
    if selected:
        return [_described(CaseRecord(model=m, profile=parts[0].info.profile, status="not run", reason=reason))
                for m in selected]
    return [CaseRecord(model=f"(shard {k}/{count})", profile=parts[0].info.profile, status="not run",
                       reason=f"shard {k}/{count} missing from this merged run (--allow-partial); models unknown")
            for k in missing]


def _described(record: CaseRecord) -> CaseRecord:
    try:
        spec = get_model_spec(record.model)
    except ConfigError:
        return record  # not registered here: the row keeps its name
    record.family, record.framework, record.description = spec.family, spec.framework, spec.description
    return record


def merged_info(parts: list[Part], missing: list[int], count: int | None, records: list[CaseRecord],
                fingerprints: list[str]) -> RunInfo:
    """The first part's run information, spanning every part's time, with the shards listed and
    the machines of every part (one machine: its information as a single run has it)."""
    first = parts[0].info
    info = RunInfo.from_dict(first.to_dict())
    info.shard = {}
    starts = [p.info.started for p in parts if p.info.started]
    ends = [p.info.finished for p in parts if p.info.finished]
    info.started, info.finished = min(starts, default=""), max(ends, default="")
    info.id = f"{min((p.info.id for p in parts if p.info.id), default='run')}-merged"
    info.duration_seconds = _span(info.started, info.finished)
    statuses = [p.info.exit_status for p in parts]
    info.exit_status = None if None in statuses else max(statuses)
    info.complete = not missing and all(p.info.complete and not unfinished_models(p) for p in parts)
    info.benchmark_json = []  # the merged run's own, once written
    info.xdist_workers = max(p.info.xdist_workers for p in parts)
    info.startup_seconds = startup_seconds(records)  # each shard's processes paid their own: the longest
    info.merged = {"n": count, "shards": [{"k": p.k, "run": p.info.id, "models": sorted(r.model for r in p.records),
                                           "machine": _run_machine(p.info).get("fingerprint") or "",
                                           "pytest_args": p.info.pytest_args} for p in parts],
                   "missing": missing}
    if len(fingerprints) > 1:
        machines = {record_fingerprint(r): r.machine for r in records if record_fingerprint(r)}
        info.machine = {"fingerprint": "", "machines": [machines[f] for f in fingerprints]}
    return info


def _span(started: str, finished: str) -> float | None:
    from datetime import datetime

    try:
        return round((datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds(), 3)
    except ValueError:
        return None


def merge_benchmarks(parts: list[Part], fingerprints: list[str], notes: list[str]) -> dict | None:
    """One pytest-benchmark JSON: every part's cases in shard order, each keeping its machine in
    ``extra_info``; the top level (machine, commit, time, version) from the first shard, the
    earliest time, and no fingerprint when the cases ran on several machines."""
    without = [p.name for p in parts if p.benchmark is None]
    parts = [p for p in parts if p.benchmark is not None]
    if without:
        notes.append(f"no pytest-benchmark JSON in {', '.join(without)} (save it with --benchmark-autosave, "
                     f"--benchmark-save or --benchmark-json): "
                     + ("the merged run has none" if not parts else "its cases are not in the merged one"))
    if not parts:
        return None
    first = parts[0].benchmark
    benchmarks = []
    for part in parts:
        machine = _run_machine(part.info)
        for bench in part.benchmark.get("benchmarks") or []:
            extra = dict(bench.get("extra_info") or {})
            if not extra.get("machine") and machine:
                extra["machine"] = machine
            benchmarks.append({**bench, "extra_info": extra})
    machine_info = dict(first.get("machine_info") or {})
    if len(fingerprints) > 1:
        machines: dict[str, dict] = {}
        for bench in benchmarks:
            machine = bench["extra_info"].get("machine") or {}
            if machine.get("fingerprint"):
                machines.setdefault(machine["fingerprint"], machine)
        machine_info.update(fingerprint="", machines=[machines[f] for f in sorted(machines)])
    times = [p.benchmark.get("datetime") for p in parts if p.benchmark.get("datetime")]
    return {**first, "machine_info": machine_info, "commit_info": first.get("commit_info") or {},
            "datetime": min(times, default=first.get("datetime")), "benchmarks": benchmarks}


def merge(specs: list[str], out=None, allow_partial: bool = False, runs_dir: Path = RUNS_DIR) -> tuple[Path, Merged]:
    """Merge the runs ``specs`` name and write the merged run (into ``out``, else a new run
    folder ``<first id>-merged`` under ``runs_dir``); return its directory."""
    parts = [read_part(spec, Path(runs_dir)) for spec in specs]
    merged = merge_parts(parts, allow_partial)
    if merged.benchmark is not None:
        merged.info.benchmark_json = [BENCHMARK_FILE]  # in the merged run's folder
    directory = write_report(merged.records, merged.info, out, runs_dir=Path(runs_dir))
    if merged.benchmark is not None:
        atomic_write_json(directory / BENCHMARK_FILE, merged.benchmark)
    return directory, merged
