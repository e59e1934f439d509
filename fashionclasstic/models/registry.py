"""A registry of benchmarkable models, in the spirit of timm's ``register_model``.

A leaf module: it imports no model. A model is a factory registered under a name with its
family, framework, base parameters and per-profile overrides (``dict(params, **overrides)``;
a key the base does not declare is refused). Built-in models register when
:mod:`fashionclasstic.models` imports its families; other packages register through the
``fashionclasstic.models`` entry point group, and a user's ``conftest.py`` may call
:func:`register_model` directly. Every registered model becomes a benchmark case.
"""

from __future__ import annotations

import fnmatch
import importlib.metadata
import importlib.util
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from fashionclasstic.errors import ConfigError, ModelUnavailable
from fashionclasstic.profiles import PROFILES

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "fashionclasstic.models"


@dataclass(frozen=True)
class ModelContext:
    """What a model factory may know about the run: nothing about pytest or profiles."""

    seed: int = 0
    threads: int = 0  # 0: every core the process may use
    weights_dir: Path | None = None

    @property
    def n_jobs(self) -> int:
        return self.threads or -1

    @property
    def cores(self) -> int:
        """The threads a model may use: its share of the cores, else every one."""
        return self.threads or os.cpu_count() or 1


Factory = Callable[[dict[str, Any], ModelContext], Any]


@dataclass(frozen=True)
class ModelSpec:
    """Everything the suite knows about a model before building it."""

    name: str
    factory: Factory
    family: str
    framework: str
    description: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    profiles: Mapping[str, Mapping[str, Any]] | None = None  # None: the same parameters on every profile
    tiny: Mapping[str, Any] = field(default_factory=dict)
    requires: tuple[str, ...] = ()
    extra: str | None = None
    pretrained: bool = False
    uses_validation: bool = False
    min_accuracy: Mapping[str, float] = field(default_factory=dict)
    # Per profile: (seconds of one training with its evaluation, seconds of the inference case),
    # what shards are balanced by and the run header scales (calibration.py) when no saved run
    # measured the model. The built-in models' numbers were measured on the machine
    # calibration.REFERENCE_MACHINE names (the README's "Results").
    expected_seconds: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    # A pretrained model's weights finder, ``weights(params, context)``: raises ModelUnavailable
    # (one line) when its weights are not to be had here, so a run knows before it starts
    weights: Callable[[dict[str, Any], ModelContext], Any] | None = None
    # The levers of its recipe, ``{lever: the parameters that take it out}``: ``--fc-ablate`` runs
    # the model without each (:meth:`without`), and the catalogue's ablation table compares them
    ablations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def without(self, lever: str) -> ModelSpec:
        """This model with ``lever`` taken out on every profile, named ``<model>-without-<lever>``;
        ungated (a gate belongs to the recipe), with no levers of its own."""
        if lever not in self.ablations:
            raise ConfigError(f"model {self.name!r} has no lever {lever!r}; its levers: "
                              f"{', '.join(self.ablations) or '(none)'}")
        overrides, name, base = dict(self.ablations[lever]), ablation_name(self.name, lever), self.factory
        profiles = None if self.profiles is None else {p: {**o, **overrides} for p, o in self.profiles.items()}

        def factory(params, context):
            model = base(params, context)
            if isinstance(getattr(model, "name", None), str):  # what its epoch logs and live progress say
                model.name = name
            return model

        return replace(self, name=name, factory=factory, params={**self.params, **overrides},
                       profiles=profiles, description=f"{self.name} without {lever.replace('_', ' ')}",
                       ablations={}, min_accuracy={})

    def check_keys(self, overrides: Mapping[str, Any], where: str) -> None:
        unknown = sorted(set(overrides) - set(self.params))
        if unknown:
            raise ConfigError(f"model {self.name!r}: unknown parameter {', '.join(map(repr, unknown))} in {where}; "
                              f"its parameters are: {', '.join(self.params) or '(none)'}")

    def params_for(self, profile: str, **overrides: Any) -> dict[str, Any]:
        """The base parameters, the profile's overrides, then the caller's."""
        if self.profiles is not None and profile not in self.profiles:
            raise ConfigError(f"model {self.name!r} defines no parameters for profile {profile!r}; "
                              f"it defines: {', '.join(self.profiles) or '(none)'}")
        self.check_keys(overrides, "the overrides")
        return {**self.params, **((self.profiles or {}).get(profile) or {}), **overrides}

    def missing_requirements(self) -> list[str]:
        return [module for module in self.requires if importlib.util.find_spec(module) is None]

    def unavailable_reason(self) -> str | None:
        """One line saying why this model cannot run here, or ``None``."""
        missing = self.missing_requirements()
        if not missing:
            return None
        install = f"pip install 'fashionclasstic[{self.extra}]'" if self.extra else f"pip install {' '.join(missing)}"
        return f"{self.name} needs {', '.join(missing)}, not installed: {install}"

    def skip_reason(self, profile: str, context: ModelContext | None = None) -> str | None:
        """Why this model would skip here, or ``None``: its framework missing
        (:meth:`unavailable_reason`), or its pretrained weights absent (``weights``). The one
        answer the run header, the shard plan and the ``models`` command give."""
        reason = self.unavailable_reason()
        if reason is not None or self.weights is None:
            return reason
        try:
            self.weights(self.params_for(profile), context or ModelContext())
        except ModelUnavailable as exc:
            return str(exc)
        except ConfigError:
            return None  # no parameters for that profile: the run refuses it elsewhere
        return None

    def build(self, profile: str, context: ModelContext, **overrides: Any):
        """A fresh, unfitted model (raises :class:`ModelUnavailable` when it cannot run here)."""
        params = self.params_for(profile, **overrides)
        reason = self.unavailable_reason()
        if reason:
            raise ModelUnavailable(reason)
        return self.factory(params, context)


