"""Comparing runs: accuracy and times per model across saved runs, and a regression gate.

A run is our ``results.json`` (or the run folder holding it, its id, ``latest``) or a
pytest-benchmark JSON file (``--benchmark-autosave`` writes ``.benchmarks/<machine>/NNNN_*.json``;
``0003`` names one). Both become the same :class:`Run`, so any two can be compared. The first
run is the baseline; ``--fail-on`` judges the last run against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tabulate import tabulate

from fashionclasstic import stats
from fashionclasstic.errors import ConfigError
from fashionclasstic.records import CaseRecord, parse_case_name, point_rules, record_fingerprint, rule_fields
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


# --------------------------------------------------------------------------- reading runs


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _from_results(path: Path) -> Run:
    data = load_results(path)
    info = data.get("run") or {}
    run = Run(label=str(info.get("id") or path.parent.name), path=path, kind="fashionclasstic",
              fingerprint=str((info.get("machine") or {}).get("fingerprint") or ""),
              started=str(info.get("started") or ""), commit=str((info.get("git") or {}).get("commit") or ""))
    for entry in data["models"]:
        if isinstance(entry, dict) and entry.get("model"):
            record = CaseRecord.from_dict(entry)
            run.models[record.model] = record
    return run


def _from_pytest_benchmark(path: Path, data: dict) -> Run:
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
        if not model or group not in ("train", "inference"):
            continue
        result = run.models.setdefault(str(model), CaseRecord(model=str(model), status="measured"))
        result.merge(CaseRecord.from_dict({**extra, "model": str(model), "status": "measured"}))
        measured = bench.get("stats") or {}
        seconds = _number(measured.get("median"))
        seconds = _number(measured.get("mean")) if seconds is None else seconds
        key = "train_seconds" if group == "train" else "inference_seconds"
        if seconds is not None:
            setattr(result, key, seconds)
        if isinstance(measured.get("data"), list):  # saved with --benchmark-save-data
            setattr(result, SAMPLES[key], [float(v) for v in measured["data"]])
        result.timing = result.timing or "pytest-benchmark"
    return run


def read_run(path: Path) -> Run:
    """One run from a file, whichever of the two formats it is."""
    data = read_json(path)
    if isinstance(data, dict) and data.get("schema") == RESULTS_SCHEMA:
        return _from_results(path)
    if isinstance(data, dict) and isinstance(data.get("benchmarks"), list):
        return _from_pytest_benchmark(path, data)
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


def load_runs(specs: list[str], runs_dir: Path = RUNS_DIR, storage: Path = BENCHMARK_DIR) -> list[Run]:
    runs = [read_run(resolve_run(spec, runs_dir, storage)) for spec in specs]
    labels = [run.label for run in runs]
    for number, run in enumerate(runs, start=1):  # two runs may share a label (0001 on two machines)
        if labels.count(run.label) > 1:
            run.label = f"{run.label} (#{number})"
    return runs


# --------------------------------------------------------------------------- the rules


@dataclass(frozen=True)
class Rule:
    metric: str  # accuracy, macro_f1 (drop in points) or train_time, inference_time (growth in %)
    limit: float

    def describe(self) -> str:
        return f"{self.metric}:{self.limit:g}" + ("%" if self.metric in TIME_METRICS else "")


RULES = rule_fields()  # rule name -> record field, from the record schema
POINT_METRICS = {name: key for name, key in RULES.items() if key in point_rules()}
TIME_METRICS = {name: key for name, key in RULES.items() if key not in point_rules()}


def parse_fail_on(spec: str) -> list[Rule]:
    """``accuracy:0.5,train_time:25%,inference_time:50%``: the largest accuracy drop in points,
    the largest time growth in percent. Anything else is a :class:`ConfigError`."""
    rules = []
    for part in (p.strip() for p in spec.split(",")):
        metric, colon, amount = part.partition(":")
        metric, amount = metric.strip(), amount.strip()
        if not colon or not metric or not amount:
            raise ConfigError(f"--fail-on {spec!r}: {part!r} is not METRIC:LIMIT "
                              f"(e.g. accuracy:0.5,train_time:25%)")
        if metric not in POINT_METRICS and metric not in TIME_METRICS:
            raise ConfigError(f"--fail-on {spec!r}: unknown metric {metric!r}; use "
                              f"{', '.join([*POINT_METRICS, *TIME_METRICS])}")
        number = amount.removesuffix("%") if metric in TIME_METRICS else re.sub(r"\s*(pts?|points?)$", "", amount)
        try:
            limit = float(number)
        except ValueError:
            unit = "a percentage such as 25%" if metric in TIME_METRICS else "accuracy points such as 0.5"
            raise ConfigError(f"--fail-on {spec!r}: {metric} needs {unit}, got {amount!r}") from None
        if not limit >= 0 or limit == float("inf"):
            raise ConfigError(f"--fail-on {spec!r}: the limit of {metric} must be a number of at least 0")
        rules.append(Rule(metric, limit))
    return rules


def _points(value: float) -> float:
    return 100.0 * value


def _growth(before: float | None, after: float | None) -> float | None:
    if before is None or after is None or before <= 0:
        return None
    return 100.0 * (after - before) / before


SAMPLES = {"train_seconds": "train_samples", "inference_seconds": "inference_samples"}
NOISE_SIGMAS = 2.0  # an accuracy drop between repeated runs must exceed this many standard errors


def machine_of(run: Run, model: str) -> str:
    """The fingerprint of the machine ``model`` ran on in ``run`` (a merged run spans several)."""
    record = run.models.get(model)
    return record_fingerprint(record, run.fingerprint) if record is not None else run.fingerprint


def violations(runs: list[Run], rules: list[Rule], cross_machine: bool = False) -> tuple[list[str], list[str]]:
    """Each model and metric of the last run that broke a rule against the first run, and the
    notes on what was not judged or judged within noise.

    A model's times are judged only when it ran on the same machine fingerprint in both runs
    (unless ``cross_machine``); with at least 5 samples a side a time must also be significantly
    slower (one-sided Mann-Whitney U, p < 0.01). Accuracy is always judged; when both runs have
    repeats, a drop must also exceed twice the standard error of the difference of the means.
    """
    first, last = runs[0], runs[-1]
    broken: list[str] = []
    notes: list[str] = []
    models = model_order(runs)
    apart = [m for m in models if m in first.models and m in last.models
             and not (machine_of(first, m) and machine_of(first, m) == machine_of(last, m))]
    if not cross_machine and apart and any(rule.metric in TIME_METRICS for rule in rules):
        pairs = sorted({(machine_of(first, m) or "unknown", machine_of(last, m) or "unknown") for m in apart})
        machines = "; ".join(f"{a} and {b}" for a, b in pairs)
        which = "" if len(apart) == len([m for m in models if m in first.models and m in last.models]) else \
            f" of {', '.join(apart)}"
        notes.append(f"times{which} not judged: in {first.label} and {last.label} they ran on different or unknown "
                     f"machines (fingerprints {machines}); times are comparable only on one machine "
                     f"(--cross-machine judges them anyway)")
    for model in model_order(runs):
        before = first.models.get(model)
        if before is None:
            continue  # new since the baseline: nothing to regress from
        after = last.models.get(model)
        if after is None:
            broken.append(f"{model}: missing from the last run ({last.label}) "
                          f"[{', '.join(r.describe() for r in rules)}]")
            continue
        for rule in rules:
            is_points = rule.metric in POINT_METRICS
            if not is_points and not cross_machine and model in apart:
                continue
            key = POINT_METRICS[rule.metric] if is_points else TIME_METRICS[rule.metric]
            old, new = getattr(before, key), getattr(after, key)
            if old is None:
                continue
            if new is None:
                was = f", was {old:.4f}" if is_points else ""
                broken.append(f"{model}: {rule.metric} missing in {last.label} "
                              f"(status {after.status or '?'}){was} [{rule.describe()}]")
            elif is_points:
                _judge_points(model, rule, before, after, old, new, broken, notes)
            else:
                _judge_time(model, rule, key, before, after, old, new, broken, notes)
    return broken, notes


def _judge_points(model, rule, before, after, old, new, broken, notes) -> None:
    drop = _points(old - new)
    if drop <= rule.limit:
        return
    text = f"{model}: {rule.metric} fell {drop:.2f} points, {old:.4f} -> {new:.4f} (limit {rule.limit:g})"
    spread = _standard_error(before, after) if rule.metric == "accuracy" else None
    if spread is not None and drop <= _points(NOISE_SIGMAS * spread):
        notes.append(f"{text}: within the noise of the repeats ({NOISE_SIGMAS:g} standard errors = "
                     f"{_points(NOISE_SIGMAS * spread):.2f} points)")
        return
    broken.append(f"{text} [{rule.describe()}]")


def _standard_error(before: CaseRecord, after: CaseRecord) -> float | None:
    """Of the difference of two mean accuracies, when both runs repeated the model."""
    if len(before.repeats) < 2 or len(after.repeats) < 2 or None in (before.accuracy_std, after.accuracy_std):
        return None
    return (before.accuracy_std ** 2 / len(before.repeats) + after.accuracy_std ** 2 / len(after.repeats)) ** 0.5


def _judge_time(model, rule, key, before, after, old, new, broken, notes) -> None:
    growth = _growth(old, new)
    if growth is None or growth <= rule.limit:
        return
    text = f"{model}: {rule.metric} grew {growth:+.1f}%, {old:.4g} s -> {new:.4g} s (limit {rule.limit:g}%)"
    p_value = stats.slower(getattr(before, SAMPLES[key]), getattr(after, SAMPLES[key]))
    if p_value is not None and p_value >= stats.SIGNIFICANCE:
        notes.append(f"{text}: within noise (Mann-Whitney U, one-sided p = {p_value:.3f})")
        return
    test = f", Mann-Whitney U p = {p_value:.4f}" if p_value is not None else ""
    broken.append(f"{text}{test} [{rule.describe()}]")


# --------------------------------------------------------------------------- the table


def model_order(runs: list[Run]) -> list[str]:
    """The baseline's models by accuracy, then those only later runs have."""
    ordered = sorted(runs[0].models.values(), key=lambda m: (m.accuracy is None, -(m.accuracy or 0.0)))
    names = [m.model for m in ordered]
    for run in runs[1:]:
        names += [name for name in run.models if name not in names]
    return names


