"""How the benchmark cases are named: one home for the model parameter and the case ids.

Each model has two cases, ``test_train[<model>]`` and ``test_inference[<model>]``
(:mod:`fashionclasstic.benchmarks.test_models`), parametrized by :data:`MODEL_PARAMETER`. The
plugin, the scheduler, sharding, the run header and the readers of pytest-benchmark files find
a case's model and phase here, and nowhere else.
"""

from __future__ import annotations

import re

MODEL_PARAMETER = "fc_model"  # the fixture every case is parametrized by, one value per model
PHASES = ("train", "inference")  # a model's cases, in the order they run
CASES_MODULE = "benchmarks/test_models.py"  # where the cases live, for a record that has no node id

_CASE_NAME = re.compile(r"^test_(train|inference)\[(.+)\]$")


def case_name(phase: str, model: str) -> str:
    """``test_train[logreg]``: the name of ``model``'s case of ``phase``."""
    return f"test_{phase}[{model}]"


def parse_case_name(name: str) -> tuple[str, str] | None:
    """``(phase, model)`` of a benchmark case from its name or node id
    (``benchmarks/test_models.py::test_train[logreg]`` -> ``("train", "logreg")``)."""
    found = _CASE_NAME.match(name.rsplit("::", 1)[-1])
    return (found.group(1), found.group(2)) if found else None


def model_of_case(name: str) -> str | None:
    """The model of a case's name or node id (None: not a benchmark case)."""
    case = parse_case_name(name)
    return case[1] if case else None


def model_of_item(item) -> str | None:
    """The model a collected pytest item runs, from its parametrization (None: not a case)."""
    callspec = getattr(item, "callspec", None)
    return callspec.params.get(MODEL_PARAMETER) if callspec is not None else None