_REGISTRY: dict[str, ModelSpec] = {}
_entry_points_loaded = False


def register_model(name: str | None = None, *, family: str, framework: str, description: str = "",
                   params: Mapping[str, Any] | None = None,
                   profiles: Mapping[str, Mapping[str, Any]] | None = None,
                   tiny: Mapping[str, Any] | None = None, requires: Iterable[str] = (),
                   extra: str | None = None, pretrained: bool = False, uses_validation: bool = False,
                   min_accuracy: Mapping[str, float] | None = None,
                   expected_seconds: Mapping[str, tuple[float, float] | float] | None = None,
                   weights: Callable[[dict[str, Any], ModelContext], Any] | None = None,
                   ablations: Mapping[str, Mapping[str, Any]] | None = None,
                   replace: bool = False) -> Callable[[Factory], Factory]:
    """Decorator registering ``factory(params, context) -> classifier`` as a benchmark case.

    ``params``: every parameter with its base value; ``profiles``: per profile, the values that
    differ (omit to use the base on every profile); ``tiny``: overrides that make one fit take
    seconds on a few hundred images (the model contract test); ``min_accuracy``: per profile,
    the accuracy gate for a model the suite's thresholds file does not list (a user's own);
    ``expected_seconds``: per profile, ``(training, inference case)`` seconds (or the training
    seconds alone), what ``--fc-shard`` balances by until a saved run has measured the model;
    ``weights``: a pretrained model's ``weights(params, context)``, raising
    :class:`ModelUnavailable` when its weights are absent (the run then counts it as skipping);
    ``ablations``: ``{lever: parameters that take it out}``, what ``--fc-ablate`` runs.
    """

    def decorator(factory: Factory) -> Factory:
        model_name = name or factory.__name__
        if model_name in _REGISTRY and not replace and _REGISTRY[model_name].factory is not factory:
            raise ConfigError(f"a model named {model_name!r} is already registered; "
                              f"choose another name or pass replace=True")
        spec = ModelSpec(
            name=model_name, factory=factory, family=family, framework=framework,
            description=description or (factory.__doc__ or "").strip().split("\n")[0],
            params=dict(params or {}), profiles=None if profiles is None else dict(profiles),
            tiny=dict(tiny or {}), requires=tuple(requires), extra=extra, pretrained=pretrained,
            uses_validation=uses_validation, min_accuracy=dict(min_accuracy or {}),
            expected_seconds={profile: _seconds_pair(model_name, profile, value)
                              for profile, value in (expected_seconds or {}).items()}, weights=weights,
            ablations={lever: dict(overrides) for lever, overrides in (ablations or {}).items()})
        for profile, overrides in (spec.profiles or {}).items():
            if profile not in PROFILES:
                raise ConfigError(f"model {model_name!r}: unknown profile {profile!r}; known: {', '.join(PROFILES)}")
            spec.check_keys(overrides, f"profile {profile!r}")
        spec.check_keys(spec.tiny, "tiny")
        for lever, overrides in spec.ablations.items():
            if not LEVER_NAME.fullmatch(lever):
                raise ConfigError(f"model {model_name!r}: lever {lever!r} must be lower-case letters, digits "
                                  f"and underscores (it becomes part of a model name)")
            spec.check_keys(overrides, f"ablation {lever!r}")
        _REGISTRY[model_name] = spec
        return factory

    return decorator


