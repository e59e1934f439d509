"""A user's careless model cannot hurt the others: each breach of the protocol is that model's
own one-line verdict, and the suite's model in the same run keeps its accuracy."""

import json

import pytest

CARELESS = '''
import numpy as np

from fashionclasstic import register_model


class Plain:
    """Only fit and predict (nearest class mean), no base class: the whole protocol the suite needs."""

    def fit(self, x, y, validation=None):
        flat = x.reshape(len(x), -1)
        self.centroids = np.stack([flat[y == c].mean(axis=0) for c in range(10)])
        return self

    def scores(self, x):
        return x.reshape(len(x), -1) @ self.centroids.T - 0.5 * (self.centroids ** 2).sum(1)

    def predict(self, x):
        return self.scores(x).argmax(1)


class Mutator(Plain):
    def fit(self, x, y, validation=None):
        x *= 255  # an in-place "normalisation" of the suite's shared images
        return super().fit(x, y)


class NoReturn(Plain):
    def fit(self, x, y, validation=None):
        super().fit(x, y)


class Probabilities(Plain):
    def predict(self, x):
        scores = np.exp(self.scores(x) - self.scores(x).max(1, keepdims=True))
        return scores / scores.sum(1, keepdims=True)


class FloatLabels(Plain):
    def predict(self, x):
        return super().predict(x).astype(np.float32)


class BadClose(Plain):
    def close(self):
        raise RuntimeError("the GPU went away")


for name, cls in [("mutator", Mutator), ("plain", Plain), ("no_return", NoReturn), ("probabilities", Probabilities),
                  ("float_labels", FloatLabels), ("bad_close", BadClose)]:
    register_model(name, family="user", framework="numpy", min_accuracy={"smoke": 0.6})(
        lambda params, context, cls=cls: cls())
'''


def test_each_careless_model_gets_its_own_verdict_and_the_suite_model_keeps_its_accuracy(bench_session):
    bench_session.makepyfile(careless_models=CARELESS)
    report = bench_session.path / "report"
    result = bench_session.runpytest_subprocess(
        "-p", "careless_models", f"--fc-data-dir={bench_session.data_dir}", "--fc-profile=smoke",
        f"--fc-report-dir={report}", "--fc-no-figures",
        # each model after a careless one; plain (no close) right before the suite's model
        "--fc-models=mutator,bad_close,no_return,probabilities,float_labels,plain,decision_tree", timeout=240)
    output = result.stdout.str()
    assert "Traceback" not in output
    models = {m["model"]: m for m in json.loads((report / "results.json").read_text())["models"]}
    verdicts = {name: (m["status"], m["reason"]) for name, m in models.items()}
    assert verdicts["mutator"][0] == "failed"
    assert "mutator: fit() tried to write into the images it was given" in verdicts["mutator"][1]
    assert "x = x.copy()" in verdicts["mutator"][1]
    assert verdicts["plain"] == ("passed", "") and models["plain"]["parameter_count"] is None
    assert verdicts["no_return"] == ("passed", "")
    assert models["no_return"]["notes"].startswith("fit() returned None, not the model: end fit with 'return self'")
    assert verdicts["probabilities"][0] == "failed"
    assert verdicts["probabilities"][1].startswith(
        "probabilities: predict() gave shape (2000, 10), dtype float32, values 0.0..1.0 for 2000 images; "
        "probabilities or scores? return their argmax (predictions.argmax(axis=1))")
    assert verdicts["float_labels"][0] == "failed"
    assert "dtype float32, values 0.0..9.0 for 2000 images; return integers" in verdicts["float_labels"][1]
    assert verdicts["bad_close"][0] == "failed"
    assert "bad_close: close() failed (RuntimeError: the GPU went away)" in verdicts["bad_close"][1]
    # the models after the careless ones trained on intact data, and none was blamed for the one before
    assert models["plain"]["accuracy"] > 0.6 and models["no_return"]["accuracy"] == models["plain"]["accuracy"]
    assert verdicts["decision_tree"] == ("passed", "")
    assert models["decision_tree"]["accuracy"] >= models["decision_tree"]["min_accuracy"]
    result.stdout.fnmatch_lines(["*note: no_return: fit() returned None*"])
    for line in (line for line in output.splitlines() if line.startswith(("FAILED", "ERROR"))):
        assert any(f"[{name}]" in line for name in ("mutator", "probabilities", "float_labels", "bad_close")), line
    assert result.ret == pytest.ExitCode.TESTS_FAILED
