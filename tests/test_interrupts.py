"""Ctrl-C and SIGTERM in the middle of a model's training, serially and under xdist: every case
that finished is kept (pytest-benchmark's JSON, the whole report), the running model is
``interrupted``, and the run ends with exit status 2 and no traceback. Real signals, sent once
the slow model's fit has begun and the quick model's results are on disk."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from fashionclasstic.plugin.interrupts import Interrupted, InterruptHandler
from tests.conftest import CENTROID_MODEL

SLOW_MODEL = '''
import time
from pathlib import Path

import numpy as np

from fashionclasstic import register_model


class Slow:
    def fit(self, x, y, validation=None):
        Path("slow_fit_started").touch()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # until the test's signal arrives
            time.sleep(0.05)
        return self

    def predict(self, x):
        return np.zeros(len(x), dtype=np.int64)


@register_model("slow", family="test", framework="none")
def slow(params, context):
    return Slow()
''' + CENTROID_MODEL

# Cuts the report short where a second Ctrl-C would land: a publisher that takes its time.
SLOW_PUBLISHER = '''
import time
from pathlib import Path

import pytest

from fashionclasstic.reporting.publishers import Publisher


def take_time(report):
    Path("slow_publisher_started").touch()
    time.sleep(60)


def pytest_fashionclasstic_publishers(publishers):
    publishers.append(Publisher("slow", take_time))
'''

# Stretches the handling of the first signal (pytest formats the interruption in this hook) so
# that a second one 0.3 s later lands there, as it does for a user pressing Ctrl-C twice.
SLOW_INTERRUPTION = '''
import time
from pathlib import Path


def pytest_keyboard_interrupt(excinfo):
    Path("interruption_handled").touch()
    time.sleep(1.5)
'''


def wait_for(condition, process, timeout=180.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, "the run ended before the signal"
        assert time.monotonic() < deadline, "timed out waiting for the run"
        time.sleep(0.1)


def saved(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def quick_model_finished(report):
    results = saved(report / "results.json")
    return bool(results) and any(m["model"] == "centroid" and m["inference_seconds"] for m in results["models"])


def start(suite, *args):
    suite.makepyfile(slow_models=SLOW_MODEL, slow_publisher=SLOW_PUBLISHER, slow_interruption=SLOW_INTERRUPTION)
    log = open(suite.path / "output.txt", "w")  # noqa: SIM115 - closed by the caller through the process
    process = suite.popen([sys.executable, "-m", "pytest", "-p", "slow_models", f"--fc-data-dir={suite.data_dir}",
                           "--fc-profile=smoke", f"--fc-report-dir={suite.path / 'report'}", "-p", "no:cacheprovider",
                           "--fc-models=centroid,slow", "--benchmark-autosave", *args],
                          stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                          # as from a terminal: a job started with '&' by a script (as this test
                          # run may be) ignores SIGINT, and an ignored signal stays ignored
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    process.log = log
    return process


def finish(process, timeout=120):
    try:
        process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.log.close()
    return process.returncode


@pytest.mark.parametrize("signal_name, xdist", [
    ("SIGINT", False),
    pytest.param("SIGTERM", False, marks=pytest.mark.slow),
    pytest.param("SIGINT", True, marks=pytest.mark.slow),
    # to the controller alone: its workers are stopped after the report is written
    pytest.param("SIGTERM", True, marks=pytest.mark.slow),
], ids=["sigint-serial", "sigterm-serial", "sigint-xdist", "sigterm-xdist"])
def test_an_interrupted_run_keeps_every_finished_case(bench_session, signal_name, xdist):
    suite, report = bench_session, bench_session.path / "report"
    process = start(suite, *(["-n", "2"] if xdist else []))
    wait_for(lambda: (suite.path / "slow_fit_started").exists() and quick_model_finished(report), process)
    if signal_name == "SIGINT" and xdist:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in a terminal reaches the controller and its workers
    else:
        process.send_signal(getattr(signal, signal_name))  # what a CI runner sends to the job's process
    assert finish(process) == pytest.ExitCode.INTERRUPTED
    output = (suite.path / "output.txt").read_text()
    assert "Traceback" not in output and "Error" not in output.replace("PytestBenchmarkWarning", "")
    label = "SIGINT (Ctrl-C)" if signal_name == "SIGINT" else "SIGTERM"
    assert f"Interrupted: stopped by {label}; the cases that finished are kept" in output
    results = saved(report / "results.json")
    assert results["run"]["exit_status"] == pytest.ExitCode.INTERRUPTED
    models = {m["model"]: m for m in results["models"]}
    assert models["centroid"]["status"] == "passed"
    assert (models["slow"]["status"], models["slow"]["reason"]) == (
        "interrupted", f"stopped by {label} during test_train[slow]")
    assert (report / "index.html").is_file() and (report / "models/centroid/confusion.png").is_file()
    [saved_benchmarks] = (suite.path / ".benchmarks").glob("*/0001_*.json")
    benchmarks = {b["name"]: b for b in saved(saved_benchmarks)["benchmarks"]}
    assert sorted(benchmarks) == ["test_inference[centroid]", "test_train[centroid]"]
    assert benchmarks["test_train[centroid]"]["extra_info"]["accuracy"] == models["centroid"]["accuracy"]
    if xdist:  # written by the suite from its records, the suite's clock said
        assert "fashionclasstic wall-clock" in benchmarks["test_train[centroid]"]["options"]["timer"]
        assert (f"pytest-benchmark JSON (wall-clock: pytest-benchmark is off under xdist): {saved_benchmarks}"
                in " ".join(output.split()))  # the line is wrapped to the terminal


@pytest.mark.parametrize("to_group", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["job", "terminal"])
def test_an_isolated_run_stops_the_models_process_and_keeps_what_finished(bench_session, to_group):
    """--fc-isolate: the signal reaches the running model's own process (from a terminal, or
    passed on to it), which stops its case; the finished model's cases stay."""
    suite, report = bench_session, bench_session.path / "report"
    process = start(suite, "--fc-isolate")
    wait_for(lambda: (suite.path / "slow_fit_started").exists() and quick_model_finished(report), process)
    if to_group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGTERM)
    assert finish(process) == pytest.ExitCode.INTERRUPTED
    output = (suite.path / "output.txt").read_text()
    assert "Traceback" not in output
    label = "SIGINT (Ctrl-C)" if to_group else "SIGTERM"
    results = saved(report / "results.json")
    models = {m["model"]: m for m in results["models"]}
    assert (models["centroid"]["status"], models["slow"]["status"]) == ("passed", "interrupted")
    assert models["slow"]["reason"] == f"stopped by {label} during test_train[slow]"
    [saved_benchmarks] = (suite.path / ".benchmarks").glob("*/0001_*.json")
    benchmarks = {b["name"]: b for b in saved(saved_benchmarks)["benchmarks"]}
    assert sorted(benchmarks) == ["test_inference[centroid]", "test_train[centroid]"]
    assert benchmarks["test_train[centroid]"]["options"]["timer"] == "pytest-benchmark (perf_counter)"