def _seconds_pair(model: str, profile: str, value) -> tuple[float, float]:
    pair = (value, 0.0) if isinstance(value, (int, float)) else tuple(value)
    if (profile not in PROFILES or len(pair) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in pair)):
        raise ConfigError(f"model {model!r}: expected_seconds[{profile!r}] must be seconds of a known profile "
                          f"({', '.join(PROFILES)}): a number or (training, inference), got {value!r}")
    return float(pair[0]), float(pair[1])


ABLATION_SEPARATOR = "-without-"
LEVER_NAME = re.compile(r"[a-z0-9_]+")


def ablation_name(model: str, lever: str) -> str:
    return f"{model}{ABLATION_SEPARATOR}{lever}"


def ablated_model(name: str) -> tuple[str, str] | None:
    """``(model, lever)`` of an ablation's name (``cnn_wide-without-erasing``), else None."""
    model, separator, lever = name.rpartition(ABLATION_SEPARATOR)
    return (model, lever) if separator and model and LEVER_NAME.fullmatch(lever) else None


def register_ablations(name: str) -> list[str]:
    """Register ``name`` without each of its levers as a model of its own (once), and return
    their names, in the order the levers are declared."""
    spec = get_model_spec(name)
    for lever in spec.ablations:
        variant = spec.without(lever)
        _REGISTRY.setdefault(variant.name, variant)
    return [ablation_name(name, lever) for lever in spec.ablations]


def unregister_model(name: str) -> None:
    _REGISTRY.pop(name, None)


def load_entry_points() -> None:
    """Import the models other installed packages declare, once."""
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = entry_point.load()
        except Exception as exc:  # noqa: BLE001 - a broken plug-in must not hide the other models
            log.warning("could not load models from entry point %s: %s", entry_point.value, exc)
            continue
        if callable(loaded) and not isinstance(loaded, ModuleType):
            loaded()


def _all_specs() -> dict[str, ModelSpec]:
    load_entry_points()
    return _REGISTRY


def list_models(pattern: str = "*", *, family: str | None = None, framework: str | None = None,
                pretrained: bool | None = None) -> list[str]:
    """Registered model names matching a glob pattern and filters, in registration order."""
    return [spec.name for spec in _all_specs().values()
            if fnmatch.fnmatch(spec.name, pattern)
            and (family is None or spec.family == family)
            and (framework is None or spec.framework == framework)
            and (pretrained is None or spec.pretrained == pretrained)]


def get_model_spec(name: str) -> ModelSpec:
    specs = _all_specs()
    if name not in specs:
        raise ConfigError(f"unknown model {name!r}; registered models: {', '.join(specs)}")
    return specs[name]


def create_model(name: str, context: ModelContext | None = None, profile: str = "full", **overrides: Any):
    """A fresh, unfitted model: ``profile``'s parameters with ``overrides`` on top."""
    return get_model_spec(name).build(profile, context or ModelContext(), **overrides)
