"""A registry of benchmarkable models, in the spirit of timm's ``register_model``.

A model is a factory registered under a name with its family, framework, per-profile
parameters and the modules it needs. Built-in models register on import of
:mod:`fashionclasstic.models`; other packages register through the ``fashionclasstic.models``
entry point group, and a user's ``conftest.py`` may call :func:`register_model` directly.
Every registered model becomes a benchmark case.
"""

from __future__ import annotations

import fnmatch
import importlib
import importlib.metadata
import importlib.util
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from fashionclasstic.errors import ConfigError, ModelUnavailable
from fashionclasstic.models.base import ModelContext

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "fashionclasstic.models"
DEFAULT_PARAMS = "default"

Factory = Callable[[dict[str, Any], ModelContext], Any]


@dataclass(frozen=True)
class ModelSpec:
    """Everything the suite knows about a model before building it."""

    name: str
    factory: Factory
    family: str
    framework: str
    description: str = ""
    profiles: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    requires: tuple[str, ...] = ()
    extra: str | None = None
    pretrained: bool = False
    uses_validation: bool = False
    min_accuracy: Mapping[str, float] = field(default_factory=dict)

    def params_for(self, profile: str) -> dict[str, Any]:
        """The parameters of ``profile``, else the ``default`` ones, else none."""
        if profile in self.profiles:
            return dict(self.profiles[profile])
        return dict(self.profiles.get(DEFAULT_PARAMS, {}))

    def missing_requirements(self) -> list[str]:
        return [module for module in self.requires if importlib.util.find_spec(module) is None]

    def unavailable_reason(self) -> str | None:
        """One line saying why this model cannot run here, or ``None``."""
        missing = self.missing_requirements()
        if not missing:
            return None
        install = f"pip install 'fashionclasstic[{self.extra}]'" if self.extra else f"pip install {' '.join(missing)}"
        return f"{self.name} needs {', '.join(missing)}, not installed: {install}"

    def build(self, context: ModelContext, **overrides: Any):
        reason = self.unavailable_reason()
        if reason:
            raise ModelUnavailable(reason)
        params = {**self.params_for(context.profile), **overrides}
        return self.factory(params, context)


_REGISTRY: dict[str, ModelSpec] = {}
_entry_points_loaded = False


def register_model(name: str | None = None, *, family: str, framework: str, description: str = "",
                   profiles: Mapping[str, Mapping[str, Any]] | None = None,
                   requires: Iterable[str] = (), extra: str | None = None, pretrained: bool = False,
                   uses_validation: bool = False, min_accuracy: Mapping[str, float] | None = None,
                   replace: bool = False) -> Callable[[Factory], Factory]:
    """Decorator registering ``factory(params, context) -> classifier`` as a benchmark case.

    ``min_accuracy`` maps a profile to the accuracy gate for models that have no entry in the
    suite's thresholds file (a user's own models).
    """

    def decorator(factory: Factory) -> Factory:
        model_name = name or factory.__name__
        if model_name in _REGISTRY and not replace and _REGISTRY[model_name].factory is not factory:
            raise ConfigError(f"a model named {model_name!r} is already registered; "
                              f"choose another name or pass replace=True")
        _REGISTRY[model_name] = ModelSpec(
            name=model_name, factory=factory, family=family, framework=framework,
            description=description or (factory.__doc__ or "").strip().split("\n")[0],
            profiles=dict(profiles or {}), requires=tuple(requires), extra=extra,
            pretrained=pretrained, uses_validation=uses_validation,
            min_accuracy=dict(min_accuracy or {}))
        return factory

    return decorator


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
        except Exception as exc:  # a broken plug-in must not hide the other models
            log.warning("could not load models from entry point %s: %s", entry_point.value, exc)
            continue
        if callable(loaded) and not isinstance(loaded, ModuleType):
            loaded()


def _all_specs() -> dict[str, ModelSpec]:
    importlib.import_module("fashionclasstic.models.builtin")
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


def create_model(name: str, context: ModelContext | None = None, **overrides: Any):
    """Build a fresh, unfitted model for ``context`` (default: the ``full`` profile, seed 0)."""
    return get_model_spec(name).build(context or ModelContext(), **overrides)