@pytest.mark.parametrize("second", ["SIGINT", pytest.param("SIGTERM", marks=pytest.mark.slow)])
def test_a_second_signal_while_the_first_is_handled_is_one_line(bench_session, second):
    """Ctrl-C twice, 0.3 s apart: the second lands while pytest handles the first; it neither
    starts a traceback nor changes the exit status, and what the first wrote stays."""
    suite, report = bench_session, bench_session.path / "report"
    process = start(suite, "-p", "slow_interruption")
    wait_for(lambda: (suite.path / "slow_fit_started").exists() and quick_model_finished(report), process)
    process.send_signal(signal.SIGINT)
    time.sleep(0.3)
    process.send_signal(getattr(signal, second))
    assert finish(process) == pytest.ExitCode.INTERRUPTED
    output = (suite.path / "output.txt").read_text()
    assert (suite.path / "interruption_handled").exists()
    assert "Traceback" not in output
    label = "SIGINT (Ctrl-C)" if second == "SIGINT" else "SIGTERM"
    assert f"{label} again: saving what finished, a moment..." in output
    results = saved(report / "results.json")
    assert results["run"]["exit_status"] == pytest.ExitCode.INTERRUPTED
    assert {m["model"]: m["status"] for m in results["models"]} == {"centroid": "passed", "slow": "interrupted"}
    [saved_benchmarks] = (suite.path / ".benchmarks").glob("*/0001_*.json")
    assert sorted(b["name"] for b in saved(saved_benchmarks)["benchmarks"]) == [
        "test_inference[centroid]", "test_train[centroid]"]
    assert (report / "index.html").is_file()


