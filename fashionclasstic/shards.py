"""Shard planning: ``--fc-shard K/N`` parsed, each model's expected seconds and where that
number came from, and the balanced shards.

A model's expected seconds are its two cases: training (with the evaluation after it) times
the repeats, plus the inference case's timed rounds (:func:`case_seconds`). They come from a saved
run of the same profile, the newest under the runs directory or one named (``--fc-durations``,
e.g. the last full run's artifact), and for a model that run did not time, from the estimate
the registry holds per model and profile. ``--fc-shard`` balances shards by them; a run's
header can say how long it should take.

Parsing ``--fc-shard`` imports nothing more than this module: a saved run is read (through
:mod:`fashionclasstic.runs.saved`) only when expected seconds are asked for.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fashionclasstic.errors import ConfigError, FashionClassticError
from fashionclasstic.models import get_model_spec
from fashionclasstic.records import CaseRecord

if TYPE_CHECKING:
    from fashionclasstic.runs.saved import Run

REGISTRY = "registry estimate"
SKIPS = "skips here: 0 s"  # its framework or pretrained weights are absent (ModelSpec.skip_reason)
NO_ESTIMATE = "no estimate: the median of the others"
DEFAULT_INFERENCE_ROUNDS = 5  # a saved case that does not say how many rounds it timed
UNKNOWN_SECONDS = 60.0  # when no model at all has a number


@dataclass(frozen=True)
class Expected:
    """Expected seconds per model, and, per model, where the number came from."""

    seconds: dict[str, float]
    origins: dict[str, str]  # model -> "run <id>", REGISTRY or NO_ESTIMATE
    run: str = ""  # the saved run the measured numbers came from ("" when none)

    @property
    def total(self) -> float:
        return sum(self.seconds.values())

    def subset(self, models: Iterable[str]) -> Expected:
        chosen = [m for m in models if m in self.seconds]
        return Expected({m: self.seconds[m] for m in chosen}, {m: self.origins[m] for m in chosen}, self.run)

    def source_text(self) -> str:
        """Where the numbers came from, in one phrase: ``run X (path); registry estimates for a, b``."""
        parts = []
        measured = [m for m, origin in self.origins.items() if origin not in (REGISTRY, NO_ESTIMATE, SKIPS)]
        if measured:
            parts.append(f"{self.run}" + ("" if len(measured) == len(self.origins) else
                                          f" for {', '.join(sorted(measured))}"))
        for origin, label in ((REGISTRY, "registry estimates"), (NO_ESTIMATE, "no estimate (the median)"),
                              (SKIPS, "0 s as they will skip here")):
            names = sorted(m for m, o in self.origins.items() if o == origin)
            if names:
                everything = len(names) == len(self.origins)
                parts.append(label + ("" if everything else f" for {', '.join(names)}"))
        return "; ".join(parts) or "nothing to estimate"

    def to_dict(self) -> dict:
        return {"seconds": dict(self.seconds), "origins": dict(self.origins), "run": self.run}

    @classmethod
    def from_dict(cls, data: dict) -> Expected:
        return cls(dict(data["seconds"]), dict(data["origins"]), data.get("run", ""))


def case_seconds(train: float, predict: float, rounds: int, repeats: int) -> float:
    """A model's two cases: per repeat a training and the evaluation's prediction of the test
    set, then the inference case's timed rounds (the evaluation warmed them up)."""
    return repeats * (train + predict) + predict * rounds


def measured_seconds(record: CaseRecord, repeats: int) -> float | None:
    """A saved record's two cases at ``repeats``, from its median training round and the rounds
    its inference case timed."""
    train = statistics.median(record.train_samples) if record.train_samples else record.train_seconds
    if train is None:
        return None
    predict = record.inference_seconds or 0.0
    rounds = record.inference_rounds or len(record.inference_samples) or DEFAULT_INFERENCE_ROUNDS
    return case_seconds(train, predict, rounds, repeats)


def registry_seconds(model: str, profile: str, repeats: int) -> float | None:
    """The registry's estimate of a model's two cases, with the rounds its prediction would get."""
    from fashionclasstic.cases import inference_rounds

    estimate = get_model_spec(model).expected_seconds.get(profile)
    if estimate is None:
        return None
    train, predict = estimate
    return case_seconds(train, predict, inference_rounds(predict), repeats)


