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


def load_thresholds(path: Path | None = None) -> dict[tuple[str, str], Threshold]:
    """Read and validate a thresholds file; any mistake is a :class:`ConfigError` naming the entry."""
    path = Path(path) if path else default_thresholds_path()
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
            if not isinstance(entry, dict) or set(entry) != REQUIRED_KEYS:
                raise ConfigError(f"{where}: needs exactly the keys {', '.join(sorted(REQUIRED_KEYS))}")
            measured, margin, minimum = entry["measured"], entry["margin"], entry["min_accuracy"]
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                       for v in (measured, margin, minimum)):
                raise ConfigError(f"{where}: measured, margin and min_accuracy must be numbers")
            if not 0.0 < measured <= 1.0:
                raise ConfigError(f"{where}: measured={measured} is not an accuracy in (0, 1]")
            if not 0.0 <= margin <= MAX_MARGIN:
                raise ConfigError(f"{where}: margin={margin} must lie in [0, {MAX_MARGIN}]")
            if abs(minimum - (measured - margin)) > 1e-6:
                raise ConfigError(f"{where}: min_accuracy={minimum} must equal measured - margin "
                                  f"= {measured - margin:.4f}")
            thresholds[(model, profile)] = Threshold(model, profile, float(minimum), float(measured),
                                                     float(margin), str(entry["run"]), str(path))
    return thresholds


def threshold_for(spec, profile: str, thresholds: dict[tuple[str, str], Threshold]) -> Threshold | None:
    """The file's entry, else the model's own ``min_accuracy`` for the profile, else none."""
    if (spec.name, profile) in thresholds:
        return thresholds[(spec.name, profile)]
    if profile in spec.min_accuracy:
        return Threshold(spec.name, profile, float(spec.min_accuracy[profile]),
                         origin=f"register_model(min_accuracy=...) of {spec.name}")
    return None
