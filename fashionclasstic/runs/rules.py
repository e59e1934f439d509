"""The rules of ``compare --fail-on`` (and ``ab``, ``trends``): parsed from ``METRIC:LIMIT,...``,
judged into verdicts, and the verdicts printed. Which measures there are, which way is better and whether a change
counts in points or percent come from the record schema (:class:`fashionclasstic.records.Judged`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fashionclasstic import stats
from fashionclasstic.errors import ConfigError
from fashionclasstic.records import CaseRecord, judged_fields, record_type_of
from fashionclasstic.reporting.formatting import format_value
from fashionclasstic.runs.saved import Run, model_order

NOISE_SIGMAS = 2.0  # a drop between repeated runs must exceed this many standard errors


@dataclass(frozen=True)
class Rule:
    metric: str  # a rule name of the schema: accuracy, macro_f1 (points), train_time, train_memory, ... (percent)
    limit: float
    percent: bool = field(default=False, compare=False)

    def describe(self) -> str:
        return f"{self.metric}:{self.limit:g}" + ("%" if self.percent else "")


@dataclass(frozen=True)
class Verdict:
    text: str
    broken: bool  # False: a note (within the noise)


def parse_fail_on(spec: str, record_type: type = CaseRecord) -> list[Rule]:
    """``accuracy:0.5,train_time:25%,train_memory:25%``: the largest loss of each measure, in
    points or in percent as its field says. Anything else is a :class:`ConfigError`."""
    known = judged_fields(record_type)
    rules = []
    for part in (p.strip() for p in spec.split(",")):
        metric, colon, amount = part.partition(":")
        metric, amount = metric.strip(), amount.strip()
        if not colon or not metric or not amount:
            raise ConfigError(f"--fail-on {spec!r}: {part!r} is not METRIC:LIMIT "
                              f"(e.g. accuracy:0.5,train_time:25%)")
        if metric not in known:
            raise ConfigError(f"--fail-on {spec!r}: unknown metric {metric!r}; use {', '.join(known)}")
        percent = known[metric].metadata["judged"].change == "percent"
        number = amount.removesuffix("%") if percent else re.sub(r"\s*(pts?|points?)$", "", amount)
        try:
            limit = float(number)
        except ValueError:
            unit = "a percentage such as 25%" if percent else "accuracy points such as 0.5"
            raise ConfigError(f"--fail-on {spec!r}: {metric} needs {unit}, got {amount!r}") from None
        if not limit >= 0 or limit == float("inf"):
            raise ConfigError(f"--fail-on {spec!r}: the limit of {metric} must be a number of at least 0")
        rules.append(Rule(metric, limit, percent))
    return rules


def value_text(f, value: float) -> str:
    """A measure's value in a verdict: ``0.8450``, ``12.5 s``, ``310.2 MB``."""
    judged = f.metadata["judged"]
    if judged.change == "points":
        return f"{value:.4f}"
    if f.metadata.get("fmt") in ("bytes", "count"):
        return format_value(value, f.metadata["fmt"])
    return f"{value:.4g}" + (f" {judged.unit}" if judged.unit else "")


def judge(model: str, rule: Rule, before: CaseRecord, after: CaseRecord, label: str = "the last run") -> Verdict | None:
    """``after`` (of the run ``label``) against ``before`` (the baseline) under ``rule``; None
    when it holds or there is nothing to judge."""
    f = judged_fields(type(before))[rule.metric]
    judged = f.metadata["judged"]
    old, new = getattr(before, f.name), getattr(after, f.name)
    if old is None:
        return None
    if new is None:
        was = f", was {old:.4f}" if judged.change == "points" else ""
        return Verdict(f"{model}: {rule.metric} missing in {label} (status {after.status or '?'}){was} "
                       f"[{rule.describe()}]", broken=True)
    loss = judged.regression(old, new)
    if loss is None or loss <= rule.limit:
        return None
    verb = "fell" if judged.better == "higher" else "grew"
    if judged.change == "points":
        text = (f"{model}: {rule.metric} {verb} {loss:.2f} points, {value_text(f, old)} -> {value_text(f, new)} "
                f"(limit {rule.limit:g})")
        spread = _standard_error(before, after, judged.spread) if judged.spread else None
        if spread is not None and loss <= 100.0 * NOISE_SIGMAS * spread:
            return Verdict(f"{text}: within the noise of the repeats ({NOISE_SIGMAS:g} standard errors = "
                           f"{100.0 * NOISE_SIGMAS * spread:.2f} points)", broken=False)
        return Verdict(f"{text} [{rule.describe()}]", broken=True)
    text = (f"{model}: {rule.metric} {verb} {judged.shift(old, new):+.1f}%, {value_text(f, old)} -> "
            f"{value_text(f, new)} (limit {rule.limit:g}%)")
    p_value = None
    if judged.samples:
        before_samples, after_samples = getattr(before, judged.samples), getattr(after, judged.samples)
        p_value = (stats.slower(before_samples, after_samples) if judged.better == "lower"
                   else stats.slower(after_samples, before_samples))
    if p_value is not None and p_value >= stats.SIGNIFICANCE:
        return Verdict(f"{text}: within noise (Mann-Whitney U, one-sided p = {p_value:.3f})", broken=False)
    test = f", Mann-Whitney U p = {p_value:.4f}" if p_value is not None else ""
    return Verdict(f"{text}{test} [{rule.describe()}]", broken=True)


