"""Ctrl-C and SIGTERM end a run like an interruption, keeping everything that finished.

SIGTERM (what CI systems send on cancel or time-out) would otherwise kill the process on the
spot; here both signals raise :class:`Interrupted`, a ``KeyboardInterrupt`` that pytest turns
into exit status 2 after its session hooks ran, so the report and the pytest-benchmark JSON
are written for what finished. A second signal while the first is handled (pytest unwinds
the running case and formats the interruption before the session ends) is one line and
changes nothing: raised there, it would escape pytest's handling as a traceback and exit 1.
Once the session ends, another signal only cuts the report short (every file is written
atomically, so what is there stays valid). A third signal quits at once, for a run that
hangs while it stops; the files written so far stay.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading

SIGNALS = ("SIGINT", "SIGTERM")
QUIT_AT_ONCE_AFTER = 3  # signals: the first interrupts, the second is acknowledged, the third quits


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
        self._count = 0
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
        self._count += 1
        if self.received is None:
            self.received = name
            raise Interrupted(name, f"stopped by {signal_label(name)}; the cases that finished are kept")
        if self.finishing and self._abortable:
            raise Interrupted(name, f"{signal_label(name)} again while the report was written")
        if self._count >= QUIT_AT_ONCE_AFTER:
            sys.stdout.flush()
            sys.stderr.write(f"\n{signal_label(name)} a third time: quitting at once; the files written so far "
                             "are kept\n")
            sys.stderr.flush()
            os._exit(2)  # pytest's exit status for an interrupted run
        sys.stderr.write(f"\n{signal_label(name)} again: saving what finished, a moment...\n")
