"""What a run ran on and with, computed once per session (or xdist worker): the installed
versions, the suite's own commit, the checkout's commit, the machine (through
:mod:`fashionclasstic.machine`), the xdist workers and so the threads each model gets.
``results.json`` is rewritten after every model; none of this is looked up again for it."""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import os
import platform
import subprocess
from pathlib import Path

import pytest

from fashionclasstic.machine import this_machine
from fashionclasstic.plugin.xdist_adapter import expected_workers

log = logging.getLogger(__name__)
commit_key = pytest.StashKey[dict]()

# Distribution names whose versions explain a difference between two runs.
VERSIONED = ("fashionclasstic", "numpy", "scikit-learn", "xgboost", "tensorflow", "keras", "torch",
             "transformers", "pytest", "pytest-benchmark", "pytest-xdist")


def xdist_workers(config: pytest.Config) -> int:
    """How many xdist workers run the cases (0: no xdist), the same on the controller and the
    workers, whatever the transport: ``-n N`` (which xdist turns into ``--tx popen`` N times),
    ``-d --tx 2*popen``, ``--tx socket=HOST:PORT``, ``--tx ssh=HOST``. On the controller they
    are xdist's gateway specs (``--tx``, ``N*SPEC`` counting N) when it distributes at all;
    on a worker, the count xdist hands it (``PYTEST_XDIST_WORKER_COUNT``)."""
    if hasattr(config, "workerinput"):
        count = config.workerinput.get("workercount") or os.environ.get("PYTEST_XDIST_WORKER_COUNT")
        return int(count or 0)
    if config.getoption("dist", "no") in (None, "no") or config.getoption("collectonly", False):
        return 0
    return expected_workers(config)


def threads_per_worker(threads_option: int, workers: int) -> int:
    """The CPU threads each model gets: ``--fc-threads``, else the cores divided by the workers."""
    return threads_option or max(1, (os.cpu_count() or 1) // max(1, workers))


@functools.cache
def package_versions() -> dict[str, str | None]:
    """Installed versions of what a result depends on (``None``: not installed)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


@functools.cache
def suite_info() -> dict:
    """The suite's own version, and its commit when it runs from a checkout (editable install)."""
    import fashionclasstic

    package = Path(fashionclasstic.__file__).resolve().parent
    info = {"version": fashionclasstic.__version__, "commit": None, "dirty": None}
    try:
        top = subprocess.run(["git", "-C", str(package), "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
        if Path(top, "fashionclasstic", "__init__.py").resolve() == package / "__init__.py":
            info["commit"] = subprocess.run(["git", "-C", top, "rev-parse", "HEAD"], capture_output=True,
                                            text=True, timeout=10, check=True).stdout.strip()
            info["dirty"] = bool(subprocess.run(["git", "-C", top, "status", "--porcelain", "--untracked-files=no"],
                                                capture_output=True, text=True, timeout=10).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def commit_info(config: pytest.Config) -> dict:
    """pytest-benchmark's commit information (``id``, ``dirty``, ``branch``) as ``commit``/``dirty``."""
    if commit_key in config.stash:
        return config.stash[commit_key]
    hook = getattr(config.hook, "pytest_benchmark_generate_commit_info", None)
    try:
        info = dict(hook(config=config)) if hook is not None else {}
    except Exception as exc:  # noqa: BLE001 - no git, or not a checkout: the run goes on
        log.debug("no commit information: %s", exc)
        info = {}
    commit = info.get("id") if info.get("id") not in (None, "unknown") else None
    config.stash[commit_key] = {"commit": commit, "dirty": info.get("dirty") if commit else None,
                                "branch": info.get("branch")}
    return config.stash[commit_key]


def machine_info(config: pytest.Config) -> dict:
    """This process's machine dict (:func:`fashionclasstic.machine.this_machine`), its base
    pytest-benchmark's machine information through its hooks (generated, then updated by every
    plugin and conftest), as in its JSON."""

    def generated() -> dict | None:
        generate = getattr(config.hook, "pytest_benchmark_generate_machine_info", None)
        if generate is None:
            return None
        info = dict(generate(config=config))
        config.hook.pytest_benchmark_update_machine_info(config=config, machine_info=info)
        return info

    return this_machine(generated)
