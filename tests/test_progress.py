"""Live progress: what a model reports reaches the terminal, plainly in a log, never with -q."""

import time

import pytest

from fashionclasstic import progress
from tests.conftest import session_with

STEPPER = '''
from fashionclasstic import progress, register_model
from fashionclasstic.models import SklearnClassifier


class Stepper(SklearnClassifier):
    def fit(self, x, y, validation=None):
        import time
        started = time.perf_counter()
        for epoch in range(1, 4):
            progress.report("stepper", epoch, 3, "epoch", started, val_accuracy=0.5 + epoch / 10)
        return super().fit(x, y, validation)


@register_model("stepper", family="test", framework="scikit-learn")
def stepper(params, context):
    from sklearn.neighbors import NearestCentroid
    return Stepper(estimator=NearestCentroid())
'''


def test_a_progress_line_says_model_step_accuracy_and_time_left():
    started = time.perf_counter() - 30
    seen = []
    stop = progress.subscribe(seen.append)
    try:
        progress.report("dnn", 3, 25, "epoch", started, val_accuracy=0.8812, loss=0.3)
    finally:
        stop()
    progress.report("dnn", 4, 25, "epoch", started)  # nobody listens any more
    assert len(seen) == 1
    text = seen[0].text()
    assert text.startswith("dnn: epoch 3/25, val. accuracy 0.8812, 30 s elapsed, about 3.7 min left"), text


suite = session_with(STEPPER)


@pytest.mark.parametrize("workers", [[], ["-n", "1"]], ids=["serial", "xdist"])
def test_progress_lines_reach_a_log_and_quiet_hides_them(suite, workers):
    args = ("--fc-models=stepper", "--fc-profile=smoke", f"--fc-data-dir={suite.data_dir}", "--fc-no-report")
    shown = suite.runpytest_subprocess(*args, *workers)
    shown.assert_outcomes(passed=2)
    if workers:  # the controller polls the workers' files: the last line at least
        shown.stdout.fnmatch_lines(["[[]gw0[]] stepper: epoch */3, val. accuracy *"])
    else:
        shown.stdout.fnmatch_lines(["stepper: epoch 1/3, val. accuracy 0.6000, * elapsed, about * left",
                                    "stepper: epoch 3/3, val. accuracy 0.8000, * elapsed"])
    if workers:  # -q: the controller does not even watch the workers (serial: nobody subscribes)
        quiet = suite.runpytest_subprocess(*args, *workers, "-q")
        assert "stepper: epoch" not in quiet.stdout.str()
