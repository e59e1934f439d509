"""The record of one model's benchmark case: every number a report or a comparison needs.

Records are plain data (JSON-ready), so they travel from xdist workers to the controller and
into ``results.json`` unchanged.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

SCHEMA_VERSION = 1
STATUSES = ("passed", "failed", "error", "skipped", "not run")


@dataclass
class CaseRecord:
    model: str
    family: str = ""
    framework: str = ""
    description: str = ""
    pretrained: bool = False
    profile: str = ""
    seed: int = 0
    threads: int = 0
    n_train: int | None = None
    n_validation: int | None = None
    n_test: int | None = None
    status: str = "not run"
    reason: str = ""
    accuracy: float | None = None
    macro_f1: float | None = None
    min_accuracy: float | None = None
    threshold_origin: str = ""
    train_seconds: float | None = None
    inference_seconds: float | None = None
    inference_rounds: int = 0
    timing: str = ""  # "pytest-benchmark" or "wall-clock" (pytest-benchmark disabled, e.g. xdist)
    parameter_count: int | None = None
    size_bytes: int | None = None
    confusion: list[list[int]] | None = None
    per_class: dict[str, dict[str, float]] | None = None
    report: str = ""
    history: dict[str, list[float]] = field(default_factory=dict)
    feature_importances: list[float] | None = None
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    worker: str = ""

    @property
    def inference_ms_per_image(self) -> float | None:
        if self.inference_seconds is None or not self.n_test:
            return None
        return 1000.0 * self.inference_seconds / self.n_test

    @property
    def gate(self) -> str:
        if self.accuracy is None:
            return ""
        if self.min_accuracy is None:
            return "ungated"
        return "pass" if self.accuracy >= self.min_accuracy else "FAIL"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["inference_ms_per_image"] = self.inference_ms_per_image
        data["gate"] = self.gate
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseRecord:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def merge(self, newer: CaseRecord) -> None:
        """Take what a later phase of the same case learned (train, then inference)."""
        for f in fields(self):
            value = getattr(newer, f.name)
            if value not in (None, "", [], {}, 0) or f.name == "status":
                setattr(self, f.name, value)
