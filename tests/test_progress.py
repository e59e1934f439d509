"""Live progress: what a model reports reaches the terminal, plainly in a log, never with -q."""

import time
from types import SimpleNamespace

import pytest

from fashionclasstic import progress
from fashionclasstic.plugin.live import LiveProgress
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
def test_progress_lines_reach_a_log(suite, workers):
    args = ("--fc-models=stepper", "--fc-profile=smoke", f"--fc-data-dir={suite.data_dir}", "--fc-no-report")
    shown = suite.runpytest_subprocess(*args, *workers)
    shown.assert_outcomes(passed=2)
    if workers:  # the controller polls the workers' files: the last line at least
        shown.stdout.fnmatch_lines(["[[]gw0[]] stepper: epoch */3, val. accuracy *"])
    else:
        shown.stdout.fnmatch_lines(["stepper: epoch 1/3, val. accuracy 0.6000, * elapsed, about * left",
                                    "stepper: epoch 3/3, val. accuracy 0.8000, * elapsed"])


class Config:
    """What LiveProgress reads of pytest's config: the verbosity, a worker's input, the plugins."""

    pluginmanager = SimpleNamespace(get_plugin=lambda name: None)  # no terminal to write to

    def __init__(self, verbosity: int, workerinput: dict | None = None):
        self.verbosity = verbosity
        if workerinput is not None:
            self.workerinput = workerinput

    def get_verbosity(self) -> int:
        return self.verbosity


@pytest.mark.parametrize("verbosity, shown", [(0, True), (-1, False)], ids=["default", "-q"])
def test_quiet_hides_progress_serially_and_under_xdist(verbosity, shown, tmp_path):
    """Serially nobody subscribes under -q; under xdist the controller neither watches its
    workers nor gives them the folder, so they write no progress at all."""
    serial = LiveProgress(Config(verbosity))
    serial.pytest_sessionstart(None)
    controller, node = LiveProgress(Config(verbosity)), SimpleNamespace(workerinput={})
    controller.pytest_configure_node(node)
    try:
        assert (serial.unsubscribe is not None) is shown
        assert ("fc_progress_dir" in node.workerinput) is shown
        assert (controller.poller is not None and controller.poller.is_alive()) is shown
        worker = LiveProgress(Config(verbosity, workerinput={"workerid": "gw0", **node.workerinput}))
        worker.pytest_sessionstart(None)
        progress.report("stepper", 1, 3, "epoch", time.perf_counter())
        written = controller.folder is not None and (controller.folder / "gw0.txt").is_file()
        assert written is shown
        worker.pytest_sessionfinish()
    finally:
        serial.pytest_sessionfinish()
        controller.pytest_sessionfinish()
