"""``--fc-mlflow``: the session's results logged to MLflow once the report is written.

Registered on the controller only (a serial run, or xdist's controller), so each session is one
parent run whatever the number of workers. It reads what :class:`~.session.ResultsSession`
collected, after it wrote the run's folder (whose files become artifacts): no second
measurement. A store that fails is one line in the summary; the exit status stays the run's.
"""

from __future__ import annotations

import pytest

from fashionclasstic.plugin.interrupts import Interrupted, InterruptHandler
from fashionclasstic.plugin.session import ResultsSession
from fashionclasstic.plugin.settings import Settings

PLUGIN_NAME = "fashionclasstic-mlflow"


class MlflowTracking:
    def __init__(self, settings: Settings, interrupts: InterruptHandler, results: ResultsSession):
        self.settings, self.interrupts, self.results = settings, interrupts, results
        self.logged = None  # mlflow_sink.Logged, once written
        self.error: str | None = None

    @pytest.hookimpl(trylast=True)  # after ResultsSession wrote the report (its hook is tryfirst)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        from fashionclasstic.reporting.mlflow_sink import TrackingError, log_run

        collector, writer = self.results.collector, self.results.writer
        if not collector.records:
            return
        info = writer.run_info(int(exitstatus), complete=True)
        report_dir = writer.report_dir if self.settings.write_report else None
        try:
            with self.interrupts.abortable():  # a hanging tracking server yields to a second Ctrl-C
                self.logged = log_run(collector.all_records(), info, report_dir, self.settings.mlflow_uri,
                                      self.settings.mlflow_experiment)
        except TrackingError as exc:
            self.error = str(exc)
        except Interrupted as exc:
            self.error = f"cut short by {exc}"

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.error:
            terminalreporter.write_line(f"mlflow: not logged: {self.error}", red=True)
        elif self.logged is not None:
            terminalreporter.write_line(
                f"mlflow: run {self.logged.parent_run_id} ({len(self.logged.model_run_ids)} models) in experiment "
                f"{self.settings.mlflow_experiment!r} at {self.settings.mlflow_uri} "
                f"(mlflow ui --backend-store-uri {self.settings.mlflow_uri})")
