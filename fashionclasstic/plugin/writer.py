"""The files of a run, written on the controller: ``results.json`` and its tables after each
model and at the end, then the whole report, and pytest-benchmark's JSON where
pytest-benchmark itself was off.

``results.json`` and its tables are rewritten atomically whenever a model's case reports, with
``run.complete`` false until the session ends, so a killed run keeps every finished model. A
failure to write is remembered (:attr:`ResultsWriter.report_error`), never raised: the session
reports it and fails.
"""

from __future__ import annotations

import glob
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fashionclasstic.errors import FashionClassticError
from fashionclasstic.machine import with_fingerprint
from fashionclasstic.plugin.collector import RecordCollector
from fashionclasstic.plugin.environment import commit_info, machine_info, package_versions, suite_info
from fashionclasstic.plugin.interrupts import Interrupted, InterruptHandler
from fashionclasstic.plugin.settings import Settings
from fashionclasstic.plugin.sharding import shard_info
from fashionclasstic.records import CaseRecord, RunInfo, new_run_id, startup_seconds


class ResultsWriter:
    """Writes the collector's records, with the run's information."""

    def __init__(self, config: pytest.Config, settings: Settings, interrupts: InterruptHandler,
                 collector: RecordCollector):
        self.config, self.settings, self.interrupts, self.collector = config, settings, interrupts, collector
        self.started = datetime.now(UTC)
        self.report_dir: Path | None = None  # once written: the run's folder, kept for later writes
        self.report_error: str | None = None
        self.benchmark_json: list[Path] = []  # the pytest-benchmark files the suite wrote itself
        self.saved_by_pytest_benchmark: list[Path] = []  # those pytest-benchmark wrote (a serial run)
        self.screenshot_line = ""  # --fc-screenshot: where index.png is, or why there is none

    def run_info(self, exitstatus: int | None, complete: bool) -> RunInfo:
        config, settings = self.config, self.settings
        finished = datetime.now(UTC)
        data_dir = settings.data_dir and str(Path(settings.data_dir).expanduser().resolve())
        threads = settings.threads_per_worker()
        return RunInfo(
            id=self.report_dir.name if self.report_dir and not settings.report_dir else new_run_id(self.started),
            started=self.started.isoformat(timespec="seconds"),
            finished=finished.isoformat(timespec="seconds"),
            duration_seconds=round((finished - self.started).total_seconds(), 3),
            exit_status=exitstatus, complete=complete, profile=settings.profile.name, seed=settings.seed,
            repeats=settings.repeats, threads_per_worker=threads,
            xdist_workers=settings.workers, startup_seconds=startup_seconds(self.collector.all_records()),
            pytest_args=[str(arg) for arg in config.invocation_params.args],
            cwd=str(config.invocation_params.dir), versions=package_versions(),
            machine=with_fingerprint(machine_info(config), threads), git=commit_info(config), suite=suite_info(),
            data={"source": settings.source, "data_dir": data_dir}, shard=shard_info(config),
            benchmark_json=[str(path) for path in (*self.benchmark_json, *self.saved_by_pytest_benchmark)])

    def write(self, complete: bool, exitstatus: int | None) -> None:
        """The results files; at the end, first them, then the whole report, which a second
        Ctrl-C may cut short (every file is written atomically: what is there is whole)."""
        if not (self.collector.records or self.settings.shard) or not self.settings.write_report:
            return  # an empty shard still leaves its run, for the merge to count
        records = self.collector.all_records()
        self._write(records, self.run_info(exitstatus, complete))
        if not complete or self.report_error or not self.settings.figures:
            return
        publishers: list = []
        self.config.hook.pytest_fashionclasstic_publishers(publishers=publishers)
        try:
            with self.interrupts.abortable():
                self._write(records, self.run_info(exitstatus, complete), publishers)
                self._screenshot()
        except Interrupted as exc:
            self.report_error = (f"cut short by {exc}; results.json, results.csv and results.md are whole, "
                                 f"figures and index.html may be missing (python -m fashionclasstic report "
                                 f"{self.report_dir} draws them)")

    def _screenshot(self) -> None:
        """``--fc-screenshot``: ``index.png`` beside ``index.html``, or a line saying why not."""
        page = self.report_dir / "index.html" if self.report_dir else None
        if self.settings.screenshot and page is not None and page.is_file():
            from fashionclasstic.reporting.screenshot import screenshot

            self.screenshot_line = screenshot(page, self.report_dir / "index.png")

    def _write(self, records: list[CaseRecord], info: RunInfo, publishers: list | None = None) -> None:
        """``publishers`` given: the whole report with them; else the results files alone."""
        from fashionclasstic.reporting.publishers import write_report

        try:
            self.report_dir = write_report(records, info, self.report_dir or self.settings.report_dir,
                                           results_only=publishers is None, extra_publishers=publishers or ())
            self.report_error = None
        except FashionClassticError as exc:
            self.report_error = str(exc)

    def write_benchmark_json(self) -> None:
        """pytest-benchmark's JSON where pytest-benchmark was switched off by xdist but asked
        to save (``--benchmark-autosave``, ``--benchmark-save``, ``--benchmark-json``): built
        from the records, their times labelled as the suite's wall clock. In pytest-benchmark's
        file storage it goes where pytest-benchmark would put its next run (``NNNN_<name>.json``)."""
        session = self.config.pluginmanager.get_plugin("pytest-benchmark")
        save = session and (session.save or session.autosave)
        built_here = self.settings.workers or self.settings.isolate  # pytest-benchmark never saw the cases
        if not session or not session.disabled or not built_here or not (save or session.json):
            return
        from fashionclasstic.runs.benchmark_json import benchmark_document, write_benchmark_json
        from fashionclasstic.runs.saved import next_benchmark_file

        records, info = self.collector.all_records(), self.run_info(None, complete=True)
        targets = [Path(session.json)] if session.json else []
        storage = session.storage
        try:
            with self.interrupts.abortable():
                if save and hasattr(storage, "get"):  # the file storage: get(name) is a path in its folder
                    targets.append(next_benchmark_file(Path(storage.get(f"{save}.json")).parent, save))
                elif save:
                    storage.save(benchmark_document(records, info), save)
                for target in targets:
                    self.benchmark_json.append(write_benchmark_json(records, info, target))
        except (OSError, ValueError) as exc:
            self.report_error = f"pytest-benchmark JSON not written: {exc}"
        except Interrupted as exc:
            self.report_error = f"pytest-benchmark JSON cut short by {exc}"

    def find_benchmark_json(self) -> None:
        """Where pytest-benchmark itself saved this run (serially it times the cases and saves in
        its own ``pytest_sessionfinish`` wrapper, which runs before this hook's implementations):
        ``--benchmark-json``'s path, and for ``--benchmark-save``/``--benchmark-autosave`` the
        newest ``NNNN_<name>.json`` in its file storage's machine folder; files written before
        this run started are not its."""
        session = self.config.pluginmanager.get_plugin("pytest-benchmark")
        if not session or session.disabled:
            return
        save = session.save or session.autosave
        found = [Path(session.json)] if session.json else []
        if save and hasattr(session.storage, "get"):  # the file storage: get(name) is a path in its folder
            from fashionclasstic.runs.saved import BENCHMARK_NAME

            folder = Path(session.storage.get(f"{save}.json")).parent
            named = [p for p in folder.glob(f"*_{glob.escape(save)}.json") if BENCHMARK_NAME.match(p.name)]
            found += sorted(named, key=lambda p: p.name)[-1:]
        started = self.started.timestamp()
        self.saved_by_pytest_benchmark = [p.resolve() for p in found
                                          if p.is_file() and p.stat().st_mtime >= started - 1]
