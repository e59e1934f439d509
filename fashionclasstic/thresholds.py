"""The accuracy gate: one reviewed, versioned file of minimum accuracies.

Every entry of the suite's file keeps the seeds it was measured with, their mean accuracy and
spread, and the margin the rule derives from that spread (:func:`fashionclasstic.stats.threshold_margin`:
``max(0.005, 3 x std)``, ``0.01`` for a single seed); ``min_accuracy`` must equal
``measured - margin``. ``python -m fashionclasstic thresholds --from RUN`` writes entries from a
saved run, so nobody edits the numbers by hand.
"""

from __future__ import annotations

import json
import math
import statistics
import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from fashionclasstic.errors import ConfigError
from fashionclasstic.fileio import atomic_write_text
from fashionclasstic.machine import cpu_name
from fashionclasstic.models.registry import ablated_model
from fashionclasstic.profiles import PROFILES
from fashionclasstic.stats import spread, threshold_margin

REQUIRED_KEYS = {"measured", "margin", "min_accuracy", "run", "seeds", "std"}
MAX_MARGIN = 0.1
HEADER = """\
# Minimum test accuracy per model and profile: the accuracy gate of every benchmark run.
#
# Written by `python -m fashionclasstic thresholds --from RUN` from a saved run with repeats
# (`pytest benchmarks --fc-repeats 3 ...`); do not edit the numbers by hand. Each entry records
# the seeds measured, the mean accuracy over them (`measured`), their standard deviation
# (`std`), the margin the rule takes from that spread (max(0.005, 3 x std), capped at 0.1;
# 0.01 for a single seed, whose spread is unknown), and the gate, min_accuracy = measured -
# margin. `run` says which command on which machine measured it. The comment above each entry
# says what the gate can catch: a drop of the mean accuracy larger than the margin; with
# --fc-repeats N the gate judges the mean of N runs against max(0.005, 3 x std / sqrt(N)), so
# it catches smaller drops. Models absent here (the pretrained mobilenetv2 and deit: no weights
# on the reference machine) run ungated.
"""


@dataclass(frozen=True)
class Threshold:
    model: str
    profile: str
    min_accuracy: float
    measured: float | None = None
    margin: float | None = None
    run: str = ""
    origin: str = ""
    seeds: tuple[int, ...] = ()
    std: float | None = None
    repeats: int = 1  # the repeats whose mean the gate judges

    def margin_for(self, repeats: int) -> float | None:
        """The margin for the mean of ``repeats`` runs: the rule applied to the standard error
        of that mean (``std / sqrt(repeats)``), so more repeats catch smaller drops; never
        looser than the file's margin. ``None`` without a measured spread."""
        if self.margin is None or self.std is None or len(self.seeds) < 2:
            return self.margin
        return min(self.margin, threshold_margin(self.std / math.sqrt(max(1, repeats)), len(self.seeds)))

    def for_repeats(self, repeats: int) -> Threshold:
        """The gate for the mean of ``repeats`` runs (the file's gate for one run)."""
        margin = self.margin_for(repeats)
        if repeats <= 1 or margin is None or self.measured is None or margin == self.margin:
            return replace(self, repeats=max(1, repeats))
        return replace(self, min_accuracy=round(self.measured - margin, 4), margin=margin, repeats=repeats)

    def sensitivity_text(self, repeats: tuple[int, ...] = (1, 3)) -> str:
        """The smallest drop of the mean the gate catches, in points, for one run and for repeats."""
        if self.margin is None:
            return "unknown (no measured margin)"
        return ", ".join(f"{100 * self.margin_for(n):.2f} pts " + ("in one run" if n == 1 else f"with {n} repeats")
                         for n in repeats)


def default_thresholds_path() -> Path:
    return Path(str(resources.files("fashionclasstic") / "thresholds.toml"))


def load_thresholds(path: Path | str | None = None) -> dict[tuple[str, str], Threshold]:
    """The suite's thresholds, with the entries of a user's file (``--fc-thresholds``) on top:
    a user entry replaces the suite's entry of the same model and profile, the others stay."""
    thresholds = read_thresholds(default_thresholds_path(), strict=True)
    if path:
        thresholds.update(read_thresholds(Path(path), strict=False))
    return thresholds