def _fmt(value: float | None, pattern: str) -> str:
    return "" if value is None else format(value, pattern)


def comparison_rows(runs: list[Run]) -> list[list[str]]:
    first = runs[0]
    rows = []
    for model in model_order(runs):
        base = first.models.get(model)
        for index, run in enumerate(runs):
            result = run.models.get(model)
            label = model if index == 0 else ""
            if result is None:
                rows.append([label, run.label, "missing", "", "", "", "", "", "", ""])
                continue
            delta_acc = delta_train = delta_infer = ""
            if index and base is not None:
                if base.accuracy is not None and result.accuracy is not None:
                    delta_acc = f"{_points(result.accuracy - base.accuracy):+.2f}"
                delta_train = _fmt(_growth(base.train_seconds, result.train_seconds), "+.1f")
                delta_infer = _fmt(_growth(base.inference_seconds, result.inference_seconds), "+.1f")
                delta_train += "%" if delta_train else ""
                delta_infer += "%" if delta_infer else ""
            elif index:
                delta_acc = "new"
            rows.append([label, run.label, _fmt(result.accuracy, ".4f"), delta_acc,
                         _fmt(result.train_seconds, ".3f"), delta_train, _fmt(result.inference_seconds, ".4f"),
                         delta_infer, result.timing, result.status])
    return rows


