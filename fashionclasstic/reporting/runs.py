"""Reading runs: our ``results.json`` (or the run folder holding it, its id, ``latest``) or a
pytest-benchmark JSON file (``--benchmark-autosave`` writes ``.benchmarks/<machine>/NNNN_*.json``;
``0003`` names one). Both become the same :class:`Run`, so that ``compare``, ``trends``, ``ab``
and the durations of ``--fc-shard`` read any of them alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from fashionclasstic.errors import ConfigError
from fashionclasstic.records import CaseRecord, RunInfo, columns, parse_case_name, record_fingerprint, record_type_of
from fashionclasstic.reporting.files import (
    LATEST_LINK,
    RESULTS_SCHEMA,
    RUNS_DIR,
    find_results_file,
    latest_run_dir,
    load_results,
    read_json,
)

BENCHMARK_DIR = Path(".benchmarks")
# a pytest-benchmark case's group -> the record's time and its samples
PHASES = {"train": ("train_seconds", "train_samples"), "inference": ("inference_seconds", "inference_samples")}


@dataclass
class Run:
    label: str
    path: Path
    kind: str  # "fashionclasstic" or "pytest-benchmark"
    models: dict[str, CaseRecord] = field(default_factory=dict)
    fingerprint: str = ""  # the machine's (records.machine_fingerprint); "" when unknown
    started: str = ""
    commit: str = ""

    @property
    def profiles(self) -> set[str]:
        return {m.profile for m in self.models.values() if m.profile}

    def machine_of(self, model: str) -> str:
        """The fingerprint of the machine ``model`` ran on (a merged run spans several)."""
        record = self.models.get(model)
        return record_fingerprint(record, self.fingerprint) if record is not None else self.fingerprint


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def saved_results(path: Path, record_type: type = CaseRecord) -> tuple[list[CaseRecord], RunInfo]:
    """A ``results.json``'s records and run information (the records of any schema version)."""
    data = load_results(path)
    records = [record_type.from_dict(entry) for entry in data["models"] if isinstance(entry, dict)]
    return records, RunInfo.from_dict(data.get("run"))


def _from_results(path: Path, record_type: type) -> Run:
    records, info = saved_results(path, record_type)
    run = Run(label=str(info.id or path.parent.name), path=path, kind="fashionclasstic",
              fingerprint=str(info.machine.get("fingerprint") or ""), started=info.started,
              commit=str(info.git.get("commit") or ""))
    run.models = {record.model: record for record in records if record.model}
    return run


def _from_pytest_benchmark(path: Path, data: dict, record_type: type) -> Run:
    """Our cases in a pytest-benchmark file: the times from its stats (median of the rounds),
    everything else from the record the suite puts in each case's ``extra_info``."""
    match = re.match(r"^(\d+)_", path.name)
    run = Run(label=match.group(1) if match else path.stem, path=path, kind="pytest-benchmark",
              fingerprint=str((data.get("machine_info") or {}).get("fingerprint") or ""),
              started=str(data.get("datetime") or ""), commit=str((data.get("commit_info") or {}).get("id") or ""))
    for bench in data.get("benchmarks") or []:
        if not isinstance(bench, dict):
            continue
        extra = bench.get("extra_info") or {}
        case = parse_case_name(str(bench.get("name") or ""))
        model = extra.get("model") or bench.get("param") or (case[1] if case else None)
        group = bench.get("group") or (case[0] if case else None)
        if not model or group not in PHASES:
            continue
        result = run.models.setdefault(str(model), record_type(model=str(model), status="measured"))
        result.merge(record_type.from_dict({**extra, "model": str(model), "status": "measured"}))
        measured = bench.get("stats") or {}
        seconds = _number(measured.get("median"))
        seconds = _number(measured.get("mean")) if seconds is None else seconds
        key, samples = PHASES[group]
        if seconds is not None:
            setattr(result, key, seconds)
        if isinstance(measured.get("data"), list):  # saved with --benchmark-save-data
            setattr(result, samples, [float(v) for v in measured["data"]])
        result.timing = result.timing or "pytest-benchmark"
    return run


def read_run(path: Path, record_type: type = CaseRecord) -> Run:
    """One run from a file, whichever of the two formats it is (``record_type``: the schema of
    its records, :class:`CaseRecord` or a subclass adding fields)."""
    data = read_json(path)
    if isinstance(data, dict) and data.get("schema") == RESULTS_SCHEMA:
        return _from_results(path, record_type)
    if isinstance(data, dict) and isinstance(data.get("benchmarks"), list):
        return _from_pytest_benchmark(path, data, record_type)
    raise ConfigError(f"{path}: neither a FashionClasstic results.json nor a pytest-benchmark JSON file")


def benchmark_files(storage: Path) -> list[Path]:
    """pytest-benchmark's saved runs (``<machine>/NNNN_<commit>_<time>.json``), oldest first."""
    found = [p for p in storage.glob("*/*.json") if re.match(r"^\d+_", p.name)]
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))


def _run_number(path: Path) -> int:
    return int(path.name.split("_", 1)[0])


def resolve_run(spec: str, runs_dir: Path = RUNS_DIR, storage: Path = BENCHMARK_DIR) -> Path:
    """The file a RUN argument names: a path, a run folder or id, ``latest``, or a
    pytest-benchmark run number such as ``0003`` (searched under ``storage``)."""
    if spec == LATEST_LINK:
        if latest_run_dir(runs_dir) is not None:
            return find_results_file(spec, runs_dir)
        saved = benchmark_files(storage)
        if saved:
            return saved[-1]
        raise ConfigError(f"'latest': no saved run under {runs_dir} nor {storage} (run the benchmarks first)")
    if re.fullmatch(r"\d+", spec) and not Path(spec).exists():
        found = [p for p in benchmark_files(storage) if _run_number(p) == int(spec)]
        if not found:
            raise ConfigError(f"{spec}: no pytest-benchmark run {spec} under {storage} "
                              f"(saved with pytest --benchmark-autosave)")
        if len(found) > 1:
            raise ConfigError(f"{spec}: several pytest-benchmark runs have that number: "
                              f"{', '.join(str(p) for p in found)}; name the file")
        return found[0]
    return find_results_file(spec, runs_dir)


def load_runs(specs: list[str], runs_dir: Path = RUNS_DIR, storage: Path = BENCHMARK_DIR,
              record_type: type = CaseRecord) -> list[Run]:
    runs = [read_run(resolve_run(spec, runs_dir, storage), record_type) for spec in specs]
    labels = [run.label for run in runs]
    for number, run in enumerate(runs, start=1):  # two runs may share a label (0001 on two machines)
        if labels.count(run.label) > 1:
            run.label = f"{run.label} (#{number})"
    return runs


def model_order(runs: list[Run]) -> list[str]:
    """The baseline's models by accuracy, then those only later runs have."""
    ordered = sorted(runs[0].models.values(), key=lambda m: (m.accuracy is None, -(m.accuracy or 0.0)))
    names = [m.model for m in ordered]
    for run in runs[1:]:
        names += [name for name in run.models if name not in names]
    return names


def measures(runs: list[Run]) -> list:
    """The fields that runs are compared by (the schema's ``runs`` view), those the runs hold."""
    records = [r for run in runs for r in run.models.values()]
    return [f for f in columns("runs", record_type_of(records)) if any(getattr(r, f.name) is not None for r in records)]
