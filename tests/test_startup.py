"""A framework's one-time start-up is paid once per process, before its first model is timed,
and recorded on its own; a network's choice of precision is made before its timed fit, and
the network then trains exactly as if it had chosen inside ``fit``."""

import json

import numpy as np
import pytest

from fashionclasstic.models import ModelContext, startup
from tests.conftest import session_with

TIMED_STARTUP = '''
import time
from pathlib import Path

import numpy as np

from fashionclasstic import register_model
from fashionclasstic.models.startup import register_warm_up


@register_warm_up("sleepy")
def warm_up(context):
    Path("warm_ups").open("a").write("sleepy\\n")
    time.sleep(1.0)


class Quick:
    def fit(self, x, y, validation=None):
        return self

    def predict(self, x):
        return np.zeros(len(x), dtype=np.int64)


@register_model("first", family="test", framework="sleepy", min_accuracy={"smoke": 0.0})
def first(params, context):
    return Quick()


@register_model("second", family="test", framework="sleepy", min_accuracy={"smoke": 0.0})
def second(params, context):
    return Quick()
'''

suite = session_with(TIMED_STARTUP)


def test_a_frameworks_startup_is_paid_once_outside_every_timing(suite):
    result = suite.runpytest(f"--fc-data-dir={suite.data_dir}", "--fc-profile=smoke", "--fc-models=first,second",
                             f"--fc-report-dir={suite.path / 'report'}", "-p", "no:randomly")
    assert result.ret == 0, result.stdout.str()
    assert (suite.path / "warm_ups").read_text() == "sleepy\n"
    results = json.loads((suite.path / "report/results.json").read_text())
    records = {m["model"]: m for m in results["models"]}
    assert records["first"]["framework_startup_seconds"] >= 1.0
    assert records["second"]["framework_startup_seconds"] is None
    assert all(r["train_seconds"] < 0.5 and max(r["inference_samples"]) < 0.5 for r in records.values())
    assert results["run"]["startup_seconds"] == {"sleepy": records["first"]["framework_startup_seconds"]}


def test_a_warm_up_runs_once_per_framework_and_process():
    calls = []
    startup.register_warm_up("counted")(calls.append)
    context = ModelContext(seed=3)
    try:
        assert startup.warm_up("counted", context) >= 0.0
        assert startup.warm_up("counted", context) is None
        assert startup.warm_up("no such framework", context) is None
        assert calls == [context] and "counted" in startup.paid_in_this_process()
    finally:
        startup._WARM_UPS.pop("counted", None)
        startup._PAID.pop("counted", None)


def test_every_built_in_framework_has_a_warm_up():
    from fashionclasstic.models import list_models
    from fashionclasstic.models.registry import get_model_spec

    frameworks = {get_model_spec(name).framework for name in list_models()}
    assert frameworks <= set(startup._WARM_UPS), frameworks - set(startup._WARM_UPS)


def test_a_prepared_network_trains_as_one_that_chose_in_fit(monkeypatch):
    """The step probe runs in ``prepare`` (untimed); ``fit`` then starts from the random state
    the probe left, so dropout draws, and so the trained network, are the same as before."""
    torch = pytest.importorskip("torch")
    from fashionclasstic.models import torch_support

    def both_probed(torch, device, requested, step=None):  # the probe's steps, without its clock
        for precision in ("float32", "float32", "bfloat16", "bfloat16"):
            step(precision)
        return "float32", "chosen for the test"

    monkeypatch.setattr(torch_support, "choose_precision", both_probed)

    def build(params, torch):
        return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Dropout(0.5), torch.nn.Linear(784, 10))

    def trained(prepare: bool):
        model = torch_support.TorchClassifier(
            name="probe", build=build, context=ModelContext(seed=0, threads=1),
            params=dict(torch_support.TRAINING_DEFAULTS, epochs=1, batch_size=32, precision="auto"))
        if prepare:
            model.prepare(x, y)
        model.fit(x, y)
        return model.precision_reason, [p.detach().clone() for p in model.network.parameters()]

    rng = np.random.default_rng(0)
    x, y = rng.random((96, 28, 28), dtype=np.float32), np.arange(96) % 10
    (reason, prepared), (chosen_in_fit, unprepared) = trained(prepare=True), trained(prepare=False)
    assert reason == chosen_in_fit == "chosen for the test"
    assert all(torch.equal(a, b) for a, b in zip(prepared, unprepared, strict=True))


def test_a_run_reports_the_longest_startup_of_its_processes():
    """Under xdist each worker pays its framework's start-up; the run keeps the longest, each
    record its own."""
    from fashionclasstic.records import CaseRecord, startup_seconds

    records = [CaseRecord(model="a", framework="keras", worker="gw0", framework_startup_seconds=6.5),
               CaseRecord(model="b", framework="keras", worker="gw1", framework_startup_seconds=7.25),
               CaseRecord(model="c", framework="keras", worker="gw1", framework_startup_seconds=None),
               CaseRecord(model="d", framework="torch", worker="gw0", framework_startup_seconds=3.0)]
    assert startup_seconds(records) == {"keras": 7.25, "torch": 3.0}
