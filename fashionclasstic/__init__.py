"""FashionClasstic: an honest, pytest-driven benchmark suite for Fashion-MNIST classifiers."""

from fashionclasstic.errors import ConfigError, DataError, FashionClassticError, ModelUnavailable
from fashionclasstic.models import ModelSpec, create_model, get_model_spec, list_models, register_model

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DataError",
    "FashionClassticError",
    "ModelSpec",
    "ModelUnavailable",
    "create_model",
    "get_model_spec",
    "list_models",
    "register_model",
    "__version__",
]
