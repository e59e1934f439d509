"""Profiles: how much data and how much training a run spends.

``full`` is what a benchmark means (the canonical split, settings that reach the targets);
``smoke`` is the CI gate (a stratified subsample and light settings, every model in minutes).
Each model keeps its base parameters and per-profile overrides in its registration.
"""

from __future__ import annotations

from dataclasses import dataclass

from fashionclasstic.errors import ConfigError


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    train_size: int | None  # None: all 60,000
    test_size: int | None  # None: all 10,000
    validation_fraction: float = 0.1


PROFILES = {
    "smoke": Profile("smoke", "CI gate: stratified 6,000 train / 2,000 test subsample, light settings",
                     train_size=6_000, test_size=2_000),
    "full": Profile("full", "the canonical 60,000 / 10,000 split, settings that reach the targets",
                    train_size=None, test_size=None),
}
DEFAULT_PROFILE = "full"


def get_profile(name: str) -> Profile:
    if name not in PROFILES:
        raise ConfigError(f"unknown profile {name!r}; choose one of: {', '.join(PROFILES)} "
                          f"(--fc-profile or the fc_profile ini setting)")
    return PROFILES[name]
