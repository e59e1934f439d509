"""``--fc-isolate``: each model's cases in a fresh Python process, as asv runs each benchmark.

The session collects as usual; then, model by model, it starts ``python -m pytest`` again with
the same arguments, in the same folder, keeping only that model's cases. The child times them
(pytest-benchmark's clock), writes nothing itself (no report, no pytest-benchmark file), and
sends each test report back through pytest's own serialization
(``pytest_report_to_serializable``, as xdist does); this session replays them, so its report,
its records and its pytest-benchmark JSON (built from the records, the child's samples) hold
every case as a serial run would. Nothing a model or its framework leaves in a process reaches
the next model; each model pays its framework's start-up again (outside its timing).

Ctrl-C or SIGTERM: the signal is passed to the running child, which stops its case; the cases
it finished are replayed and the running one is ``interrupted``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from itertools import groupby
from pathlib import Path

import pytest

from fashionclasstic.plugin.scheduling import CRASH_PROPERTY

CHILD_ENVIRONMENT = "FASHIONCLASSTIC_ISOLATED_CHILD"  # {"nodeids": [...], "reports": path}
PLUGIN_NAME = "fashionclasstic-isolation"
LOG_TAIL_LINES = 30


def child_request() -> dict | None:
    """What the parent asked of this process, when it is an isolated child."""
    request = os.environ.get(CHILD_ENVIRONMENT)
    return json.loads(request) if request else None


def configure_child(config: pytest.Config, request: dict) -> None:
    """Before the suite reads its settings and pytest-benchmark starts: the parent writes every
    file, so the child writes none."""
    config.option.fc_no_report = True
    config.option.fc_isolate = False
    for option, off in (("benchmark_autosave", False), ("benchmark_save", None), ("benchmark_json", None),
                        ("benchmark_compare", None), ("benchmark_histogram", None)):
        if hasattr(config.option, option):
            setattr(config.option, option, off)
    config.pluginmanager.register(IsolatedChild(config, request), PLUGIN_NAME)


class IsolatedChild:
    """In the child: keeps the model's cases and writes their reports for the parent."""

    def __init__(self, config: pytest.Config, request: dict):
        self._config = config
        self.nodeids = set(request["nodeids"])
        self.reports = Path(request["reports"])

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config, items) -> None:
        kept = [item for item in items if item.nodeid in self.nodeids]
        deselected = [item for item in items if item.nodeid not in self.nodeids]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
        items[:] = kept

    def _send(self, message: dict) -> None:
        with self.reports.open("a", encoding="utf-8") as stream:
            stream.write(json.dumps(message) + "\n")

    def pytest_runtest_logstart(self, nodeid: str, location) -> None:
        self._send({"event": "logstart", "nodeid": nodeid, "location": list(location)})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        config = self._config
        self._send({"event": "report", "data": config.hook.pytest_report_to_serializable(config=config,
                                                                                          report=report)})

    def pytest_runtest_logfinish(self, nodeid: str, location) -> None:
        self._send({"event": "logfinish", "nodeid": nodeid, "location": list(location)})


class Isolation:
    """In the parent: runs each model's cases in a child process and replays its reports."""

    def __init__(self, config: pytest.Config, model_of):
        self.config, self.model_of = config, model_of

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session):
        if session.testsfailed and not session.config.option.continue_on_collection_errors:
            raise session.Interrupted(f"{session.testsfailed} error(s) during collection")
        if session.config.option.collectonly:
            return True
        for model, items in groupby(session.items, key=self.model_of):
            self.run_child(model, list(items))
            if session.shouldfail or session.shouldstop:
                break
        if session.shouldfail:
            raise session.Failed(session.shouldfail)
        if session.shouldstop:
            raise session.Interrupted(session.shouldstop)
        return True

    def run_child(self, model: str | None, items: list[pytest.Item]) -> None:
        config = self.config
        with tempfile.TemporaryDirectory(prefix="fashionclasstic-isolated-") as folder:
            reports, log = Path(folder) / "reports.jsonl", Path(folder) / "output.txt"
            request = {"nodeids": [item.nodeid for item in items], "reports": str(reports)}
            command = [sys.executable, "-m", "pytest", *config.invocation_params.args]
            with log.open("wb") as output:
                child = subprocess.Popen(command, cwd=config.invocation_params.dir, stdout=output,
                                         stderr=subprocess.STDOUT,
                                         env={**os.environ, CHILD_ENVIRONMENT: json.dumps(request)})
                try:
                    code = child.wait()
                except KeyboardInterrupt as interruption:  # Ctrl-C or SIGTERM (Interrupted): the child's too
                    stop(child, getattr(interruption, "signal_name", "SIGINT"))
                    self.replay(reports)
                    raise
                except BaseException:
                    stop(child, "SIGKILL")
                    raise
            finished = self.replay(reports)
            if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or not finished:
                tail = log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
                sys.stderr.write(f"\n--fc-isolate: the process of {model or 'the cases'} ended with exit status "
                                 f"{code}; its last lines:\n" + "\n".join(tail) + "\n")
                self.crashed(items, finished, code)

    def replay(self, reports: Path) -> set[str]:
        """The child's reports as this session's own; the node ids of the cases it finished."""
        config, hook = self.config, self.config.hook
        finished: set[str] = set()
        if not reports.is_file():
            return finished
        for line in reports.read_text(encoding="utf-8").splitlines():
            try:
                message = json.loads(line)
            except ValueError:
                continue  # a line cut short by the child's end
            if message["event"] == "logstart":
                hook.pytest_runtest_logstart(nodeid=message["nodeid"], location=tuple(message["location"]))
            elif message["event"] == "report":
                report = hook.pytest_report_from_serializable(config=config, data=message["data"])
                hook.pytest_runtest_logreport(report=report)
            elif message["event"] == "logfinish":
                finished.add(message["nodeid"])
                hook.pytest_runtest_logfinish(nodeid=message["nodeid"], location=tuple(message["location"]))
        return finished

    def crashed(self, items: list[pytest.Item], finished: set[str], code: int) -> None:
        """The cases the child never finished fail here, each with the child's exit status."""
        for item in items:
            if item.nodeid in finished:
                continue
            report = pytest.TestReport(item.nodeid, item.location, {}, "failed",
                                       f"its fresh process (--fc-isolate) ended with exit status {code} before the "
                                       f"case finished", "call", user_properties=[(CRASH_PROPERTY, None)])
            self.config.hook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
            self.config.hook.pytest_runtest_logreport(report=report)
            self.config.hook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)


def stop(child: subprocess.Popen, signal_name: str) -> None:
    """Pass the signal on and wait for the child to save what it finished."""
    if child.poll() is None:
        child.send_signal(getattr(signal, signal_name, signal.SIGINT))
    child.wait()