def read_thresholds(path: Path, strict: bool) -> dict[tuple[str, str], Threshold]:
    """Read and validate one thresholds file; any mistake is a :class:`ConfigError` naming the
    entry. ``strict`` (the suite's own file): every entry records how it was measured; a user's
    entry may hold only ``min_accuracy``."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the thresholds file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the thresholds file {path} is not valid TOML: {exc}") from None
    thresholds = {}
    for model, profiles in document.items():
        if not isinstance(profiles, dict):
            raise ConfigError(f"{path}: [{model}] must be a table of profiles")
        for profile, entry in profiles.items():
            where = f"{path}: [{model}.{profile}]"
            if profile not in PROFILES:
                raise ConfigError(f"{where}: unknown profile; known: {', '.join(PROFILES)}")
            thresholds[(model, profile)] = _entry(model, profile, entry, where, strict, str(path))
    return thresholds


def _entry(model: str, profile: str, entry, where: str, strict: bool, origin: str) -> Threshold:
    keys = set(entry) if isinstance(entry, dict) else set()
    if strict and keys != REQUIRED_KEYS:
        raise ConfigError(f"{where}: needs exactly the keys {', '.join(sorted(REQUIRED_KEYS))}")
    if not strict and ("min_accuracy" not in keys or not keys <= REQUIRED_KEYS):
        optional = ", ".join(sorted(REQUIRED_KEYS - {"min_accuracy"}))
        raise ConfigError(f"{where}: needs min_accuracy, and may record only {optional}")
    numbers = {k: entry[k] for k in ("measured", "margin", "min_accuracy", "std") if k in entry}
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers.values()):
        raise ConfigError(f"{where}: {', '.join(numbers)} must be numbers")
    minimum, measured, margin = numbers["min_accuracy"], numbers.get("measured"), numbers.get("margin")
    if not 0.0 < minimum <= 1.0:
        raise ConfigError(f"{where}: min_accuracy={minimum} is not an accuracy in (0, 1]")
    if measured is not None and not 0.0 < measured <= 1.0:
        raise ConfigError(f"{where}: measured={measured} is not an accuracy in (0, 1]")
    if margin is not None and not 0.0 <= margin <= MAX_MARGIN:
        raise ConfigError(f"{where}: margin={margin} must lie in [0, {MAX_MARGIN}]")
    if measured is not None and margin is not None and abs(minimum - (measured - margin)) > 1e-6:
        raise ConfigError(f"{where}: min_accuracy={minimum} must equal measured - margin "
                          f"= {measured - margin:.4f}")
    seeds = entry.get("seeds", [])
    if not isinstance(seeds, list) or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds) \
            or (strict and not seeds):
        raise ConfigError(f"{where}: seeds must be a list of the whole-number seeds measured")
    std = numbers.get("std")
    if strict and margin != threshold_margin(std, len(seeds)):
        raise ConfigError(f"{where}: margin={margin} does not follow the rule for {len(seeds)} seed(s) with "
                          f"std {std}: {threshold_margin(std, len(seeds))} (stats.threshold_margin)")
    return Threshold(model, profile, float(minimum), None if measured is None else float(measured),
                     None if margin is None else float(margin), str(entry.get("run", "")), origin,
                     tuple(seeds), None if std is None else float(std))


def entries_from_run(saved: dict) -> list[Threshold]:
    """Threshold entries from a saved ``results.json``: every model evaluated on every repeat
    (passed, or failed only its old gate), with its repeats' seeds, mean and spread, and the
    margin the rule gives. A model without one of its levers (``--fc-ablate``) gets none: a gate
    belongs to the recipe."""
    run = saved.get("run") or {}
    machine = run.get("machine") or {}
    where = f"{cpu_name(machine) or '?'}, {machine.get('cpu_count') or '?'} cores"
    command = " ".join(_portable_args(run.get("pytest_args") or []))
    entries = []
    for model in saved.get("models") or []:
        gate_only = model.get("status") == "failed" and model.get("gate") == "FAIL"  # failed its old gate only
        if ((model.get("status") != "passed" and not gate_only) or model.get("accuracy") is None
                or ablated_model(model["model"])):
            continue
        repeats = model.get("repeats") or [{"seed": model.get("seed", 0), "accuracy": model["accuracy"]}]
        measured_spread = spread([r["accuracy"] for r in repeats])
        measured, std = round(measured_spread.mean, 4), round(measured_spread.std, 4)
        margin = threshold_margin(std, len(repeats))
        entries.append(Threshold(
            model["model"], model.get("profile") or run.get("profile", ""), round(measured - margin, 4), measured,
            margin, f"pytest {command} (run {run.get('id', '?')}, {where}, {str(run.get('started', ''))[:10]}, "
            f"{statistics.median(r.get('train_seconds') or 0 for r in repeats):.1f} s training)",
            seeds=tuple(int(r["seed"]) for r in repeats), std=std))
    return entries


LOCAL_OPTIONS = ("--fc-report-dir", "--fc-data-dir", "--benchmark-storage", "-p")  # where, not what


def _portable_args(args: list[str]) -> list[str]:
    """The run's pytest arguments without the ones that only say where things were on its machine."""
    kept, skip_next = [], False
    for arg in args:
        if skip_next:
            skip_next = False
        elif arg in LOCAL_OPTIONS:
            skip_next = True
        elif not arg.startswith(tuple(f"{option}=" for option in LOCAL_OPTIONS)):
            kept.append(arg)
    return kept