def newest_run(profile: str, runs_dir: Path, fingerprint: str | None = None) -> Run | None:
    """The newest saved run of ``profile`` under ``runs_dir`` that timed at least one model
    (with ``fingerprint``: only a run of that machine)."""
    from fashionclasstic.runs.saved import saved_runs

    runs = [run for run in saved_runs(runs_dir)[0]
            if run.profiles == {profile} and any(r.train_seconds is not None for r in run.models.values())
            and fingerprint in (None, run.fingerprint)]
    return max(runs, key=lambda r: (r.started, r.label), default=None)


def saved_run(source: str, profile: str, runs_dir: Path) -> Run:
    """The run ``--fc-durations`` names (a results.json, a run folder or id, ``latest``, a
    pytest-benchmark file), refused when it measured another profile."""
    from fashionclasstic.runs.saved import read_run, resolve_run

    try:
        run = read_run(resolve_run(source, runs_dir))
    except FashionClassticError as exc:
        raise ConfigError(f"--fc-durations {source}: {exc}") from None
    if run.profiles and profile not in run.profiles:
        raise ConfigError(f"--fc-durations {source}: that run measured profile {', '.join(sorted(run.profiles))}, "
                          f"this run is {profile}; name a run of the same profile")
    return run


def expected_seconds(models: Iterable[str], profile: str, repeats: int = 1, source: str | None = None,
                     runs_dir: Path | None = None, fingerprint: str | None = None,
                     registry_scale: Callable[[], float] | None = None,
                     skip_reason: Callable[[str], str | None] | None = None) -> Expected:
    """Each model's expected seconds: measured in ``source`` (or the newest saved run of the
    profile when ``source`` is None; with ``fingerprint``, of that machine), else the registry's
    estimate times ``registry_scale()`` (this machine against the registry's, see calibration.py;
    called once, and only when an estimate is used), else the median of the others; a model
    ``skip_reason(model)`` gives a reason for (it will skip here) counts 0 s.
    ``runs_dir``: where the suite saves runs (its default when None)."""
    from fashionclasstic.reporting.files import RUNS_DIR

    runs_dir = RUNS_DIR if runs_dir is None else Path(runs_dir)
    models = list(dict.fromkeys(models))
    run = saved_run(source, profile, runs_dir) if source else newest_run(profile, runs_dir, fingerprint)
    seconds: dict[str, float] = {}
    origins: dict[str, str] = {}
    run_name = f"run {run.label} ({run.path})" if run is not None else ""
    factor: float | None = None  # registry_scale(), asked when the first estimate is used
    for model in models:
        if skip_reason is not None and skip_reason(model):
            seconds[model], origins[model] = 0.0, SKIPS
            continue
        record = run.models.get(model) if run is not None else None
        measured = measured_seconds(record, repeats) if record is not None else None
        if measured is not None:
            seconds[model], origins[model] = measured, run_name
            continue
        estimate = registry_seconds(model, profile, repeats)
        if estimate is not None:
            if factor is None:
                factor = registry_scale() if registry_scale is not None else 1.0
            seconds[model], origins[model] = estimate * factor, REGISTRY
    timed = [value for model, value in seconds.items() if origins[model] != SKIPS]
    fallback = statistics.median(timed) if timed else UNKNOWN_SECONDS
    for model in models:
        if model not in seconds:
            seconds[model], origins[model] = fallback, NO_ESTIMATE
    ordered = {m: round(seconds[m], 1) for m in models}
    return Expected(ordered, {m: origins[m] for m in models}, run_name)


def balanced_shards(seconds: dict[str, float], count: int) -> list[list[str]]:
    """``count`` shards of whole models, balanced by expected seconds: the longest model first
    onto the least loaded shard (ties: the lower shard, the name), so the same models and
    numbers give the same shards on every machine whatever their order."""
    loads = [0.0] * count
    shards: list[list[str]] = [[] for _ in range(count)]
    for model in sorted(seconds, key=lambda m: (-seconds[m], m)):
        target = min(range(count), key=lambda k: (loads[k], k))
        shards[target].append(model)
        loads[target] += seconds[model]
    return [sorted(shard) for shard in shards]


def parse_shard(text: str, option: str = "--fc-shard") -> tuple[int, int]:
    """``K/N`` with 1 <= K <= N, or a :class:`ConfigError` saying what is wanted."""
    index, slash, count = str(text).strip().partition("/")
    if slash and index.strip().isdigit() and count.strip().isdigit():
        k, n = int(index), int(count)
        if n >= 1 and 1 <= k <= n:
            return k, n
    raise ConfigError(f"{option} {text!r}: write K/N, shard K of N with 1 <= K <= N (e.g. 1/3)")
