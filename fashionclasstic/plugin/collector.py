"""The records of a run, gathered on the controller: each case's record (serially or from
xdist workers), merged per model, and the models that never reported (interrupted, crashed,
not run) filled in.

A worker puts its case's record on the test report (:func:`attach_record`), which xdist
carries to the controller; the collector reads it from there, the same path serially and under
xdist.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from fashionclasstic.case_names import model_of_item, parse_case_name
from fashionclasstic.cases import new_record
from fashionclasstic.errors import FashionClassticError
from fashionclasstic.models import get_model_spec
from fashionclasstic.plugin.interrupts import Interrupted, signal_label
from fashionclasstic.plugin.scheduling import CRASH_PROPERTY, crash_reasons_key
from fashionclasstic.plugin.settings import Settings
from fashionclasstic.records import CaseRecord
from fashionclasstic.thresholds import load_thresholds, threshold_for

RECORD_PROPERTY = "fashionclasstic.record"


def status_of(report: pytest.TestReport, call: pytest.CallInfo) -> tuple[str, str]:
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        return "skipped", reason.removeprefix("Skipped: ")
    if report.failed:
        status = "failed" if report.when == "call" else "error"
        message = str(call.excinfo.value) if call.excinfo else str(report.longrepr)
        return status, " ".join(message.split())[:300] if message.strip() else status
    return "passed", ""


def attach_record(item: pytest.Item, call: pytest.CallInfo, report: pytest.TestReport, settings: Settings) -> None:
    """Put the case's record on the report, which xdist carries to the controller."""
    if isinstance(call.excinfo and call.excinfo.value, FashionClassticError):
        report.longrepr = f"{type(call.excinfo.value).__name__}: {call.excinfo.value}"
    model = model_of_item(item)
    if model is None or (report.when != "call" and report.outcome == "passed"):
        return
    case = item.funcargs.get("fc_case") if hasattr(item, "funcargs") else None
    record = case.record if case is not None else placeholder_record(model, settings)
    record.status, record.reason = status_of(report, call)
    record.worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    case_name = parse_case_name(item.nodeid)
    if case_name:
        record.node_ids[case_name[0]] = item.nodeid
    report.user_properties.append((RECORD_PROPERTY, record.to_dict()))


def placeholder_record(model: str, settings: Settings) -> CaseRecord:
    """The record of a model whose case was never built (skipped, failed to set up, not run)."""
    spec = get_model_spec(model)
    try:
        threshold = threshold_for(spec, settings.profile.name, load_thresholds(settings.thresholds_path),
                                  settings.repeats)
    except FashionClassticError:
        threshold = None
    return new_record(spec, settings.profile, settings.context(), threshold)


class RecordCollector:
    """Gathers the case records on the controller; ``on_record(report)`` after each one."""

    def __init__(self, config: pytest.Config, settings: Settings,
                 on_record: Callable[[pytest.TestReport], None] = lambda report: None):
        self.config, self.settings, self.on_record = config, settings, on_record
        self.records: dict[str, CaseRecord] = {}
        self.running: dict[str, None] = {}  # node ids of the cases started and not finished
        self.collected_models: set[str] | None = None  # None: not known (e.g. no collection here)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Only models whose cases survive ``-k``/``-m`` deselection can be reported as not run."""
        if session.items or self.settings.shard:  # a shard may be left with no model (issue 18)
            self.collected_models = {model for model in map(model_of_item, session.items) if model}

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids: list[str]) -> None:
        """The same under xdist, where only the workers collect and send their node ids."""
        found = {case[1] for case in map(parse_case_name, ids) if case and case[1] in self.settings.models}
        self.collected_models = (self.collected_models or set()) | found

    def pytest_runtest_logstart(self, nodeid: str, location) -> None:
        self.running[nodeid] = None

    def pytest_runtest_logfinish(self, nodeid: str, location) -> None:
        self.running.pop(nodeid, None)

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo) -> None:
        """Ctrl-C or SIGTERM (here or on a worker): the models whose case was running are
        ``interrupted``, naming the case; the others keep what they finished."""
        value = excinfo.value
        why = (f"stopped by {signal_label(value.signal_name)}" if isinstance(value, Interrupted)
               else f"interrupted ({value})" if str(value) else "interrupted")
        for nodeid in list(self.running):
            case = parse_case_name(nodeid)
            if case is None or case[1] not in self.settings.models:
                continue
            record = placeholder_record(case[1], self.settings)
            record.status, record.reason = "interrupted", f"{why} during {nodeid.rsplit('::', 1)[-1]}"
            record.node_ids[case[0]] = nodeid
            self.add(record)
        self.running.clear()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or report.outcome != "passed":  # its result is in: no longer interruptible
            self.running.pop(report.nodeid, None)
        properties = dict(report.user_properties)
        if RECORD_PROPERTY in properties:
            self.add(CaseRecord.from_dict(properties[RECORD_PROPERTY]))
        elif CRASH_PROPERTY in properties or (report.failed and report.when not in ("setup", "call", "teardown")):
            self.add_crash(report, properties.get(CRASH_PROPERTY))
        else:
            return
        self.on_record(report)

    def add_crash(self, report: pytest.TestReport, skipped_reason: str | None) -> None:
        """A case whose worker died (reported by xdist), or a case of that model never run."""
        case = parse_case_name(report.nodeid)
        if case is None or case[1] not in self.settings.models:
            return
        record = placeholder_record(case[1], self.settings)
        if skipped_reason is not None:
            record.status, record.reason = "skipped", skipped_reason
        else:
            reasons = self.config.stash.get(crash_reasons_key, {})
            record.status, record.reason = "crashed", reasons.get(report.nodeid) or str(report.longrepr)
        self.add(record)

    def add(self, record: CaseRecord) -> None:
        previous = self.records.get(record.model)
        if previous is None:
            self.records[record.model] = record
        else:
            previous.merge(record)
        self.config.hook.pytest_fashionclasstic_record(record=self.records[record.model])

    def all_records(self) -> list[CaseRecord]:
        """Every model with a case in this run, those that never reported marked as not run (e.g.
        Ctrl-C); models deselected with ``-k`` or ``-m`` are left out."""
        records = dict(self.records)
        selected = [m for m in self.settings.models if self.collected_models is None or m in self.collected_models]
        for name in selected:
            if name not in records:
                record = placeholder_record(name, self.settings)
                record.status, record.reason = "not run", "the session ended before this model ran"
                records[name] = record
        return list(records.values())
