"""Trends across runs: every saved run, grouped by profile and machine, in time order; steps
found and named; charts; and a gate on the latest runs. ("History" is a model's per-epoch
training curves, :attr:`CaseRecord.history`; this is the other thing.)

A step is a sustained shift between the runs before and after a point, larger than the noise
within them (:func:`fashionclasstic.stats.find_step`, after asv's step detection). Times are
only put side by side within one machine fingerprint: a group is one profile on one machine.
"""

from __future__ import annotations

import fnmatch
import html
from dataclasses import dataclass, field, replace
from pathlib import Path

from tabulate import tabulate

from fashionclasstic import stats
from fashionclasstic.errors import ConfigError, FashionClassticError
from fashionclasstic.fileio import atomic_write_text
from fashionclasstic.records import record_fingerprint
from fashionclasstic.reporting.compare import (
    BENCHMARK_DIR,
    POINT_METRICS,
    TIME_METRICS,
    Rule,
    Run,
    benchmark_files,
    parse_fail_on,
    read_run,
)
from fashionclasstic.reporting.files import RESULTS_FILE, RUNS_DIR

METRICS = {"accuracy": ("accuracy", "test accuracy", False), "train_seconds": ("train_time", "training s", True),
           "inference_seconds": ("inference_time", "inference s", True)}
MIN_ACCURACY_STEP = 0.001  # a tenth of a point
MIN_TIME_STEP = 0.10  # a tenth of the time before


@dataclass
class Found:
    model: str
    metric: str  # a record field: accuracy, train_seconds, inference_seconds
    step: stats.Step
    run: Run

    @property
    def worse(self) -> bool:
        return self.step.after < self.step.before if self.metric == "accuracy" else self.step.after > self.step.before

    def change(self) -> float:
        """Accuracy in points, times in percent."""
        if self.metric == "accuracy":
            return 100.0 * (self.step.after - self.step.before)
        return 100.0 * (self.step.after - self.step.before) / self.step.before

    def text(self) -> str:
        direction = "up" if self.step.after > self.step.before else "down"
        digits = ".4f" if self.metric == "accuracy" else ".4g"
        commit = f" (commit {self.run.commit[:12]})" if self.run.commit else ""
        return (f"{self.model} {self.metric.replace('_seconds', ' time')} stepped {direction} at run "
                f"{self.run.label}{commit}: {format(self.step.before, digits)} -> {format(self.step.after, digits)}")


@dataclass
class Group:
    profile: str
    fingerprint: str
    runs: list[Run] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.profile or 'unknown profile'} on machine {self.fingerprint or 'unknown'}"

    @property
    def slug(self) -> str:
        return f"{self.profile or 'unknown'}-{self.fingerprint or 'unknown'}"


def saved_runs(runs_dir: Path, storage: Path) -> tuple[list[Run], list[str]]:
    """Every readable run of either format; the unreadable ones as notes."""
    paths = sorted(runs_dir.glob(f"*/{RESULTS_FILE}")) + benchmark_files(storage)
    runs, notes = [], []
    for path in paths:
        if path.parent.is_symlink():  # "latest" points at a run listed anyway
            continue
        try:
            runs.append(read_run(path))
        except FashionClassticError as exc:
            notes.append(f"skipped {path}: {exc}")
    return runs, notes


def by_machine(run: Run) -> list[Run]:
    """A run per machine its models ran on: a merged run of several machines puts each model's
    numbers beside those of its own machine."""
    machines: dict[str, dict] = {}
    for model, record in run.models.items():
        machines.setdefault(record_fingerprint(record, run.fingerprint), {})[model] = record
    return [replace(run, models=models, fingerprint=fingerprint) for fingerprint, models in sorted(machines.items())]


def groups_of(runs: list[Run], pattern: str) -> list[Group]:
    grouped: dict[tuple[str, str], Group] = {}
    for run in sorted((part for saved in runs for part in by_machine(saved)), key=lambda r: (r.started, r.label)):
        run.models = {m: r for m, r in run.models.items() if fnmatch.fnmatch(m, pattern)}
        if not run.models:
            continue
        profile = ",".join(sorted(run.profiles))
        grouped.setdefault((profile, run.fingerprint), Group(profile, run.fingerprint)).runs.append(run)
    return list(grouped.values())


def steps_in(group: Group) -> list[Found]:
    found = []
    models = list(dict.fromkeys(m for run in group.runs for m in run.models))
    for model in models:
        for metric in METRICS:
            points = [(run, getattr(run.models[model], metric)) for run in group.runs
                      if model in run.models and getattr(run.models[model], metric) is not None]
            values = [v for _, v in points]
            if len(values) < 4:
                continue
            minimum = MIN_ACCURACY_STEP if metric == "accuracy" else MIN_TIME_STEP * min(values)
            step = stats.find_step(values, minimum)
            if step is not None:
                found.append(Found(model, metric, step, points[step.index][0]))
    return found