def render_thresholds(thresholds: dict[tuple[str, str], Threshold]) -> str:
    """The suite's file: the header, then the entries by profile (smoke first) and model."""
    lines = [HEADER]
    for profile in PROFILES:
        entries = [t for (_, p), t in thresholds.items() if p == profile]
        if entries:
            lines.append(f"# --- {profile}\n")
        for t in entries:
            lines += [f"# catches a drop of the mean of over {t.sensitivity_text((1, 3, 10))}",
                      f"[{t.model}.{profile}]", f"seeds = [{', '.join(map(str, t.seeds))}]",
                      f"measured = {t.measured:.4f}", f"std = {t.std:.4f}", f"margin = {t.margin:.4f}",
                      f"min_accuracy = {t.min_accuracy:.4f}", f"run = {json.dumps(t.run)}", ""]
    return "\n".join(lines)


def update_thresholds(path: Path, entries: list[Threshold]) -> dict[tuple[str, str], Threshold]:
    """Replace (or add) ``entries`` in the thresholds file at ``path``, keeping the others."""
    thresholds = read_thresholds(path, strict=True) if path.exists() else {}
    thresholds.update({(t.model, t.profile): t for t in entries})
    atomic_write_text(path, render_thresholds(thresholds))
    read_thresholds(path, strict=True)  # what was written reads back under the strict rules
    return thresholds


def threshold_for(spec, profile: str, thresholds: dict[tuple[str, str], Threshold],
                  repeats: int = 1) -> Threshold | None:
    """The file's entry (for the mean of ``repeats`` runs), else the model's own ``min_accuracy``
    for the profile, else none."""
    if (spec.name, profile) in thresholds:
        return thresholds[(spec.name, profile)].for_repeats(repeats)
    if profile in spec.min_accuracy:
        return Threshold(spec.name, profile, float(spec.min_accuracy[profile]),
                         origin=f"register_model(min_accuracy=...) of {spec.name}")
    return None


def gate_text(spec, profile: str, thresholds: dict[tuple[str, str], Threshold]) -> str:
    """A model's gate as the catalogue and ``models`` show it: ``>= 0.8378 (catches 0.78 pts)``."""
    threshold = threshold_for(spec, profile, thresholds)
    if threshold is None:
        return "ungated"
    caught = f" (catches {100 * threshold.margin:.2f} pts)" if threshold.margin is not None else ""
    return f">= {threshold.min_accuracy:.4f}{caught}"
