"""compare knows machines and noise: judged on one real run (``data/smoke_3_repeats.json``:
``pytest benchmarks --fc-profile smoke --fc-models random_forest,dnn,logreg --fc-repeats 3``)
and copies of it edited here."""

from __future__ import annotations

import copy
import json
import random

import pytest

from fashionclasstic.runs.compare import compare
from tests.conftest import REAL_RUN

TIME_KEYS = ("train_seconds", "inference_seconds")
SAMPLE_KEYS = ("train_samples", "inference_samples")


@pytest.fixture
def run_a() -> dict:
    return json.loads(REAL_RUN.read_text())


def edited(run: dict, *, machine: str | None = None, times: float = 1.0, inference_samples: float = 1.0,
           shuffle: bool = False, logreg_points: float = 0.0) -> dict:
    run = copy.deepcopy(run)
    if machine:
        run["run"]["machine"]["fingerprint"] = machine
    for model in run["models"]:
        for key in TIME_KEYS:
            model[key] *= times
        model["train_samples"] = [v * times for v in model["train_samples"]]
        model["inference_samples"] = [v * times * inference_samples for v in model["inference_samples"]]
        model["inference_seconds"] *= inference_samples
        if shuffle:
            random.Random(0).shuffle(model["inference_samples"])
        if model["model"] == "logreg":
            model["accuracy"] -= logreg_points / 100
    return run


def judge(tmp_path, run_a, run_b, fail_on: str, *extra: str) -> tuple[int, str]:
    lines: list[str] = []
    paths = []
    for name, run in (("a", run_a), ("b", run_b)):
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(run))
    status = compare([str(p) for p in paths], fail_on, out=lines.append, cross_machine="--cross-machine" in extra)
    return status, "\n".join(lines)


def test_another_machines_slower_times_are_shown_not_judged(tmp_path, run_a):
    status, text = judge(tmp_path, run_a, edited(run_a, machine="elsewhere", times=2.0),
                         "train_time:25%,inference_time:25%")
    assert status == 0
    assert "times not judged" in text and "different or unknown machines" in text
    status, text = judge(tmp_path, run_a, edited(run_a, machine="elsewhere", times=2.0),
                         "train_time:25%,inference_time:25%", "--cross-machine")
    assert status == 1 and "train_time grew +100.0%" in text


def test_accuracy_is_judged_across_machines(tmp_path, run_a):
    status, text = judge(tmp_path, run_a, edited(run_a, machine="elsewhere", logreg_points=2.0), "accuracy:0.5")
    assert status == 1 and "logreg: accuracy fell 2.00 points" in text


def test_doubled_training_times_on_the_same_machine_fail(tmp_path, run_a):
    status, text = judge(tmp_path, run_a, edited(run_a, times=2.0), "train_time:25%")
    assert status == 1 and "dnn: train_time grew +100.0%" in text


def test_reshuffled_inference_samples_pass(tmp_path, run_a):
    status, text = judge(tmp_path, run_a, edited(run_a, shuffle=True), "inference_time:10%")
    assert status == 0, text


def test_inference_samples_half_again_as_slow_fail_significantly(tmp_path, run_a):
    status, text = judge(tmp_path, run_a, edited(run_a, inference_samples=1.5), "inference_time:25%")
    assert status == 1 and "inference_time grew +50.0%" in text and "Mann-Whitney U p = " in text


def test_a_drop_within_the_noise_of_the_repeats_is_a_note(tmp_path, run_a):
    noisy = copy.deepcopy(run_a)
    for run, delta in ((noisy, 0.0), (edited(run_a), -0.006)):
        for model in run["models"]:
            if model["model"] == "dnn":
                model["accuracy_std"] = 0.01
                model["accuracy"] += delta
        last = run
    status, text = judge(tmp_path, noisy, last, "accuracy:0.5")
    assert status == 0 and "dnn: accuracy fell 0.60 points" in text and "within the noise of the repeats" in text
