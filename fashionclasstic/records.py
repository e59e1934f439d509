"""The schema of a run: one :class:`CaseRecord` per model and one :class:`RunInfo` per run.

This is the single definition every output derives from. Each field says, in its metadata,
where it is shown (``table``: the terminal, Markdown and HTML comparison table; ``csv``;
``summary``: each model's summary; ``bench``: pytest-benchmark's ``extra_info``), under which
label and format, for a metric the function that scores it, and for a measure judged across runs
(``compare --fail-on``, ``trends``) its :class:`Judged`: which way is better and how a change is
counted. Adding a metric is one field:

    balanced_accuracy: float | None = metric("bal. acc.", balanced_accuracy_score)

and nothing outside the field (and its measurement) names it.

Records are plain data (JSON-ready), so they travel from xdist workers to the controller and
into ``results.json`` unchanged.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import statistics
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from fashionclasstic import metrics
from fashionclasstic.stats import spread

SCHEMA_VERSION = 2
STATUSES = ("passed", "failed", "error", "crashed", "interrupted", "skipped", "not run")
# When two phases of one model disagree, the worse status is the model's.
STATUS_SEVERITY = {"not run": 0, "passed": 1, "skipped": 2, "interrupted": 3, "failed": 4, "error": 5, "crashed": 6}
# table: the terminal, Markdown and HTML table; csv; summary: each model's summary; bench:
# pytest-benchmark's extra_info; runs: the tables and charts of runs side by side (compare, trends)
VIEWS = frozenset({"table", "csv", "summary", "bench", "runs"})


@dataclass(frozen=True)
class Judged:
    """How a measure is judged between runs (``compare --fail-on``, ``trends``' steps).

    ``better``: ``higher`` or ``lower``; ``change``: ``points`` (a fraction's difference, times
    100: accuracy) or ``percent`` (relative to the baseline: times, memory); ``rule``: its name
    in ``--fail-on`` (the field's name when empty); ``unit``: after a value in a verdict;
    ``samples``: the field of per-round values that a change must be significant in (Mann-Whitney
    U); ``spread``: the field of the repeats' standard deviation that a drop must exceed twice
    the standard error of; ``per_machine``: comparable only between runs on one machine
    fingerprint (it depends on the CPU, libraries and threads); ``noun``: what it is in a
    sentence ("times are not judged").
    """

    better: str
    change: str
    rule: str = ""
    unit: str = ""
    samples: str = ""
    spread: str = ""
    per_machine: bool = False
    noun: str = ""

    def __post_init__(self):
        if self.better not in ("higher", "lower") or self.change not in ("points", "percent"):
            raise ValueError(f"Judged(better={self.better!r}, change={self.change!r}): better is higher or lower, "
                             f"change is points or percent")

    def worse(self, before: float, after: float) -> bool:
        return after < before if self.better == "higher" else after > before

    def regression(self, before: float, after: float) -> float | None:
        """How much worse ``after`` is: points, or percent of ``before`` (None without a base)."""
        loss = before - after if self.better == "higher" else after - before
        if self.change == "points":
            return 100.0 * loss
        return None if before <= 0 else 100.0 * loss / before

    def shift(self, before: float, after: float) -> float | None:
        """The signed change, as the tables show it: points, or percent of ``before``."""
        if self.change == "points":
            return 100.0 * (after - before)
        return None if before <= 0 else 100.0 * (after - before) / before


def column(default: Any = None, label: str = "", fmt: str = "", show: str = "csv summary", *,
           factory: Callable[[], Any] | None = None, cell: Callable[[CaseRecord], str] | None = None,
           score: Callable | None = None, judged: Judged | None = None, varies: bool = False) -> Any:
    """A record field with its presentation.

    ``show``: the views listing it; ``fmt``: a format spec (``.4f``) or ``count``/``bytes`` (a
    field with a format is a number: right-aligned); ``cell``: a table cell built from the whole
    record; ``score``: ``f(y_true, y_pred)`` filling it after evaluation; ``judged``: how
    ``compare --fail-on`` and ``trends`` judge it; ``varies``: the table shows it only when the
    records differ in it.
    """
    views = frozenset(show.split())
    if not views <= VIEWS:
        raise ValueError(f"unknown views {sorted(views - VIEWS)}; known: {sorted(VIEWS)}")
    meta = {"label": label, "fmt": fmt, "show": views, "cell": cell, "score": score, "judged": judged,
            "varies": varies}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def metric(label: str, score: Callable, fmt: str = ".4f", cell: Callable[[CaseRecord], str] | None = None,
           show: str = "table csv summary bench", judged: Judged | None = None) -> Any:
    """A test-set metric: scored from the predictions, shown everywhere, by default judged in
    points, higher being better."""
    return column(None, label, fmt, show, score=score, judged=judged or Judged("higher", "points"), cell=cell)


def measure(label: str, fmt: str, rule: str, noun: str, unit: str = "", samples: str = "",
            show: str = "table csv summary bench runs") -> Any:
    """A cost measured while a case runs (seconds, bytes): lower is better, judged in percent
    of the baseline, only between runs on one machine."""
    return column(None, label, fmt, show, judged=Judged("lower", "percent", rule, unit, samples, per_machine=True,
                                                         noun=noun))


def accuracy_text(record: CaseRecord) -> str:
    """``0.9118``, or with repeats ``0.9118 ± 0.0012 (n=3)``: the mean and its spread."""
    if record.accuracy is None:
        return ""
    if len(record.repeats) > 1 and record.accuracy_std is not None:
        return f"{record.accuracy:.4f} ± {record.accuracy_std:.4f} (n={len(record.repeats)})"
    return f"{record.accuracy:.4f}"


def timing_text(record: CaseRecord) -> str:
    return record.timing + (" (suspect)" if record.timing_suspect else "")


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


@dataclass
class CaseRecord:
    model: str = column("", "model", show="table csv summary bench")
    family: str = column("", "family / framework", show="table csv summary bench",
                         cell=lambda r: f"{r.family} / {r.framework}")
    framework: str = column("", show="csv summary bench")
    description: str = column("")
    pretrained: bool = column(False)
    profile: str = column("", "profile", show="table csv summary bench")
    seed: int = column(0, show="csv summary bench")
    threads: int = column(0, show="csv summary bench")
    n_train: int | None = column(None, show="csv summary bench")
    n_validation: int | None = column(None)
    n_test: int | None = column(None, show="csv summary bench")
    accuracy: float | None = metric("accuracy", metrics.accuracy, cell=accuracy_text,  # with repeats: the mean
                                    show="table csv summary bench runs",
                                    judged=Judged("higher", "points", spread="accuracy_std"))
    macro_f1: float | None = metric("macro-F1", metrics.macro_f1)
    accuracy_std: float | None = column(None, "acc. std", ".4f", "csv summary bench")  # over the repeats
    accuracy_ci95: list[float] | None = column(None, show="summary bench")  # Student-t interval of the mean
    min_accuracy: float | None = column(None, "min. acc.", ".4f", "table csv summary bench")
    gate: str = column("", "gate", show="table csv summary")  # derived: pass, FAIL, ungated
    # The smallest drop of the mean below the measured accuracy that fails the gate (its sensitivity)
    gate_margin: float | None = column(None, "gate margin", ".4f", "csv summary bench")
    threshold_origin: str = column("")
    train_seconds: float | None = measure("train s", ".1f", "train_time", "times", "s", "train_samples")
    inference_seconds: float | None = measure("infer s", ".3f", "inference_time", "times", "s", "inference_samples")
    # resident memory above what the process held just before the call, at its peak (plugin/memory.py)
    train_memory: int | None = measure("train mem.", "bytes", "train_memory", "memory")  # the largest round's
    inference_memory: int | None = measure("infer mem.", "bytes", "inference_memory", "memory")
    memory: str = column("", show="csv summary bench")  # what the two measured (resident, or a GPU's)
    inference_rounds: int = column(0)
    inference_ms_per_image: float | None = column(None, "ms/img", ".4f", "table csv summary")  # derived
    timing: str = column("", "timing", show="table csv summary bench", cell=timing_text)  # see TIMING_LEGEND
    timing_suspect: str = column("", show="csv summary bench")  # why the times may be stretched, if so
    precision: str = column("", "precision", show="table csv summary bench")  # what a network trained in
    # seconds the suite spent choosing that precision (the step probe), before the timed fit
    precision_seconds: float | None = column(None, show="csv summary bench")
    # seconds of the framework's one-time start-up this case's process paid just before it, outside
    # every timing (models/startup.py); None when an earlier case of the framework paid it
    framework_startup_seconds: float | None = column(None, show="csv summary bench")
    load_average: dict[str, list[float]] = column(factory=dict, show="summary")  # per case: [start, end]
    parameter_count: int | None = column(None, "params", "count", "table csv summary bench")
    size_bytes: int | None = column(None, "size", "bytes", "table csv summary")
    status: str = column("not run", "status", show="table csv summary", cell=status_text)
    reason: str = column("", show="csv")
    notes: str = column("", show="csv summary")  # what the model does against the protocol, without failing
    worker: str = column("")
    node_ids: dict[str, str] = column(factory=dict, show="")  # per phase (train, inference): the case's node id
    # where it ran (record_machine): shown per model only when a run's models ran on several machines
    machine: dict[str, Any] = column(factory=dict, label="machine", show="table summary bench", varies=True,
                                     cell=lambda r: machine_text(r.machine))
    evaluated_seed: int | None = column(None)  # the repeat whose confusion matrix and curves are shown
    repeats: list[dict[str, Any]] = column(factory=list, show="")  # per seed: accuracy, macro_f1, train s
    train_samples: list[float] = column(factory=list, show="bench")  # seconds of each training round
    train_cpu_seconds: list[float] = column(factory=list, show="")  # process CPU seconds of each round
    inference_samples: list[float] = column(factory=list, show="bench")  # seconds of each counted round
    epoch_seconds: list[float] = column(factory=list, show="")
    confusion: list[list[int]] | None = column(None, show="")  # rows: true class, columns: predicted
    per_class: dict[str, dict[str, float]] | None = column(None, show="")
    classification_report: str = column("", show="")
    history: dict[str, list[float]] = column(factory=dict, show="")
    feature_importances: list[float] | None = column(None, show="")
    hyperparameters: dict[str, Any] = column(factory=dict, show="")

    def __post_init__(self):
        self.derive()

    def derive(self) -> CaseRecord:
        """Recompute the fields that follow from others."""
        self.inference_ms_per_image = (None if self.inference_seconds is None or not self.n_test
                                       else 1000.0 * self.inference_seconds / self.n_test)
        self.gate = ("" if self.accuracy is None else "ungated" if self.min_accuracy is None
                     else "pass" if self.accuracy >= self.min_accuracy else "FAIL")
        return self

    def summarize_repeats(self) -> CaseRecord:
        """The repeats' mean and spread as the record's scores (a gate judges the mean), and
        the median training round as its training time."""
        if self.train_samples:
            for repeat, seconds in zip(self.repeats, self.train_samples, strict=False):
                repeat["train_seconds"] = seconds
            self.train_seconds = statistics.median(self.train_samples)
        if self.repeats:
            accuracy = spread([r["accuracy"] for r in self.repeats])
            self.accuracy, self.accuracy_std, self.accuracy_ci95 = accuracy.mean, accuracy.std, list(accuracy.ci95)
            self.macro_f1 = spread([r["macro_f1"] for r in self.repeats]).mean
        return self.derive()

    def score(self, y_true, y_pred) -> None:
        """Fill every metric field from the test-set predictions."""
        for f in fields(self):
            if f.metadata.get("score") is not None:
                setattr(self, f.name, float(f.metadata["score"](y_true, y_pred)))
        self.derive()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self.derive())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseRecord:
        known = {f.name for f in fields(cls)}
        renamed = {"report": "classification_report"}  # schema 1
        values = {renamed.get(k, k): v for k, v in data.items() if renamed.get(k, k) in known}
        return cls(**values)

    def merge(self, newer: CaseRecord) -> None:
        """Take what a later phase of the same case learned (train, then inference): each field
        it holds other than its default (a measured 0 bytes is kept, a default seed 0 is not); the
        worse of the two statuses stays, with its reason."""
        worst = max(self, newer, key=lambda r: STATUS_SEVERITY.get(r.status, 0))
        status, reason = worst.status, worst.reason
        for f in fields(self):
            value, before = getattr(newer, f.name), getattr(self, f.name)
            if isinstance(value, dict) and isinstance(before, dict):
                setattr(self, f.name, {**before, **value})
            elif value not in (None, "", [], {}) and value != f.default:
                setattr(self, f.name, value)
        self.status, self.reason = status, reason
        self.derive()

    def benchmark_info(self) -> dict[str, Any]:
        """pytest-benchmark's ``extra_info``, so its JSON is a full record of the case."""
        return {f.name: getattr(self, f.name) for f in columns("bench", type(self))}


def columns(view: str, record_type: type = CaseRecord) -> list:
    """The fields shown in ``view``, in the schema's order."""
    return [f for f in fields(record_type) if view in f.metadata.get("show", ())]


def judged_fields(record_type: type = CaseRecord) -> dict[str, Any]:
    """``{rule name: field}`` of every judged field, in the schema's order."""
    return {(f.metadata["judged"].rule or f.name): f for f in fields(record_type) if f.metadata.get("judged")}


def rule_fields(record_type: type = CaseRecord) -> dict[str, str]:
    """``{rule name: field name}`` for ``compare --fail-on``."""
    return {rule: f.name for rule, f in judged_fields(record_type).items()}


def record_type_of(records: Iterable[CaseRecord]) -> type:
    """The schema a list of records follows (a subclass of :class:`CaseRecord` adds fields)."""
    return next((type(record) for record in records), CaseRecord)


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


def cell_text(record: CaseRecord, f) -> str:
    """A field of a record as the tables show it."""
    if f.metadata.get("cell") is not None:
        return f.metadata["cell"](record)
    return format_value(getattr(record, f.name), f.metadata.get("fmt", ""))


def sort_records(records: Iterable[CaseRecord]) -> list[CaseRecord]:
    """Best accuracy first; models without an accuracy last, in their original order."""
    return sorted(records, key=lambda r: (r.accuracy is None, -(r.accuracy or 0.0)))


def best_model(records: Iterable[CaseRecord]) -> str | None:
    """The model the tables mark ``best``: the passed model with the highest accuracy, if any
    (a model that failed its gate or erred is never the best, whatever its accuracy)."""
    passed = [r for r in sort_records(records) if r.status == "passed" and r.accuracy is not None]
    return passed[0].model if passed else None


_CASE_NAME = re.compile(r"^test_(train|inference)\[(.+)\]$")


def parse_case_name(name: str) -> tuple[str, str] | None:
    """``(phase, model)`` of a benchmark case from its name or node id
    (``benchmarks/test_models.py::test_train[logreg]`` -> ``("train", "logreg")``)."""
    found = _CASE_NAME.match(name.rsplit("::", 1)[-1])
    return (found.group(1), found.group(2)) if found else None


# --------------------------------------------------------------------------- the run


def cpu_name(machine: dict[str, Any]) -> str | None:
    """The CPU's name in pytest-benchmark's machine information (py-cpuinfo's, else platform's)."""
    cpu = machine.get("cpu") if isinstance(machine.get("cpu"), dict) else {}
    return cpu.get("brand_raw") or machine.get("processor") or None


def machine_fingerprint(machine: dict[str, Any], threads: int | None) -> str:
    """A stable hash of what makes times comparable: CPU model, logical cores, memory class
    (GiB, rounded to a power of two), OS and architecture, the threads a model used, and the
    vector ISA and native bf16 the frameworks could use (an AVX-512 CPU capped to AVX2 is
    another machine). ``machine`` is pytest-benchmark's machine information plus ``cpu_count``,
    ``memory_bytes`` and :meth:`fashionclasstic.hardware.Capabilities.as_machine_info`."""
    cpu = machine.get("cpu") if isinstance(machine.get("cpu"), dict) else {}
    memory = machine.get("memory_bytes")
    identity = {"cpu": cpu_name(machine),
                "cores": machine.get("cpu_count") or cpu.get("count"),
                "memory_gib": 2 ** round(math.log2(memory / 2**30)) if memory else None,
                "system": machine.get("system"), "arch": machine.get("machine"), "threads": threads,
                "isa": machine.get("isa"), "native_bf16": machine.get("native_bf16")}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def record_machine(machine: dict[str, Any], threads: int | None) -> dict[str, Any]:
    """What a record keeps of the machine it ran on (``machine`` as for :func:`machine_fingerprint`)."""
    cpu = machine.get("cpu") if isinstance(machine.get("cpu"), dict) else {}
    return {"fingerprint": machine_fingerprint(machine, threads),
            "cpu": cpu_name(machine),
            "cores": machine.get("cpu_count") or cpu.get("count"), "threads": threads, "node": machine.get("node")}


def record_fingerprint(record: CaseRecord, run_fingerprint: str = "") -> str:
    """The machine a model's times belong to: its own, else its run's (records before the
    machine was kept per record)."""
    return str((record.machine or {}).get("fingerprint") or run_fingerprint or "")


EXIT_STATUS = {0: "all passed", 1: "tests failed", 2: "interrupted", 3: "internal error",
               4: "usage error", 5: "no tests collected"}
TIMING_LEGEND = {
    "pytest-benchmark": "timed by pytest-benchmark (pedantic rounds; inference: median of the rounds)",
    "wall-clock": "pytest-benchmark was off (xdist or --benchmark-disable): the same calls timed "
                  "with time.perf_counter",
}


@dataclass
class RunInfo:
    """Everything needed to reproduce or explain a run, recorded next to its results."""

    id: str = ""
    started: str = ""
    finished: str = ""
    duration_seconds: float | None = None
    exit_status: int | None = None
    complete: bool = False  # the session ended normally (not killed)
    profile: str = ""
    seed: int = 0
    repeats: int = 1
    threads_per_worker: int | None = None
    xdist_workers: int = 0
    # per framework: the seconds of its one-time start-up, outside every timing; under xdist each
    # worker pays its own, and this holds the longest
    startup_seconds: dict[str, float] = field(default_factory=dict)
    pytest_args: list[str] = field(default_factory=list)
    cwd: str = ""
    versions: dict[str, str | None] = field(default_factory=dict)
    machine: dict[str, Any] = field(default_factory=dict)  # pytest-benchmark's, plus memory
    git: dict[str, Any] = field(default_factory=dict)  # where pytest ran: commit, dirty, branch (pytest-benchmark's)
    suite: dict[str, Any] = field(default_factory=dict)  # fashionclasstic's version, and commit from a checkout
    data: dict[str, Any] = field(default_factory=dict)  # source, data_dir, loaded_from
    shard: dict[str, Any] = field(default_factory=dict)  # --fc-shard: k, n, models, expected_seconds, durations
    merged: dict[str, Any] = field(default_factory=dict)  # a merged run: its shards, and any missing

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> RunInfo:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known and v is not None})

    def suite_text(self) -> str:
        if not self.suite:
            return "?"
        text = f"fashionclasstic {self.suite.get('version') or '?'}"
        if self.suite.get("commit"):
            changes = " with uncommitted changes" if self.suite.get("dirty") else ""
            return f"{text}, commit {self.suite['commit']}{changes}"
        return f"{text} (installed, no checkout)"

    @property
    def processor(self) -> str:
        return cpu_name(self.machine) or "?"

    def display_items(self) -> list[tuple[str, str]]:
        """The run as (label, text) pairs, shared by ``results.md`` and ``index.html``."""
        machine, git, data = self.machine, self.git, self.data
        memory = machine.get("memory_bytes")
        commit = git.get("commit")
        duration = f" ({self.duration_seconds:.0f} s)" if isinstance(self.duration_seconds, (int, float)) else ""
        status = ("?" if self.exit_status is None
                  else f"{self.exit_status} ({EXIT_STATUS.get(self.exit_status, 'unknown')})")
        if not self.complete:
            status += ", run incomplete (still running, or killed)"
        items = [
            ("run", self.id or "?"),
            ("started", self.started or "?"),
            ("finished", (self.finished or "?") + duration),
            ("exit status", status),
            ("profile", self.profile or "?"),
            ("seed", str(self.seed) if self.repeats <= 1 else
             f"{self.seed} to {self.seed + self.repeats - 1} ({self.repeats} repeats; the scores are their mean, "
             f"the confusion matrices and curves the last repeat's)"),
            ("threads per worker", str(self.threads_per_worker or "?")),
            ("xdist workers", str(self.xdist_workers or "none (serial)")),
            ("machine", machine.get("platform") or " ".join(
                str(machine[k]) for k in ("system", "release", "machine") if machine.get(k)) or "?"),
            ("CPU", f"{self.processor}, {machine.get('cpu_count') or '?'} logical cores"
                    + (f" (machine fingerprint {machine['fingerprint']})" if machine.get("fingerprint") else "")),
            ("memory", f"{memory / 2**30:.1f} GiB" if isinstance(memory, (int, float)) else "?"),
            ("commit", "unknown (not a git checkout)" if not commit else
             f"{commit}{' (with uncommitted changes)' if git.get('dirty') else ''}"),
            ("suite", self.suite_text()),
            ("data", data.get("loaded_from") or f"{data.get('source', '?')}"
             + (f" from {data['data_dir']}" if data.get("data_dir") else "")),
            ("pytest arguments", " ".join(self.pytest_args) or "(none)"),
            ("versions", ", ".join(f"{k} {v}" for k, v in self.versions.items() if v)),
        ]
        if self.startup_seconds:
            items.append(("framework start-up", ", ".join(f"{name} {seconds:.1f} s" for name, seconds
                                                          in self.startup_seconds.items())
                          + " (once per process, before its first model, outside every timing)"))
        return items[:8] + self.spread_items() + items[8:]

    def spread_items(self) -> list[tuple[str, str]]:
        """A shard's place, a merged run's shards, the machines of a run spread over several."""
        items = []
        if self.shard:
            items.append(("shard", f"{self.shard.get('k')}/{self.shard.get('n')}: "
                                   f"{', '.join(self.shard.get('models') or []) or 'no model'}"
                                   f" (durations from {self.shard.get('durations') or '?'})"))
        if self.merged:
            missing = self.merged.get("missing") or []
            items.append(("merged", f"{len(self.merged.get('shards') or [])} of {self.merged.get('n', '?')} shards"
                                    + (f"; MISSING shard {', '.join(map(str, missing))}: its models are absent"
                                       if missing else "")))
        for number, machine in enumerate(self.machine.get("machines") or [], start=1):
            items.append((f"machine {number}", f"{machine_text(machine)}, node {machine.get('node') or '?'}"))
        return items
