"""The same metrics for every model: accuracy, macro-F1, confusion matrix, per-class scores."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass
class Evaluation:
    accuracy: float
    macro_f1: float
    confusion: list[list[int]]  # rows: true class, columns: predicted class
    per_class: dict[str, dict[str, float]]
    report: str

    def to_dict(self) -> dict:
        return asdict(self)


def evaluate(y_true: np.ndarray, y_pred: np.ndarray, class_names) -> Evaluation:
    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score

    labels = list(range(len(class_names)))
    y_pred = np.asarray(y_pred).astype(np.int64).ravel()
    if y_pred.shape != y_true.shape:
        raise ValueError(f"the model returned {y_pred.shape[0]} predictions for {y_true.shape[0]} images")
    scores = classification_report(y_true, y_pred, labels=labels, target_names=list(class_names),
                                   output_dict=True, zero_division=0)
    return Evaluation(
        accuracy=float(accuracy_score(y_true, y_pred)),
        macro_f1=float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        confusion=confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        per_class={name: {k: float(v) for k, v in scores[name].items()} for name in class_names},
        report=classification_report(y_true, y_pred, labels=labels, target_names=list(class_names),
                                     digits=4, zero_division=0),
    )
