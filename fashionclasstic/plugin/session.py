"""The results of a run, on the controller, in three jobs: :mod:`.collector` gathers the
records, :mod:`.writer` writes them after each model and at the end, :mod:`.printer` shows the
summary. :class:`ResultsSession` ties them to the session."""

from __future__ import annotations

import pytest

from fashionclasstic.plugin.collector import RecordCollector
from fashionclasstic.plugin.interrupts import InterruptHandler
from fashionclasstic.plugin.printer import print_summary
from fashionclasstic.plugin.settings import Settings
from fashionclasstic.plugin.writer import ResultsWriter

COLLECTOR_PLUGIN = "fashionclasstic-collector"


class ResultsSession:
    """The controller's (or a serial run's) results: collected, written as they come, and at
    the end written whole and shown."""

    def __init__(self, config: pytest.Config, settings: Settings, interrupts: InterruptHandler):
        self.settings = settings
        self.collector = RecordCollector(config, settings, on_record=self.record_arrived)
        self.writer = ResultsWriter(config, settings, interrupts, self.collector)
        config.pluginmanager.register(self.collector, COLLECTOR_PLUGIN)

    def record_arrived(self, report: pytest.TestReport) -> None:
        """A model's result is in: its results files are rewritten (a teardown adds nothing new)."""
        if report.when != "teardown":
            self.writer.write(complete=False, exitstatus=None)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Write the whole report, also after failures, Ctrl-C and SIGTERM, for whatever
        finished, before xdist waits for its workers to stop; a report that cannot be written
        fails the run."""
        writer = self.writer
        if self.collector.records:
            writer.write_benchmark_json()
            writer.find_benchmark_json()
        error = writer.report_error
        writer.write(complete=True, exitstatus=int(exitstatus))
        writer.report_error = writer.report_error or error
        if writer.report_error and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter, exitstatus: int, config: pytest.Config) -> None:
        if self.collector.records:
            print_summary(terminalreporter, self.collector.all_records(), self.settings, self.writer)
