"""The results of a run, on the controller: records collected from every case (serially or
from xdist workers), merged per model, written after each model and at the end, and shown.

``results.json`` and its tables are rewritten atomically whenever a model's case reports, with
``run.complete`` false until the session ends, so a killed run keeps every finished model.
"""

from __future__ import annotations

import logging
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fashionclasstic.cases import new_record
from fashionclasstic.errors import FashionClassticError
from fashionclasstic.hardware import capabilities
from fashionclasstic.models import get_model_spec
from fashionclasstic.plugin.environment import commit_info, memory_bytes, package_versions, suite_info
from fashionclasstic.plugin.interrupts import Interrupted, InterruptHandler, signal_label
from fashionclasstic.plugin.scheduling import CRASH_PROPERTY, crash_reasons_key
from fashionclasstic.plugin.settings import Settings
from fashionclasstic.plugin.sharding import shard_info
from fashionclasstic.plugin.timing import startup_seconds
from fashionclasstic.records import CaseRecord, RunInfo, machine_fingerprint, parse_case_name
from fashionclasstic.thresholds import load_thresholds, threshold_for

log = logging.getLogger(__name__)

RECORD_PROPERTY = "fashionclasstic.record"
RUN_ID_FORMAT = "%Y%m%dT%H%M%SZ"

