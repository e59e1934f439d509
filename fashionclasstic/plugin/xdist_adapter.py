"""Everything the suite takes from pytest-xdist and execnet that they do not document.

Two facts have no documented interface: how many workers a session starts (xdist turns ``-n N``
into N ``--tx`` specs, which a scheduler counts: the function that does it was renamed in 3.7) and
how a worker's process ended (execnet keeps the ``subprocess.Popen`` of a ``popen`` gateway at
``gateway._io.popen``). They live here and nowhere else; ``tests/test_xdist_adapter.py`` checks
each against the installed releases, and is why ``pyproject.toml`` caps pytest-xdist below 4.
"""

from __future__ import annotations

import subprocess

import pytest


def expected_workers(config: pytest.Config) -> int:
    """How many workers xdist starts for this session: its ``--tx`` specs (``3*popen`` is three),
    which is also where xdist puts what ``-n N`` (or ``-n auto``) comes to."""
    count = 0
    for spec in config.getoption("tx") or []:
        times, star, _ = spec.partition("*")
        count += int(times) if star and times.isdigit() else 1
    return count


def worker_returncode(node, timeout: float = 5) -> int | None:
    """The exit status of a local worker's process (negative: the signal that killed it), or None
    for a remote worker, or one still running after ``timeout`` seconds."""
    popen = getattr(getattr(node.gateway, "_io", None), "popen", None)
    if not isinstance(popen, subprocess.Popen):
        return None
    try:
        return popen.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
