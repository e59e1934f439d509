"""Finding and reading saved runs: our ``results.json`` (or the run folder holding it, its id,
``latest``) or a pytest-benchmark JSON file (``--benchmark-autosave`` writes
``.benchmarks/<machine>/NNNN_*.json``; ``0003`` names one). Both become the same :class:`Run`, so
that ``compare``, ``trends``, ``ab``, ``merge``, ``report``, ``thresholds`` and the durations of
``--fc-shard`` find and read any of them alike.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fashionclasstic.case_names import parse_case_name
from fashionclasstic.errors import ConfigError, FashionClassticError
from fashionclasstic.machine import record_fingerprint
from fashionclasstic.records import PHASE_FIELDS, SCHEMA_VERSION, CaseRecord, RunInfo, columns, record_type_of
from fashionclasstic.reporting.files import LATEST_FILE, LATEST_LINK, RESULTS_FILE, RESULTS_SCHEMA, RUNS_DIR
from fashionclasstic.reporting.formatting import by_accuracy

BENCHMARK_DIR = Path(".benchmarks")
# pytest-benchmark's documented file names in its storage: <machine>/NNNN_<commit>_<time>.json
BENCHMARK_NAME = re.compile(r"^(\d+)_")


@dataclass
class Run:
    label: str
    path: Path
    kind: str  # "fashionclasstic" or "pytest-benchmark"
    models: dict[str, CaseRecord] = field(default_factory=dict)
    fingerprint: str = ""  # the machine's (fashionclasstic.machine.fingerprint); "" when unknown
    started: str = ""
    commit: str = ""
    info: RunInfo = field(default_factory=RunInfo)  # as much as the file says (a pytest-benchmark file: less)

    @property
    def profiles(self) -> set[str]:
        return {m.profile for m in self.models.values() if m.profile}

    def machine_of(self, model: str) -> str:
        """The fingerprint of the machine ``model`` ran on (a merged run spans several)."""
        record = self.models.get(model)
        return record_fingerprint(record, self.fingerprint) if record is not None else self.fingerprint


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def latest_run_dir(runs_dir: Path = RUNS_DIR) -> Path | None:
    """The run ``latest`` points to, through the symlink or the ``LATEST`` file."""
    link = runs_dir / LATEST_LINK
    if link.is_dir():
        return link
    pointer = runs_dir / LATEST_FILE
    if pointer.is_file():
        target = runs_dir / pointer.read_text(encoding="utf-8").strip()
        if target.is_dir():
            return target
    return None


def read_json(path: Path) -> Any:
    """Parse a JSON file; a missing or unreadable one is a :class:`ConfigError` naming it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc})") from None


def load_results(path: Path) -> dict:
    """A saved ``results.json`` (``reporting.publishers.write_report``), checked for its schema."""
    data = read_json(path)
    if not isinstance(data, dict) or data.get("schema") != RESULTS_SCHEMA:
        raise ConfigError(f"{path}: not a FashionClasstic results.json (no \"schema\": \"{RESULTS_SCHEMA}\")")
    version = data.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise ConfigError(f"{path}: schema_version {version!r} is newer than this version of "
                          f"fashionclasstic understands ({SCHEMA_VERSION}); upgrade it")
    if not isinstance(data.get("models"), list):
        raise ConfigError(f"{path}: has no \"models\" list")
    return data


def find_results_file(run: str, runs_dir: Path = RUNS_DIR) -> Path:
    """Where the ``results.json`` of ``run`` is: a file, a run directory, a run id under
    ``runs_dir``, or ``latest``."""
    if run == LATEST_LINK:
        latest = latest_run_dir(runs_dir)
        if latest is None:
            raise ConfigError(f"'latest': no saved run under {runs_dir} (run the benchmarks first)")
        return latest / RESULTS_FILE
    path = Path(run).expanduser()
    if not path.exists() and (runs_dir / run).is_dir():
        path = runs_dir / run
    if path.is_dir():
        if not (path / RESULTS_FILE).is_file():
            raise ConfigError(f"{path}: this directory holds no {RESULTS_FILE}")
        return path / RESULTS_FILE
    if not path.is_file():
        raise ConfigError(f"{run}: no such file or run directory (nor a run under {runs_dir})")
    return path


def saved_results(path: Path, record_type: type = CaseRecord) -> tuple[list[CaseRecord], RunInfo]:
    """A ``results.json``'s records and run information (the records of any schema version)."""
    data = load_results(path)
    records = [record_type.from_dict(entry) for entry in data["models"] if isinstance(entry, dict)]
    return records, RunInfo.from_dict(data.get("run"))