def model_of(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("fc_model") if callspec is not None else None


def status_of(report: pytest.TestReport, call: pytest.CallInfo) -> tuple[str, str]:
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        return "skipped", reason.removeprefix("Skipped: ")
    if report.failed:
        status = "failed" if report.when == "call" else "error"
        message = str(call.excinfo.value) if call.excinfo else str(report.longrepr)
        return status, message.strip().splitlines()[0][:300] if message.strip() else status
    return "passed", ""


def attach_record(item: pytest.Item, call: pytest.CallInfo, report: pytest.TestReport, settings: Settings) -> None:
    """Put the case's record on the report, which xdist carries to the controller."""
    if isinstance(call.excinfo and call.excinfo.value, FashionClassticError):
        report.longrepr = f"{type(call.excinfo.value).__name__}: {call.excinfo.value}"
    model = model_of(item)
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


class ResultsSession:
    """Gathers the case records on the controller: the same path serially and under xdist."""

    def __init__(self, config: pytest.Config, settings: Settings, interrupts: InterruptHandler):
        self.config, self.settings, self.interrupts = config, settings, interrupts
        self.records: dict[str, CaseRecord] = {}
        self.running: dict[str, None] = {}  # node ids of the cases started and not finished
        self.benchmark_json: list[Path] = []  # the pytest-benchmark files the suite wrote itself
        self.collected_models: set[str] | None = None  # None: not known (e.g. no collection here)
        self.started = datetime.now(UTC)
        self.report_dir: Path | None = None  # once written: the run's folder, kept for later writes
        self.report_error: str | None = None
        self._machine: dict | None = None

    # ----------------------------------------------------------------- collecting

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Only models whose cases survive ``-k``/``-m`` deselection can be reported as not run."""
        if session.items or self.settings.shard:  # a shard may be left with no model (issue 18)
            self.collected_models = {model for model in map(model_of, session.items) if model}

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
        if report.when != "teardown":
            self.write(complete=False, exitstatus=None)

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

    # ----------------------------------------------------------------- writing

    def run_info(self, exitstatus: int | None, complete: bool) -> RunInfo:
        config, settings = self.config, self.settings
        finished = datetime.now(UTC)
        data_dir = settings.data_dir and str(Path(settings.data_dir).expanduser().resolve())
        threads = settings.threads_per_worker()
        machine = dict(self.machine_info(), fingerprint=machine_fingerprint(self.machine_info(), threads))
        return RunInfo(
            id=self.report_dir.name if self.report_dir and not settings.report_dir
            else self.started.strftime(RUN_ID_FORMAT),
            started=self.started.isoformat(timespec="seconds"),
            finished=finished.isoformat(timespec="seconds"),
            duration_seconds=round((finished - self.started).total_seconds(), 3),
            exit_status=exitstatus, complete=complete, profile=settings.profile.name, seed=settings.seed,
            repeats=settings.repeats, threads_per_worker=threads,
            xdist_workers=settings.workers, startup_seconds=startup_seconds(self.all_records()),
            pytest_args=[str(arg) for arg in config.invocation_params.args],
            cwd=str(config.invocation_params.dir), versions=package_versions(),
            machine=machine, git=commit_info(config), suite=suite_info(),
            data={"source": settings.source, "data_dir": data_dir}, shard=shard_info(config))

    def machine_info(self) -> dict:
        """pytest-benchmark's machine information (the same it stores in its JSON), plus memory."""
        if self._machine is None:
            hook = getattr(self.config.hook, "pytest_benchmark_generate_machine_info", None)
            machine = dict(hook(config=self.config)) if hook is not None else {}
            machine.update(platform=platform.platform(), cpu_count=os.cpu_count(), memory_bytes=memory_bytes(),
                           **capabilities().as_machine_info())
            self._machine = machine
        return self._machine

    def write(self, complete: bool, exitstatus: int | None) -> None:
        """The results files; at the end, first them, then the whole report, which a second
        Ctrl-C may cut short (every file is written atomically: what is there is whole). A
        failure is remembered, not raised."""
        if not (self.records or self.settings.shard) or not self.settings.write_report:
            return  # an empty shard still leaves its run, for the merge to count
        self._write(self.run_info(exitstatus, complete))
        if not complete or self.report_error or not self.settings.figures:
            return
        publishers: list = []
        self.config.hook.pytest_fashionclasstic_publishers(publishers=publishers)
        try:
            with self.interrupts.abortable():
                self._write(self.run_info(exitstatus, complete), publishers)
        except Interrupted as exc:
            self.report_error = (f"cut short by {exc}; results.json, results.csv and results.md are whole, "
                                 f"figures and index.html may be missing (python -m fashionclasstic report "
                                 f"{self.report_dir} draws them)")

    def _write(self, info: RunInfo, publishers: list | None = None) -> None:
        """``publishers`` given: the whole report with them; else the results files alone."""
        from fashionclasstic.reporting.publishers import write_report

        try:
            self.report_dir = write_report(self.all_records(), info, self.report_dir or self.settings.report_dir,
                                           results_only=publishers is None, extra_publishers=publishers or ())
            self.report_error = None
        except FashionClassticError as exc:
            self.report_error = str(exc)

    def write_benchmark_json(self) -> None:
        """pytest-benchmark's JSON where pytest-benchmark was switched off by xdist but asked
        to save (``--benchmark-autosave``, ``--benchmark-save``, ``--benchmark-json``): built
        from the records, their times labelled as the suite's wall clock."""
        session = self.config.pluginmanager.get_plugin("pytest-benchmark")
        save = session and (session.save or session.autosave)
        built_here = self.settings.workers or self.settings.isolate  # pytest-benchmark never saw the cases
        if not session or not session.disabled or not built_here or not (save or session.json):
            return
        from fashionclasstic.reporting.benchmark_json import benchmark_document, write_benchmark_json

        records, info = self.all_records(), self.run_info(None, complete=True)
        targets = [Path(session.json)] if session.json else []
        storage = session.storage
        try:
            with self.interrupts.abortable():
                if save and hasattr(storage, "get") and hasattr(storage, "_next_num"):  # the file storage
                    targets.append(Path(storage.get(f"{storage._next_num}_{save}.json")))
                elif save:
                    storage.save(benchmark_document(records, info), save)
                for target in targets:
                    self.benchmark_json.append(write_benchmark_json(records, info, target))
        except (OSError, ValueError) as exc:
            self.report_error = f"pytest-benchmark JSON not written: {exc}"
        except Interrupted as exc:
            self.report_error = f"pytest-benchmark JSON cut short by {exc}"

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Write the whole report, also after failures, Ctrl-C and SIGTERM, for whatever
        finished, before xdist waits for its workers to stop; a report that cannot be written
        fails the run."""
        if self.records:
            self.write_benchmark_json()
        error = self.report_error
        self.write(complete=True, exitstatus=int(exitstatus))
        self.report_error = self.report_error or error
        if self.report_error and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter, exitstatus: int, config: pytest.Config) -> None:
        if not self.records:
            return
        from fashionclasstic.reporting.tables import comparison_table

        records = self.all_records()
        terminalreporter.write_sep("=", "FashionClasstic results")
        terminalreporter.write_line(comparison_table(records))
        for record in records:
            if record.notes:
                terminalreporter.write_line(f"note: {record.model}: {record.notes}", yellow=True)
        ungated = [r.model for r in records if r.gate == "ungated"]
        if ungated:
            terminalreporter.write_line(
                f"ungated (no minimum accuracy for profile {self.settings.profile.name} in the suite's thresholds, "
                f"--fc-thresholds or register_model(min_accuracy=...)): {', '.join(ungated)}", yellow=True)
        margins = [f"{r.model} {100 * r.gate_margin:.2f}" for r in records if r.gate_margin is not None]
        if margins:
            repeats = f"the mean of {self.settings.repeats} runs" if self.settings.repeats > 1 else "one run"
            terminalreporter.write_line(f"gate sensitivity (the smallest drop of {repeats} a gate catches, points; "
                                        f"--fc-repeats narrows it): {', '.join(margins)}")
        for path in self.benchmark_json:
            how = ("built from the records of each model's own process, --fc-isolate" if self.settings.isolate
                   else "wall-clock: pytest-benchmark is off under xdist")
            terminalreporter.write_line(f"pytest-benchmark JSON ({how}): {path}")
        if self.report_dir and (self.report_dir / "index.html").is_file():
            terminalreporter.write_line(f"report: {self.report_dir / 'index.html'}")
        elif self.report_dir and not self.report_error:
            terminalreporter.write_line(f"results: {self.report_dir / 'results.json'} (figures: python -m "
                                        f"fashionclasstic report {self.report_dir})")
        if self.report_error:
            terminalreporter.write_line(f"report not written: {self.report_error}", red=True)
