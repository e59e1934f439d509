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

import statistics
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from fashionclasstic import metrics
from fashionclasstic.stats import spread

SCHEMA_VERSION = 2
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
           factory: Callable[[], Any] | None = None, cell: str | Callable[[CaseRecord], str] | None = None,
           score: Callable | None = None, judged: Judged | None = None, varies: bool = False,
           interval: str = "") -> Any:
    """A record field with its presentation.

    ``show``: the views listing it; ``fmt``: a format spec (``.4f``) or ``count``/``bytes`` (a
    field with a format is a number: right-aligned); ``cell``: how a table cell shows it, by
    structure (a name in :data:`fashionclasstic.reporting.formatting.CELLS`: ``spread``,
    ``framework``, ``suspect``, ``reason``, ``machine``) or ``f(record) -> str``; ``score``:
    ``f(y_true, y_pred)`` filling it after evaluation (a metric: averaged over the repeats);
    ``judged``: how ``compare --fail-on`` and ``trends`` judge it; ``varies``: the table shows
    it only when the records differ in it; ``interval``: for a metric, the field that keeps the
    confidence interval of its mean over the repeats.
    """
    views = frozenset(show.split())
    if not views <= VIEWS:
        raise ValueError(f"unknown views {sorted(views - VIEWS)}; known: {sorted(VIEWS)}")
    meta = {"label": label, "fmt": fmt, "show": views, "cell": cell, "score": score, "judged": judged,
            "varies": varies, "interval": interval}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def metric(label: str, score: Callable, fmt: str = ".4f", cell: str | Callable[[CaseRecord], str] | None = None,
           show: str = "table csv summary bench", judged: Judged | None = None, interval: str = "") -> Any:
    """A test-set metric: scored from the predictions, kept per repeat and averaged over them,
    shown everywhere, by default judged in points, higher being better."""
    return column(None, label, fmt, show, score=score, judged=judged or Judged("higher", "points"), cell=cell,
                  interval=interval)


def measure(label: str, fmt: str, rule: str, noun: str, unit: str = "", samples: str = "",
            show: str = "table csv summary bench runs") -> Any:
    """A cost measured while a case runs (seconds, bytes): lower is better, judged in percent
    of the baseline, only between runs on one machine."""
    return column(None, label, fmt, show, judged=Judged("lower", "percent", rule, unit, samples, per_machine=True,
                                                         noun=noun))


@dataclass
class CaseRecord:
    model: str = column("", "model", show="table csv summary bench")
    family: str = column("", "family / framework", show="table csv summary bench",
                         cell="framework")
    framework: str = column("", show="csv summary bench")
    description: str = column("")
    pretrained: bool = column(False)
    profile: str = column("", "profile", show="table csv summary bench")
    seed: int = column(0, show="csv summary bench")
    threads: int = column(0, show="csv summary bench")
    n_train: int | None = column(None, show="csv summary bench")
    n_validation: int | None = column(None)
    n_test: int | None = column(None, show="csv summary bench")
    accuracy: float | None = metric("accuracy", metrics.accuracy, cell="spread",  # with repeats: the mean
                                    show="table csv summary bench runs",
                                    judged=Judged("higher", "points", spread="accuracy_std"), interval="accuracy_ci95")
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
    timing: str = column("", "timing", show="table csv summary bench", cell="suspect")  # see TIMING_LEGEND
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
    status: str = column("not run", "status", show="table csv summary", cell="reason")
    reason: str = column("", show="csv")
    notes: str = column("", show="csv summary")  # what the model does against the protocol, without failing
    worker: str = column("")
    node_ids: dict[str, str] = column(factory=dict, show="")  # per phase (train, inference): the case's node id
    # where it ran (record_machine): shown per model only when a run's models ran on several machines
    machine: dict[str, Any] = column(factory=dict, label="machine", show="table summary bench", varies=True,
                                     cell="machine")
    evaluated_seed: int | None = column(None)  # the repeat whose confusion matrix and curves are shown
    repeats: list[dict[str, Any]] = column(factory=list, show="")  # per seed: its seed, every metric, train s
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
        for f in metric_fields(type(self)) if self.repeats else ():
            values = [repeat[f.name] for repeat in self.repeats if repeat.get(f.name) is not None]
            if not values:
                continue  # a metric older repeats did not score keeps its last value
            summary = spread(values)
            setattr(self, f.name, summary.mean)
            if f.metadata["judged"].spread:
                setattr(self, f.metadata["judged"].spread, summary.std)
            if f.metadata["interval"]:
                setattr(self, f.metadata["interval"], list(summary.ci95))
        return self.derive()

    def repeat_scores(self) -> dict[str, float | None]:
        """This repeat's value of every metric, as :attr:`repeats` keeps it."""
        return {f.name: getattr(self, f.name) for f in metric_fields(type(self))}

    def score(self, y_true, y_pred) -> None:
        """Fill every metric field from the test-set predictions."""
        for f in metric_fields(type(self)):
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


def metric_fields(record_type: type = CaseRecord) -> list:
    """The metrics: the fields scored from the predictions, and so averaged over the repeats."""
    return [f for f in fields(record_type) if f.metadata.get("score") is not None]


def judged_fields(record_type: type = CaseRecord) -> dict[str, Any]:
    """``{rule name: field}`` of every judged field, in the schema's order."""
    return {(f.metadata["judged"].rule or f.name): f for f in fields(record_type) if f.metadata.get("judged")}


def record_type_of(records: Iterable[CaseRecord]) -> type:
    """The schema a list of records follows (a subclass of :class:`CaseRecord` adds fields)."""
    return next((type(record) for record in records), CaseRecord)


def startup_seconds(records: Iterable[CaseRecord]) -> dict[str, float]:
    """Per framework, the seconds of its one-time start-up (outside every timing): each process
    (an xdist worker) pays its own, before its first model of that framework; the longest is
    what a run reports, the records keep each one."""
    seconds: dict[str, float] = {}
    for record in records:
        if record.framework_startup_seconds is not None:
            seconds[record.framework] = max(seconds.get(record.framework, 0.0), record.framework_startup_seconds)
    return seconds


# pytest's exit statuses (pytest.ExitCode), named once for the run display and ab
EXIT_STATUS = {0: "all passed", 1: "tests failed", 2: "interrupted", 3: "internal error",
               4: "usage error", 5: "no tests collected"}
# a case's phase -> the record's time of it and its samples (pytest-benchmark's group of the case)
PHASE_FIELDS = {"train": ("train_seconds", "train_samples"), "inference": ("inference_seconds", "inference_samples")}


RUN_ID_FORMAT = "%Y%m%dT%H%M%SZ"  # a new run's id (and its folder's name): when it started, UTC


def new_run_id(when: datetime | None = None) -> str:
    """The id of a run started at ``when`` (now when not given)."""
    return (when or datetime.now(UTC)).strftime(RUN_ID_FORMAT)


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
    # where pytest-benchmark's JSON of this run went (--benchmark-autosave, --benchmark-save,
    # --benchmark-json; written by pytest-benchmark, or by the suite where xdist switched it off);
    # a relative path is relative to the run's folder
    benchmark_json: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> RunInfo:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known and v is not None})