def failures(found: list[Found], rules: list[Rule]) -> list[str]:
    """Steps to worse that the latest runs sit behind, beyond the rule of their metric."""
    broken = []
    for item in found:
        for rule in rules:
            field_name = POINT_METRICS.get(rule.metric) or TIME_METRICS.get(rule.metric)
            if field_name == item.metric and item.worse and abs(item.change()) > rule.limit:
                unit = "points" if rule.metric in POINT_METRICS else "%"
                broken.append(f"{item.text()} ({abs(item.change()):.2f} {unit}, limit {rule.limit:g}) "
                              f"[{rule.describe()}]")
    return broken


def model_table(group: Group, model: str) -> str:
    rows = []
    for run in group.runs:
        record = run.models.get(model)
        if record is not None:
            rows.append([run.label, run.commit[:12], _fmt(record.accuracy, ".4f"), _fmt(record.train_seconds, ".2f"),
                         _fmt(record.inference_seconds, ".4f"), record.status])
    return tabulate(rows, headers=["run", "commit", "accuracy", "train s", "inference s", "status"],
                    disable_numparse=True)


def _fmt(value, pattern: str) -> str:
    return "" if value is None else format(value, pattern)


def write_charts(group: Group, found: list[Found], out: Path) -> list[tuple[str, Path]]:
    from fashionclasstic.reporting import figures

    models = list(dict.fromkeys(m for run in group.runs for m in run.models))
    labels = [run.label for run in group.runs]
    charts = []
    for metric, (_, label, log_scale) in METRICS.items():
        series = {m: [getattr(run.models[m], metric) if m in run.models else None for run in group.runs]
                  for m in models}
        steps = {item.model: item.step.index for item in found if item.metric == metric}
        path = out / f"trends_{group.slug}_{metric}.png"
        figures.trends_figure(series, labels, steps, label, f"{label}: {group.name}", path, log_scale)
        charts.append((label, path))
    return charts


def trends_page(sections: list[tuple[Group, list[Found], list[tuple[str, Path]]]], out: Path) -> str:
    body = ["<h1>FashionClasstic trends</h1>"]
    for group, found, charts in sections:
        body.append(f"<h2>{html.escape(group.name)}: {len(group.runs)} runs</h2>")
        body.append("<ul>" + "".join(f"<li>{html.escape(item.text())}</li>" for item in found)
                    + "</ul>" if found else "<p>No step: the history is flat within its noise.</p>")
        body += [f'<figure><img src="{html.escape(path.relative_to(out).as_posix())}" alt="{html.escape(label)}">'
                 f"<figcaption>{html.escape(label)}</figcaption></figure>" for label, path in charts]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>FashionClasstic trends</title>"
            "<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px}img{max-width:100%}"
            "</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def trends(runs_dir: Path = RUNS_DIR, storage: Path = BENCHMARK_DIR, models: str = "*", out: Path | None = None,
           fail_on: str | None = None, echo=print) -> int:
    """Print every group's tables and steps, write the charts and page; 1 when ``fail_on``
    finds the latest runs behind a step, else 0."""
    rules = parse_fail_on(fail_on) if fail_on else []  # a bad spec fails before any file is read
    runs, notes = saved_runs(Path(runs_dir), Path(storage))
    groups = groups_of(runs, models)
    if not groups:
        raise ConfigError(f"no saved run under {runs_dir} nor {storage} holds a model matching {models!r} "
                          f"(run the benchmarks first)")
    out = Path(out or Path(runs_dir) / "trends")
    sections, broken = [], []
    for group in groups:
        echo(f"== {group.name}: {len(group.runs)} runs, oldest first")
        found = steps_in(group)
        for model in dict.fromkeys(m for run in group.runs for m in run.models):
            echo(f"\n{model}\n{model_table(group, model)}")
        echo("")
        echo("\n".join(f"step: {item.text()}" for item in found) or "no step: flat within the noise")
        broken += failures(found, rules)
        sections.append((group, found, write_charts(group, found, out)))
        echo("")
    atomic_write_text(out / "trends.html", trends_page(sections, out))
    for note in notes:
        echo(f"note: {note}")
    echo(f"trends: {out / 'trends.html'}")
    if broken:
        for line in broken:
            echo(f"FAIL {line}")
        return 1
    return 0
