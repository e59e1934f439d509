"""Under pytest-xdist: a model's cases go to one worker, in order (they share the fitted
model), and a worker that dies takes only its model down with it.

xdist's own ``loadgroup`` relies on rewriting node ids, which pytest 9.2 no longer allows, so
the cases are grouped here by their model. When a worker crashes, xdist's
``LoadScopeScheduling`` would put the crashed model back in the queue, to crash the next
worker in turn (and, with the last worker, wait for ever); here the crashed model is dropped,
its remaining cases are reported skipped with the reason, and every other model goes on.
Tested against pytest-xdist 3.5–3.8 (pinned below 4 in ``pyproject.toml``), whose
``LoadScopeScheduling._split_scope`` and ``remove_node`` this overrides.
"""

from __future__ import annotations

import signal

import pytest

from fashionclasstic.case_names import parse_case_name

CRASH_PROPERTY = "fashionclasstic.crash"


def worker_exit(node, error: object | None = None) -> str:
    """How a worker process ended: ``killed by SIGKILL``, ``exit code 3``, or xdist's words."""
    popen = getattr(getattr(getattr(node, "gateway", None), "_io", None), "popen", None)
    code = None
    if popen is not None:
        try:
            code = popen.wait(timeout=5)
        except Exception:  # noqa: BLE001 - still running or not a local process: say what xdist said
            code = None
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    if code is not None:
        return f"exit code {code}"
    return str(error or "the worker stopped answering")


def worker_interrupted(node) -> bool:
    """The worker ended its session as interrupted (Ctrl-C or SIGTERM reached it)."""
    return (getattr(node, "workeroutput", None) or {}).get("exitstatus") == pytest.ExitCode.INTERRUPTED


def model_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ModelScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if "@" in nodeid:  # an xdist_group the user set
                return nodeid.rsplit("@", 1)[-1]
            case = parse_case_name(nodeid)
            return f"fashionclasstic-model:{case[1]}" if case else nodeid

        def remove_node(self, node) -> str | None:
            workload = self.assigned_work.pop(node)
            if not self._pending_of(workload) or worker_interrupted(node):
                return None  # an interrupted worker's case is reported by the session as interrupted
            crashed_scope, crashitem = next((scope, nodeid) for scope, unit in workload.items()
                                            for nodeid, done in unit.items() if not done)
            reason = f"worker {node.gateway.id} crashed ({worker_exit(node)}) while running {crashitem}"
            for nodeid, done in workload.pop(crashed_scope).items():
                if not done and nodeid != crashitem:
                    skip_after_crash(self.config, nodeid, reason)
            self.config.stash.setdefault(crash_reasons_key, {})[crashitem] = reason
            self.workqueue.update((scope, unit) for scope, unit in workload.items() if not all(unit.values()))
            for other in self.assigned_work:
                self._reschedule(other)
            return crashitem

    return ModelScheduling(config, log)


crash_reasons_key = pytest.StashKey[dict]()  # crashed node id -> why, read when xdist reports the crash


def skip_after_crash(config: pytest.Config, nodeid: str, reason: str) -> None:
    """Report a case of a crashed model as skipped (it is never sent to another worker)."""
    fspath = nodeid.split("::")[0]
    for when in ("setup", "teardown"):
        report = pytest.TestReport(nodeid=nodeid, location=(fspath, None, nodeid), keywords={},
                                   outcome="skipped" if when == "setup" else "passed",
                                   longrepr=(fspath, 0, f"Skipped: {reason}") if when == "setup" else None,
                                   when=when, user_properties=[(CRASH_PROPERTY, reason)])
        config.hook.pytest_runtest_logreport(report=report)