HEADERS = ("model", "run", "accuracy", "acc. change (pts)", "train s", "train change", "infer s",
           "infer change", "timing", "status")


def render(runs: list[Run]) -> str:
    lines = ["runs (the first is the baseline):"]
    for number, run in enumerate(runs, start=1):
        profiles = ", ".join(sorted(run.profiles)) or "?"
        lines.append(f"  {number}. {run.label}: {run.path} ({run.kind}, profile {profiles}, "
                     f"{len(run.models)} models)")
    lines += ["", tabulate(comparison_rows(runs), headers=HEADERS, tablefmt="simple", disable_numparse=True)]
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
            storage: Path = BENCHMARK_DIR, out=print, cross_machine: bool = False) -> int:
    """Print the comparison; 1 when ``fail_on`` rules are broken, else 0."""
    rules = parse_fail_on(fail_on) if fail_on else []  # a bad spec fails before any file is read
    if len(specs) < 2:
        raise ConfigError("compare needs at least two runs (the first is the baseline)")
    runs = load_runs(specs, runs_dir, storage)
    out(render(runs))
    if not rules:
        return 0
    broken, notes = violations(runs, rules, cross_machine)
    out("")
    for line in notes:
        out(f"note: {line}")
    if broken:
        for line in broken:
            out(f"FAIL {line}")
        out(f"compare: {len(broken)} regression(s) of {runs[-1].label} against {runs[0].label} "
            f"beyond --fail-on {fail_on}")
        return 1
    out(f"compare: no regression of {runs[-1].label} against {runs[0].label} beyond --fail-on {fail_on}")
    return 0
