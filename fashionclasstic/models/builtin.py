"""Imports each built-in family module once; the import order is the registry's order.

Heavy frameworks are imported inside the factories, never here.
"""

# isort: off
from fashionclasstic.models import linear  # noqa: F401  logreg
from fashionclasstic.models import svm  # noqa: F401  svm
from fashionclasstic.models import trees  # noqa: F401  decision_tree, random_forest
from fashionclasstic.models import boosting  # noqa: F401  xgboost
from fashionclasstic.models import keras_dense  # noqa: F401  dnn
from fashionclasstic.models import keras_cnn_rnn  # noqa: F401  cnn_rnn
from fashionclasstic.models import keras_mobilenet  # noqa: F401  mobilenetv2, mobilenetv2_scratch
from fashionclasstic.models import torch_deit  # noqa: F401  deit, deit_scratch
# isort: on