def _from_results(path: Path, record_type: type) -> Run:
    records, info = saved_results(path, record_type)
    run = Run(label=str(info.id or path.parent.name), path=path, kind="fashionclasstic",
              fingerprint=str(info.machine.get("fingerprint") or ""), started=info.started,
              commit=str(info.git.get("commit") or ""), info=info)
    run.models = {record.model: record for record in records if record.model}
    return run


def _from_pytest_benchmark(path: Path, data: dict, record_type: type) -> Run:
    """Our cases in a pytest-benchmark file: the times from its stats (median of the rounds),
    everything else from the record the suite puts in each case's ``extra_info``."""
    match = BENCHMARK_NAME.match(path.name)
    info = benchmark_run_info(data)
    run = Run(label=match.group(1) if match else path.stem, path=path, kind="pytest-benchmark",
              fingerprint=str(info.machine.get("fingerprint") or ""), started=info.started,
              commit=str(info.git.get("commit") or ""), info=info)
    for bench in data.get("benchmarks") or []:
        if not isinstance(bench, dict):
            continue
        extra = bench.get("extra_info") or {}
        case = parse_case_name(str(bench.get("name") or ""))
        model = extra.get("model") or bench.get("param") or (case[1] if case else None)
        group = bench.get("group") or (case[0] if case else None)
        if not model or group not in PHASE_FIELDS:
            continue
        result = run.models.setdefault(str(model), record_type(model=str(model), status="measured"))
        result.merge(record_type.from_dict({**extra, "model": str(model), "status": "measured"}))
        measured = bench.get("stats") or {}
        seconds = _number(measured.get("median"))
        seconds = _number(measured.get("mean")) if seconds is None else seconds
        key, samples = PHASE_FIELDS[group]
        if seconds is not None:
            setattr(result, key, seconds)
        if isinstance(measured.get("data"), list):  # saved with --benchmark-save-data
            setattr(result, samples, [float(v) for v in measured["data"]])
        result.timing = result.timing or "pytest-benchmark"
    return run


def benchmark_run_info(data: dict[str, Any]) -> RunInfo:
    """What a pytest-benchmark document says of its run: when, on which machine, at which commit."""
    commit = data.get("commit_info") or {}
    return RunInfo(started=str(data.get("datetime") or ""), machine=dict(data.get("machine_info") or {}),
                   git={"commit": commit.get("id"), "dirty": commit.get("dirty")})


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
    found = [p for p in storage.glob("*/*.json") if BENCHMARK_NAME.match(p.name)]
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))


def run_number(path: Path) -> int:
    """``NNNN`` of a pytest-benchmark file name: the number of its run in its storage folder."""
    return int(BENCHMARK_NAME.match(path.name).group(1))


def next_benchmark_file(folder: Path, name: str) -> Path:
    """Where pytest-benchmark's ``--benchmark-save NAME`` would save its next run in ``folder``
    (one machine's folder of its storage): ``NNNN_NAME.json``, one past the highest number there."""
    numbers = [run_number(p) for p in Path(folder).glob("*.json") if BENCHMARK_NAME.match(p.name)]
    return Path(folder) / f"{max(numbers, default=0) + 1:04d}_{name}.json"


def saved_runs(runs_dir: Path, storage: Path | None = None,
               record_type: type = CaseRecord) -> tuple[list[Run], list[str]]:
    """Every readable run saved under ``runs_dir`` (and, with ``storage``, pytest-benchmark's);
    the unreadable ones as notes."""
    paths = sorted(Path(runs_dir).glob(f"*/{RESULTS_FILE}")) + (benchmark_files(Path(storage)) if storage else [])
    runs, notes = [], []
    for path in paths:
        if path.parent.is_symlink():  # "latest" points at a run listed anyway
            continue
        try:
            runs.append(read_run(path, record_type))
        except FashionClassticError as exc:
            notes.append(f"skipped {path}: {exc}")
    return runs, notes


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
        found = [p for p in benchmark_files(storage) if run_number(p) == int(spec)]
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
    names = [m.model for m in by_accuracy(runs[0].models.values())]
    for run in runs[1:]:
        names += [name for name in run.models if name not in names]
    return names


def measures(runs: list[Run]) -> list:
    """The fields that runs are compared by (the schema's ``runs`` view), those the runs hold."""
    records = [r for run in runs for r in run.models.values()]
    return [f for f in columns("runs", record_type_of(records)) if any(getattr(r, f.name) is not None for r in records)]
