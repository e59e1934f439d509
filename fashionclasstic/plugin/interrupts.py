"""Ctrl-C and SIGTERM end a run like an interruption, keeping everything that finished.

SIGTERM (what CI systems send on cancel or time-out) would otherwise kill the process on the
spot; here both signals raise :class:`Interrupted`, a ``KeyboardInterrupt`` that pytest turns
into exit status 2 after its session hooks ran, so the report and the pytest-benchmark JSON
are written for what finished. Once the session ends, another signal only cuts the report
short (every file is written atomically, so what is there stays valid); elsewhere it is
ignored while the finished work is saved.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading

SIGNALS = ("SIGINT", "SIGTERM")


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal."""

    # pytest closes an interrupted run with one line, ``<exception type>: <message>``: without
    # a module prefix it reads "Interrupted: stopped by SIGTERM; ...".
    __module__ = "builtins"

    def __init__(self, signal_name: str, message: str):
        super().__init__(message)
        self.signal_name = signal_name


def signal_label(name: str) -> str:
    return "SIGINT (Ctrl-C)" if name == "SIGINT" else name


class InterruptHandler:
    """Installs the handlers in the main thread (where Python delivers signals) and restores
    the previous ones; only replaces the defaults, never a handler someone else installed nor
    a signal ignored from the start (a job a script starts with ``&`` ignores SIGINT)."""

    def __init__(self):
        self.received: str | None = None  # the first signal's name
        self.finishing = False  # the session is ending: the finished work is being saved
        self._abortable = 0
        self._previous: dict[int, object] = {}

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        defaults = {"SIGINT": signal.default_int_handler, "SIGTERM": signal.SIG_DFL}
        for name in SIGNALS:
            number = getattr(signal, name, None)
            if number is not None and signal.getsignal(number) is defaults[name]:
                self._previous[number] = signal.signal(number, self._handle)

    def uninstall(self) -> None:
        for number, previous in self._previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(number, previous)
        self._previous.clear()

    @contextlib.contextmanager
    def abortable(self):
        """A stretch (writing the report) that a signal during :attr:`finishing` may cut short."""
        self._abortable += 1
        try:
            yield
        finally:
            self._abortable -= 1

    def _handle(self, number: int, frame) -> None:
        name = signal.Signals(number).name
        if self.received is None or not self.finishing:
            self.received = self.received or name
            raise Interrupted(name, f"stopped by {signal_label(name)}; the cases that finished are kept")
        if self._abortable:
            raise Interrupted(name, f"{signal_label(name)} again while the report was written")
        sys.stderr.write(f"\n{signal_label(name)}: saving what finished, a moment...\n")
