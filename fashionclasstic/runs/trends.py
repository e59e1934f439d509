"""Trends across runs: every saved run, grouped by profile and machine, in time order; steps
found and named; charts; and a gate on the latest runs. ("History" is a model's per-epoch
training curves, :attr:`CaseRecord.history`; this is the other thing.)

A step is a sustained shift between the runs before and after a point, larger than the noise
within them (:func:`fashionclasstic.stats.find_step`, after asv's step detection). Times are
only put side by side within one machine fingerprint: a group is one profile on one machine.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tabulate import tabulate

from fashionclasstic import stats
from fashionclasstic.errors import ConfigError
from fashionclasstic.fileio import atomic_write_text
from fashionclasstic.machine import record_fingerprint
from fashionclasstic.records import CaseRecord
from fashionclasstic.reporting.files import RUNS_DIR
from fashionclasstic.reporting.formatting import format_value
from fashionclasstic.reporting.html import render_trends
from fashionclasstic.runs.rules import Rule, parse_fail_on, print_verdicts, value_text
from fashionclasstic.runs.saved import BENCHMARK_DIR, Run, measures, saved_runs

MIN_STEP = {"points": 0.001,  # a tenth of a point
            "percent": 0.10}  # a tenth of the value before


@dataclass
class Found:
    model: str
    measure: Any  # the record field that stepped (its metadata says how it is judged)
    step: stats.Step
    run: Run

    @property
    def metric(self) -> str:
        """The field's rule name: accuracy, train_time, train_memory, ..."""
        return self.measure.metadata["judged"].rule or self.measure.name

    @property
    def worse(self) -> bool:
        return self.measure.metadata["judged"].worse(self.step.before, self.step.after)

    def change(self) -> float:
        """In points or in percent of the value before, as the field is judged."""
        return self.measure.metadata["judged"].shift(self.step.before, self.step.after)

    def text(self) -> str:
        direction = "up" if self.step.after > self.step.before else "down"
        commit = f" (commit {self.run.commit[:12]})" if self.run.commit else ""
        return (f"{self.model} {self.metric.replace('_', ' ')} stepped {direction} at run {self.run.label}{commit}: "
                f"{value_text(self.measure, self.step.before)} -> {value_text(self.measure, self.step.after)}")


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
        for f in measures(group.runs):
            points = [(run, getattr(run.models[model], f.name)) for run in group.runs
                      if model in run.models and getattr(run.models[model], f.name) is not None]
            values = [v for _, v in points]
            if len(values) < 4:
                continue
            change = f.metadata["judged"].change
            step = stats.find_step(values, MIN_STEP[change] * (min(values) if change == "percent" else 1.0))
            if step is not None:
                found.append(Found(model, f, step, points[step.index][0]))
    return found


def failures(found: list[Found], rules: list[Rule]) -> list[str]:
    """Steps to worse that the latest runs sit behind, beyond the rule of their metric."""
    broken = []
    for item in found:
        for rule in rules:
            if rule.metric == item.metric and item.worse and abs(item.change()) > rule.limit:
                unit = "%" if rule.percent else "points"
                broken.append(f"{item.text()} ({abs(item.change()):.2f} {unit}, limit {rule.limit:g}) "
                              f"[{rule.describe()}]")
    return broken


def model_table(group: Group, model: str) -> str:
    shown = measures(group.runs)
    rows = [[run.label, run.commit[:12], *(format_value(getattr(run.models[model], f.name), f.metadata["fmt"])
                                            for f in shown), run.models[model].status]
            for run in group.runs if model in run.models]
    return tabulate(rows, headers=["run", "commit", *(f.metadata["label"] or f.name for f in shown), "status"],
                    disable_numparse=True)


def write_charts(group: Group, found: list[Found], out: Path) -> list[tuple[str, Path]]:
    from fashionclasstic.reporting import figures

    models = list(dict.fromkeys(m for run in group.runs for m in run.models))
    labels = [run.label for run in group.runs]
    charts = []
    for f in measures(group.runs):  # a cost on a log scale, a score (points) on a linear one
        label, log_scale = f.metadata["label"] or f.name, f.metadata["judged"].change == "percent"
        series = {m: [getattr(run.models[m], f.name) if m in run.models else None for run in group.runs]
                  for m in models}
        steps = {item.model: item.step.index for item in found if item.measure.name == f.name}
        path = out / f"trends_{group.slug}_{f.name}.png"
        figures.trends_figure(series, labels, steps, label, f"{label}: {group.name}", path, log_scale)
        charts.append((label, path))
    return charts


def trends(runs_dir: Path = RUNS_DIR, storage: Path = BENCHMARK_DIR, models: str = "*", out: Path | None = None,
           fail_on: str | None = None, echo=print, record_type: type = CaseRecord) -> int:
    """Print every group's tables and steps, write the charts and page; 1 when ``fail_on``
    finds the latest runs behind a step, else 0 (``record_type``: as for ``compare``)."""
    rules = parse_fail_on(fail_on, record_type) if fail_on else []  # a bad spec fails before any file is read
    runs, notes = saved_runs(Path(runs_dir), Path(storage), record_type)
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
        sections.append((group, found, write_charts(group, found, out), measures(group.runs)))
        echo("")
    atomic_write_text(out / "trends.html", render_trends(sections, out))
    for note in notes:
        echo(f"note: {note}")
    echo(f"trends: {out / 'trends.html'}")
    return print_verdicts(broken, [], echo)
