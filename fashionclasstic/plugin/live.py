"""Live progress on the terminal: which model trains, its epoch or round out of the planned
count, the latest validation accuracy and the time left.

On a terminal, one line rewritten in place; in a log (CI), plain lines, boosting rounds
thinned to about ten per model. ``-q`` keeps it quiet. Under xdist each worker writes its
latest line to a file of a folder the controller passed it, and the controller shows every
worker's line as it changes, prefixed with the worker's name.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from contextlib import nullcontext
from pathlib import Path

import pytest

from fashionclasstic import progress
from fashionclasstic.fileio import atomic_write_text

POLL_SECONDS = 2.0
REWRITE_SECONDS = 0.5


class LiveProgress:
    def __init__(self, config: pytest.Config):
        self.config = config
        self.worker = getattr(config, "workerinput", {}).get("workerid")
        self.folder: Path | None = None
        self.stop = threading.Event()
        self.poller: threading.Thread | None = None
        self.unsubscribe = None
        self.last_shown = 0.0
        self.started_line = False
        self.shown: dict[str, str] = {}  # on the controller: each worker's line last shown

    @property
    def quiet(self) -> bool:
        return self.config.get_verbosity() < 0

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if self.worker is not None:
            folder = self.config.workerinput.get("fc_progress_dir")
            if folder:
                self.folder = Path(folder)
                self.unsubscribe = progress.subscribe(self.to_controller)
        elif not self.quiet:
            self.unsubscribe = progress.subscribe(self.show)

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node) -> None:
        """On the xdist controller: give each worker the folder, and watch it."""
        if self.quiet:
            return
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="fashionclasstic-progress-"))
            self.poller = threading.Thread(target=self.poll, name="fashionclasstic-progress", daemon=True)
            self.poller.start()
        node.workerinput["fc_progress_dir"] = str(self.folder)

    # ----------------------------------------------------------------- a worker or a serial run

    def to_controller(self, update: progress.Progress) -> None:
        try:
            atomic_write_text(self.folder / f"{self.worker}.txt", update.text())
        except OSError:
            pass  # progress is a courtesy: never a failure

    def show(self, update: progress.Progress) -> None:
        now = time.monotonic()
        last = update.total is not None and update.step >= update.total
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is None:
            return
        on_tty = terminal.isatty
        thinned = update.unit == "round" and update.total and update.step % max(1, update.total // 10)
        if not last and ((on_tty and now - self.last_shown < REWRITE_SECONDS) or (not on_tty and thinned)):
            return
        self.last_shown = now
        capture = self.config.pluginmanager.get_plugin("capturemanager")
        with capture.global_and_fixture_disabled() if capture else nullcontext():
            if not self.started_line:
                terminal.write_line("")
                self.started_line = True
            if on_tty:
                terminal.rewrite(update.text(), erase=True)
            else:
                terminal.write_line(update.text())

    def pytest_runtest_logfinish(self, nodeid: str, location) -> None:
        if self.started_line:
            terminal = self.config.pluginmanager.get_plugin("terminalreporter")
            if terminal is not None and terminal.isatty:
                terminal.write_line("")
        self.started_line = False

    # ----------------------------------------------------------------- the xdist controller

    def poll(self) -> None:
        while not self.stop.wait(POLL_SECONDS):
            self.show_workers()

    def show_workers(self) -> None:
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        for path in sorted(self.folder.glob("*.txt")) if self.folder else []:
            try:
                text = path.read_text(encoding="utf-8")
            except OSError:
                continue
            if text and self.shown.get(path.stem) != text and terminal is not None:
                self.shown[path.stem] = text
                writer = self.config.get_terminal_writer()  # pytest's documented access to its writer
                if writer.width_of_current_line:  # after xdist's progress dots
                    terminal.write_line("")
                terminal.write_line(f"[{path.stem}] {text}")

    def pytest_sessionfinish(self) -> None:
        if self.unsubscribe is not None:
            self.unsubscribe()
        if self.poller is not None:
            self.stop.set()
            self.poller.join(timeout=POLL_SECONDS * 2)
            self.show_workers()  # the last lines, written since the last poll
            shutil.rmtree(self.folder, ignore_errors=True)
