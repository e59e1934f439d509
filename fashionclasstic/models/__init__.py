"""Models: the registry and one small module per family (see :mod:`.builtin`)."""

from fashionclasstic.models.base import BaseClassifier, ModelContext, SklearnClassifier, Validation
from fashionclasstic.models.registry import (
    ModelSpec,
    create_model,
    get_model_spec,
    list_models,
    register_model,
    unregister_model,
)

__all__ = [
    "BaseClassifier",
    "ModelContext",
    "ModelSpec",
    "SklearnClassifier",
    "Validation",
    "create_model",
    "get_model_spec",
    "list_models",
    "register_model",
    "unregister_model",
]

# Built-in models register on import, before any user's or plug-in's, so they list first.
from fashionclasstic.models import builtin  # noqa: E402, F401  isort: skip
