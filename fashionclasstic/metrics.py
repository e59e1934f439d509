"""The same metrics for every model: the scalar scores, the confusion matrix and the
per-class scores. Which scalar scores a record holds is declared in :mod:`fashionclasstic.records`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    from sklearn.metrics import accuracy_score

    return float(accuracy_score(y_true, y_pred))


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y_true, y_pred, labels=np.arange(10), average="macro", zero_division=0))


@dataclass
class Evaluation:
    """What the scalar scores cannot show: where the errors go."""

    confusion: list[list[int]]  # rows: true class, columns: predicted class
    per_class: dict[str, dict[str, float]]
    classification_report: str


def as_predictions(y_true: np.ndarray, y_pred) -> np.ndarray:
    """Predicted labels as a flat integer array, checked against the test set's size."""
    y_pred = np.asarray(y_pred).astype(np.int64).ravel()
    if y_pred.shape != y_true.shape:
        raise ValueError(f"the model returned {y_pred.shape[0]} predictions for {y_true.shape[0]} images")
    return y_pred


def evaluate(y_true: np.ndarray, y_pred: np.ndarray, class_names) -> Evaluation:
    from sklearn.metrics import classification_report, confusion_matrix

    labels = list(range(len(class_names)))
    y_pred = as_predictions(y_true, y_pred)
    scores = classification_report(y_true, y_pred, labels=labels, target_names=list(class_names),
                                   output_dict=True, zero_division=0)
    return Evaluation(
        confusion=confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        per_class={name: {k: float(v) for k, v in scores[name].items()} for name in class_names},
        classification_report=classification_report(y_true, y_pred, labels=labels, target_names=list(class_names),
                                                     digits=4, zero_division=0),
    )
