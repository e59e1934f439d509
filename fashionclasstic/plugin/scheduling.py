"""Under pytest-xdist: a model's cases go to one worker, in order (they share the fitted
model), and a worker that dies takes only its model down with it.

xdist's own ``loadgroup`` relies on rewriting node ids, which pytest 9.2 no longer allows, and
its ``loadscope`` would put a crashed model back in the queue, to crash the next worker in turn
(and, with the last worker, wait for ever). So :class:`ModelScheduling` implements xdist's
scheduler protocol (``xdist.scheduler.protocol.Scheduling``, returned from
``pytest_xdist_make_scheduler``): work units are models, handed out like ``loadscope`` does;
a crashed model is dropped, and xdist's ``pytest_handlecrashitem`` hook reports its remaining
cases skipped with the reason while every other model goes on.
"""

from __future__ import annotations

import signal
from collections.abc import Sequence

import pytest

from fashionclasstic.case_names import parse_case_name
from fashionclasstic.plugin.xdist_adapter import expected_workers, worker_returncode

CRASH_PROPERTY = "fashionclasstic.crash"
LOW_WATERMARK = 2  # a worker with this many cases or fewer left is given its next model (as loadscope)

crash_reasons_key = pytest.StashKey[dict]()  # crashed node id -> why, read when xdist reports the crash


def worker_exit(node, error: object | None = None) -> str:
    """How a worker process ended: ``killed by SIGKILL``, ``exit code 3``, or xdist's words."""
    code = worker_returncode(node)
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


def model_scope(nodeid: str) -> str:
    """The work unit of a case: its model, or the ``xdist_group`` a user set on it."""
    if "@" in nodeid:
        return nodeid.rsplit("@", 1)[-1]
    case = parse_case_name(nodeid)
    return f"fashionclasstic-model:{case[1]}" if case else nodeid


Workload = dict[str, dict[str, bool]]  # scope -> {node id: done}, in collection order


