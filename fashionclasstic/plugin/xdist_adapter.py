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
    return sum(spec_workers(spec) for spec in config.getoption("tx") or [])


def spec_workers(spec: str) -> int:
    """The workers one ``--tx`` spec starts: ``N*SPEC`` is N of them (xdist's documented syntax)."""
    times, star, _ = spec.partition("*")
    return int(times) if star and times.strip().isdigit() else 1


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