@pytest.mark.slow  # the handler's part of it is test_a_second_signal_only_cuts_the_report_short
def test_a_second_ctrl_c_while_the_report_is_written_leaves_valid_files(bench_session):
    suite, report = bench_session, bench_session.path / "report"
    process = start(suite, "-p", "slow_publisher")
    wait_for(lambda: (suite.path / "slow_fit_started").exists() and quick_model_finished(report), process)
    process.send_signal(signal.SIGINT)
    wait_for(lambda: (suite.path / "slow_publisher_started").exists(), process)
    process.send_signal(signal.SIGINT)
    assert finish(process) == pytest.ExitCode.INTERRUPTED
    output = (suite.path / "output.txt").read_text()
    assert "Traceback" not in output
    assert ("report not written: cut short by SIGINT (Ctrl-C) again while the report was written"
            in " ".join(output.split()))  # the line is wrapped to the terminal
    results = saved(report / "results.json")
    assert results["run"]["exit_status"] == pytest.ExitCode.INTERRUPTED
    assert {m["model"]: m["status"] for m in results["models"]} == {"centroid": "passed", "slow": "interrupted"}
    assert not (report / "index.html").exists() and not list(report.rglob("*.tmp"))
    assert (report / "models/centroid/summary.txt").is_file()


def test_a_second_signal_only_cuts_the_report_short(capfd):
    """The handler alone, in this process: the first signal interrupts; another one interrupts
    only the report once the session ends (inside ``abortable``) and is otherwise one line."""
    outer = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)  # this test run's own plugin installed its handler
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    handler = InterruptHandler()
    handler.install()
    try:
        with pytest.raises(Interrupted, match="stopped by SIGTERM; the cases that finished are kept"):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)  # the handler runs here
        handler.finishing = True
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.1)  # ignored: the finished work is being saved
        assert "SIGINT (Ctrl-C) again: saving what finished, a moment..." in capfd.readouterr().err
        with pytest.raises(Interrupted, match="again while the report was written"), handler.abortable():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
        handler.uninstall()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    finally:
        handler.uninstall()
        for number, previous in outer.items():
            signal.signal(number, previous)


def test_a_third_signal_quits_at_once(tmp_path):
    """For a run that hangs while it stops: the third signal ends the process, exit 2, one line."""
    script = tmp_path / "hang.py"
    script.write_text(
        "import os, signal, sys, time\n"
        "from fashionclasstic.plugin.interrupts import Interrupted, InterruptHandler\n"
        "handler = InterruptHandler()\n"
        "handler.install()\n"
        "try:\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    time.sleep(5)\n"
        "except Interrupted:\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    time.sleep(0.2)\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    time.sleep(5)\n"
        "print('not quit')\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.default_int_handler))
    assert done.returncode == pytest.ExitCode.INTERRUPTED
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert [line for line in done.stderr.splitlines() if line] == [
        "SIGTERM again: saving what finished, a moment...",
        "SIGINT (Ctrl-C) a third time: quitting at once; the files written so far are kept"]
