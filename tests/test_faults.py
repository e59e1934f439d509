"""Faults: a worker or process that dies, bad input, and what survives them."""


import pytest

from tests.conftest import CENTROID_MODEL, results_of, run_smoke, session_with

CRASHER = '''
import os
import signal

from fashionclasstic import register_model
from fashionclasstic.models import BaseClassifier


class Crasher(BaseClassifier):
    def fit(self, x, y, validation=None):
        os.kill(os.getpid(), signal.SIGKILL)  # as a segfault or the OOM killer would


@register_model("crasher", family="test", framework="none")
def crasher(params, context):
    return Crasher()
''' + CENTROID_MODEL


suite = session_with(crasher_models=CRASHER)


def run(suite, *args):
    return run_smoke(suite, "-p", "crasher_models", f"--fc-report-dir={suite.path / 'report'}", *args, timeout=240)


def results(suite) -> dict:
    return results_of(suite.path / "report")


def test_a_crashing_worker_ends_its_model_only_and_the_run_ends_by_itself(suite):
    result = run(suite, "-n", "2", "--fc-models=centroid,crasher,centroid_twin")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=4, failed=1, skipped=1)
    output = result.stdout.str()
    assert output.count("node down") == 1 and output.count("replacing crashed worker") <= 1  # never retried
    models = {m["model"]: m for m in results(suite)["models"]}
    assert models["crasher"]["status"] == "crashed"
    assert "killed by SIGKILL" in models["crasher"]["reason"] and "test_train[crasher]" in models["crasher"]["reason"]
    assert models["centroid"]["status"] == models["centroid_twin"]["status"] == "passed"
    result.stdout.fnmatch_lines(["*crasher*crashed: worker gw*"])  # the reason is whole in results.json (above)
    assert results(suite)["run"]["complete"] is True


def test_a_killed_serial_run_keeps_every_finished_model(suite):
    result = run(suite, "--fc-models=centroid,centroid_twin,crasher")
    assert result.ret == -9  # the process itself was killed
    saved = results(suite)
    assert saved["run"]["complete"] is False
    assert {m["model"]: m["status"] for m in saved["models"]} == {
        "centroid": "passed", "centroid_twin": "passed", "crasher": "not run"}


def test_a_report_that_cannot_be_written_fails_the_run(suite, tmp_path):
    report = tmp_path / "report"
    result = suite.runpytest_subprocess("-p", "crasher_models", f"--fc-data-dir={suite.data_dir}",
                                        "--fc-profile=smoke", f"--fc-report-dir={report}", "--fc-models=centroid",
                                        "-p", "report_blocker")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*report not written: cannot write the report to*"])


@pytest.fixture(autouse=True)
def report_blocker(pytester):
    """A plugin that replaces the report folder by a file once the last case has run (before the
    session's end writes the report)."""
    pytester.makepyfile(report_blocker='''
import shutil
from pathlib import Path

import pytest


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session):
    report = Path(session.config.getoption("fc_report_dir"))
    shutil.rmtree(report, ignore_errors=True)
    report.write_text("in the way")
    return (yield)
''')