def _standard_error(before: CaseRecord, after: CaseRecord, spread: str) -> float | None:
    """Of the difference of two means, when both runs repeated the model."""
    std_before, std_after = getattr(before, spread), getattr(after, spread)
    if len(before.repeats) < 2 or len(after.repeats) < 2 or None in (std_before, std_after):
        return None
    return (std_before ** 2 / len(before.repeats) + std_after ** 2 / len(after.repeats)) ** 0.5


def violations(runs: list[Run], rules: list[Rule], cross_machine: bool = False) -> tuple[list[str], list[str]]:
    """Each model and measure of the last run that broke a rule against the first run, and the
    notes on what was not judged or judged within noise.

    A measure that depends on the machine (times, memory) is judged only when the model ran on
    the same machine fingerprint in both runs (unless ``cross_machine``); with at least 5
    samples a side a time must also be significantly slower (one-sided Mann-Whitney U,
    p < 0.01). Accuracy is always judged; when both runs have repeats, a drop must also exceed
    twice the standard error of the difference of the means.
    """
    first, last = runs[0], runs[-1]
    broken: list[str] = []
    notes: list[str] = []
    models = model_order(runs)
    both = [m for m in models if m in first.models and m in last.models]
    apart = [m for m in both if not (first.machine_of(m) and first.machine_of(m) == last.machine_of(m))]
    schema = judged_fields(record_type_of(first.models.values()))
    nouns = list(dict.fromkeys(schema[rule.metric].metadata["judged"].noun or rule.metric for rule in rules
                               if schema[rule.metric].metadata["judged"].per_machine))
    if not cross_machine and apart and nouns:
        pairs = sorted({(first.machine_of(m) or "unknown", last.machine_of(m) or "unknown") for m in apart})
        machines = "; ".join(f"{a} and {b}" for a, b in pairs)
        which = "" if len(apart) == len(both) else f" of {', '.join(apart)}"
        notes.append(f"{' and '.join(nouns)}{which} not judged: in {first.label} and {last.label} they ran on "
                     f"different or unknown machines (fingerprints {machines}); they are comparable only on one "
                     f"machine (--cross-machine judges them anyway)")
    for model in models:
        before = first.models.get(model)
        if before is None:
            continue  # new since the baseline: nothing to regress from
        after = last.models.get(model)
        if after is None:
            broken.append(f"{model}: missing from the last run ({last.label}) "
                          f"[{', '.join(r.describe() for r in rules)}]")
            continue
        for rule in rules:
            if schema[rule.metric].metadata["judged"].per_machine and not cross_machine and model in apart:
                continue
            verdict = judge(model, rule, before, after, last.label)
            if verdict is not None:
                (broken if verdict.broken else notes).append(verdict.text)
    return broken, notes


def print_verdicts(broken: list[str], notes: list[str], echo=print, summary: str = "") -> int:
    """The notes, each broken rule as a ``FAIL`` line, then ``summary``; 1 when a rule broke."""
    for line in notes:
        echo(f"note: {line}")
    for line in broken:
        echo(f"FAIL {line}")
    if summary:
        echo(summary)
    return 1 if broken else 0


def verdict_summary(command: str, broken: list[str], judged: str, baseline: str, fail_on: str) -> str:
    """``compare: 2 regression(s) of B against A beyond --fail-on accuracy:0.5``."""
    found = f"{len(broken)} regression(s)" if broken else "no regression"
    return f"{command}: {found} of {judged} against {baseline} beyond --fail-on {fail_on}"
