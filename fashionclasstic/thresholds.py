"""The accuracy gate: one reviewed, versioned file of minimum accuracies.

Every entry keeps the accuracy measured on the reference run and the margin allowed below it,
so a reviewer sees where each number comes from; ``min_accuracy`` must equal
``measured - margin``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import tomllib

from fashionclasstic.errors import ConfigError
from fashionclasstic.profiles import PROFILES

REQUIRED_KEYS = {"measured", "margin", "min_accuracy", "run"}
MAX_MARGIN = 0.05


@dataclass(frozen=True)
class Threshold:
    model: str
    profile: str
    min_accuracy: float
    measured: float | None = None
    margin: float | None = None
    run: str = ""
    origin: str = ""


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
    numbers = {k: entry[k] for k in ("measured", "margin", "min_accuracy") if k in entry}
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
    return Threshold(model, profile, float(minimum), None if measured is None else float(measured),
                     None if margin is None else float(margin), str(entry.get("run", "")), origin)


def threshold_for(spec, profile: str, thresholds: dict[tuple[str, str], Threshold]) -> Threshold | None:
    """The file's entry, else the model's own ``min_accuracy`` for the profile, else none."""
    if (spec.name, profile) in thresholds:
        return thresholds[(spec.name, profile)]
    if profile in spec.min_accuracy:
        return Threshold(spec.name, profile, float(spec.min_accuracy[profile]),
                         origin=f"register_model(min_accuracy=...) of {spec.name}")
    return None
