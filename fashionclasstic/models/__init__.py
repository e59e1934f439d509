"""Models: the registry (:mod:`.registry`, a leaf) and one small module per family.

Importing this package registers the built-in families, in the order below; that order is
the registry's, and the order the benchmark runs them. Heavy frameworks are imported inside
the factories, never here.
"""

from fashionclasstic.models.base import BaseClassifier, SklearnClassifier
from fashionclasstic.models.registry import (
    ModelContext,
    ModelSpec,
    create_model,
    get_model_spec,
    list_models,
    register_ablations,
    register_model,
    unregister_model,
)

# isort: off
from fashionclasstic.models import linear  # noqa: E402, F401  logreg
from fashionclasstic.models import svm  # noqa: E402, F401  svm
from fashionclasstic.models import trees  # noqa: E402, F401  decision_tree, random_forest(_features)
from fashionclasstic.models import boosting  # noqa: E402, F401  xgboost(_features)
from fashionclasstic.models import hog_svm  # noqa: E402, F401  hog_svm
from fashionclasstic.models import keras_dense  # noqa: E402, F401  dnn
from fashionclasstic.models import keras_cnn_rnn  # noqa: E402, F401  cnn_rnn
from fashionclasstic.models import keras_mobilenet  # noqa: E402, F401  mobilenetv2, mobilenetv2_scratch
from fashionclasstic.models import torch_deit  # noqa: E402, F401  deit, deit_scratch
from fashionclasstic.models import torch_cnn  # noqa: E402, F401  cnn, cnn_wide
from fashionclasstic.models import torch_efficientnet  # noqa: E402, F401  efficientnet_lite0(_scratch)
# isort: on

__all__ = [
    "BaseClassifier",
    "ModelContext",
    "ModelSpec",
    "SklearnClassifier",
    "create_model",
    "get_model_spec",
    "list_models",
    "register_ablations",
    "register_model",
    "unregister_model",
]