class ModelScheduling:
    """xdist's scheduler protocol with a model as the unit of work; a crash drops only its model."""

    def __init__(self, config: pytest.Config, log=None):
        self.config = config
        self.numnodes = expected_workers(config)
        self.collection: list[str] | None = None
        self.workqueue: Workload = {}
        self.assigned_work: dict[object, Workload] = {}
        self.registered_collections: dict[object, list[str]] = {}
        self.dropped: dict[str, tuple[object, list[str]]] = {}  # crashed case -> (worker, cases never run)
        config.pluginmanager.register(self, "fashionclasstic-model-scheduling")

    @property
    def nodes(self) -> list:
        return list(self.assigned_work)

    @property
    def collection_is_completed(self) -> bool:
        return len(self.registered_collections) >= self.numnodes

    @property
    def tests_finished(self) -> bool:
        return (self.collection_is_completed and not self.workqueue
                and all(pending(work) < 2 for work in self.assigned_work.values()))

    @property
    def has_pending(self) -> bool:
        return bool(self.workqueue) or any(pending(work) for work in self.assigned_work.values())

    def add_node(self, node) -> None:
        self.assigned_work[node] = {}

    def add_node_collection(self, node, collection: Sequence[str]) -> None:
        if self.collection is not None and list(collection) != self.collection:
            self.report_different_collection(node)  # a replacement worker that collected otherwise: unused
            return
        self.registered_collections[node] = list(collection)

    def mark_test_complete(self, node, item_index: int, duration: float = 0) -> None:
        nodeid = self.registered_collections[node][item_index]
        self.assigned_work[node][model_scope(nodeid)][nodeid] = True
        self.reschedule(node)

    def mark_test_pending(self, item: str) -> None:
        raise NotImplementedError("a model's cases are never run again on another worker")

    def remove_pending_tests_from_node(self, node, indices: Sequence[int]) -> None:
        raise NotImplementedError("work is not stolen: a model's cases share one worker's fitted model")

    def remove_node(self, node) -> str | None:
        """Forget a worker; when it died mid-model, return its running case and drop that model
        (reported by :meth:`pytest_handlecrashitem`); its models not begun go to the others."""
        workload = self.assigned_work.pop(node)
        if not pending(workload) or worker_interrupted(node):
            return None  # an interrupted worker's case is reported by the session as interrupted
        crashed_scope, crashitem = next((scope, nodeid) for scope, unit in workload.items()
                                        for nodeid, done in unit.items() if not done)
        never_run = [nodeid for nodeid, done in workload.pop(crashed_scope).items() if not done and nodeid != crashitem]
        self.dropped[crashitem] = (node, never_run)
        self.workqueue.update((scope, unit) for scope, unit in workload.items() if not all(unit.values()))
        for other in self.nodes:
            self.reschedule(other)
        return crashitem

    def schedule(self) -> None:
        if self.collection is not None:  # a worker replaced a crashed one: give it work
            for node in self.nodes:
                self.reschedule(node)
            return
        collections = list(self.registered_collections.values())
        if any(collection != collections[0] for collection in collections[1:]):
            for node, collection in self.registered_collections.items():
                if collection != collections[0]:
                    self.report_different_collection(node)
            return
        self.collection = collections[0]
        units: Workload = {}
        for nodeid in self.collection:
            units.setdefault(model_scope(nodeid), {})[nodeid] = False
        if self.config.getoption("loadscopereorder", True):  # xdist's --no-loadscope-reorder
            units = dict(sorted(units.items(), key=lambda item: -len(item[1])))
        self.workqueue = units
        for node in self.nodes[len(self.workqueue):]:  # more workers than models
            self.assigned_work.pop(node)
            node.shutdown()
        for node in self.nodes:
            self.assign_next_unit(node)
        for node in self.nodes:
            self.reschedule(node)
        if not self.workqueue:
            for node in self.nodes:
                node.shutdown()

    def reschedule(self, node) -> None:
        if node.shutting_down:
            return
        if not self.workqueue:
            node.shutdown()
        elif pending(self.assigned_work[node]) <= LOW_WATERMARK:
            self.assign_next_unit(node)

    def assign_next_unit(self, node) -> None:
        scope = next(iter(self.workqueue))
        unit = self.assigned_work[node][scope] = self.workqueue.pop(scope)
        collection = self.registered_collections[node]
        node.send_runtest_some([collection.index(nodeid) for nodeid, done in unit.items() if not done])

    def report_different_collection(self, node) -> None:
        message = (f"worker {node.gateway.id} collected other tests than the first worker: "
                   "run pytest without -n to see why the collection differs")
        report = pytest.CollectReport(nodeid=node.gateway.id, outcome="failed", longrepr=message, result=[])
        self.config.hook.pytest_collectreport(report=report)

    @pytest.hookimpl(optionalhook=True)
    def pytest_handlecrashitem(self, crashitem: str, report: pytest.TestReport, sched) -> None:
        """xdist reports a crashed case: say which worker died and how, and skip the rest of its model."""
        if sched is not self or crashitem not in self.dropped:
            return
        node, never_run = self.dropped.pop(crashitem)
        reason = f"worker {node.gateway.id} crashed ({worker_exit(node)}) while running {crashitem}"
        report.longrepr = reason
        self.config.stash.setdefault(crash_reasons_key, {})[crashitem] = reason
        for nodeid in never_run:
            skip_after_crash(self.config, nodeid, reason)


def pending(workload: Workload) -> int:
    return sum(not done for unit in workload.values() for done in unit.values())


def model_scheduler(config: pytest.Config, log) -> ModelScheduling:
    return ModelScheduling(config, log)


def skip_after_crash(config: pytest.Config, nodeid: str, reason: str) -> None:
    """Report a case of a crashed model as skipped (it is never sent to another worker)."""
    fspath = nodeid.split("::")[0]
    for when in ("setup", "teardown"):
        report = pytest.TestReport(nodeid=nodeid, location=(fspath, None, nodeid), keywords={},
                                   outcome="skipped" if when == "setup" else "passed",
                                   longrepr=(fspath, 0, f"Skipped: {reason}") if when == "setup" else None,
                                   when=when, user_properties=[(CRASH_PROPERTY, reason)])
        config.hook.pytest_runtest_logreport(report=report)
