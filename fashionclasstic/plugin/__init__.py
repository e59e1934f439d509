"""The pytest plugin: options and hooks only, registered through the ``pytest11`` entry point.

The jobs live beside it: :mod:`.settings` reads the options, :mod:`.fixtures` provides the
data and each model's case, :mod:`.timing` measures, :mod:`.live` shows training progress,
:mod:`.header` says what a run will cost,
:mod:`.session` collects and writes the results, :mod:`.scheduling` keeps a model on one
xdist worker, :mod:`.isolation` runs each model in a fresh process (``--fc-isolate``), and
:mod:`.hookspec` lets other plugins extend the suite. It knows the
registry and the case protocol, never any one model.
"""

from __future__ import annotations

import os

import pytest

from fashionclasstic.errors import FashionClassticError
from fashionclasstic.hardware import capabilities
from fashionclasstic.plugin import hookspec, isolation
from fashionclasstic.plugin.environment import memory_bytes
from fashionclasstic.plugin.fixtures import (  # noqa: F401  (fixtures, found here by pytest)
    fc_benchmark,
    fc_case,
    fc_data,
    fc_dataset,
    fc_settings,
    fc_thresholds,
    settings_key,
)
from fashionclasstic.plugin.header import RunHeader
from fashionclasstic.plugin.interrupts import InterruptHandler
from fashionclasstic.plugin.live import LiveProgress
from fashionclasstic.plugin.machines import this_machine
from fashionclasstic.plugin.session import ResultsSession, attach_record, model_of
from fashionclasstic.plugin.settings import Settings, add_options
from fashionclasstic.plugin.sharding import PLUGIN_NAME as SHARD_PLUGIN
from fashionclasstic.plugin.sharding import ShardSelection
from fashionclasstic.records import machine_fingerprint
from fashionclasstic.thresholds import load_thresholds

MODEL_PARAMETER = "fc_model"
interrupts_key = pytest.StashKey[InterruptHandler]()


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspec)


def pytest_configure(config: pytest.Config) -> None:
    isolated_child = isolation.child_request()
    if isolated_child is not None:  # one model's cases for an --fc-isolate session, which writes every file
        isolation.configure_child(config, isolated_child)
    try:
        settings = config.stash[settings_key] = Settings.from_config(config)
        load_thresholds(settings.thresholds_path)
        if settings.shard is not None:
            config.pluginmanager.register(ShardSelection(config, settings), SHARD_PLUGIN)
    except FashionClassticError as exc:
        raise pytest.UsageError(str(exc)) from None
    interrupts = config.stash[interrupts_key] = InterruptHandler()
    interrupts.install()  # SIGTERM and Ctrl-C end the run as an interruption (exit 2)
    if settings.isolate:  # the children time the cases; the pytest-benchmark JSON is built from their records
        config.option.benchmark_disable = True
        config.pluginmanager.register(isolation.Isolation(config, model_of), isolation.PLUGIN_NAME)
    if not hasattr(config, "workerinput"):  # the controller, or a serial run
        config.pluginmanager.register(RunHeader(config, settings), "fashionclasstic-header")
        config.pluginmanager.register(ResultsSession(config, settings, interrupts), "fashionclasstic-results")
    config.pluginmanager.register(LiveProgress(config), "fashionclasstic-progress")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session):
    """From here the finished work is saved: another signal only cuts the report short."""
    session.config.stash[interrupts_key].finishing = True
    return (yield)


def pytest_unconfigure(config: pytest.Config) -> None:
    if interrupts_key in config.stash:
        config.stash[interrupts_key].uninstall()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    if config.getoption("dist") not in ("load", "loadgroup"):
        return None
    from fashionclasstic.plugin.scheduling import model_scheduler

    return model_scheduler(config, log)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One case per selected model; session scope lets pytest group a model's cases."""
    if MODEL_PARAMETER in metafunc.fixturenames:
        models = metafunc.config.stash[settings_key].models
        metafunc.parametrize(MODEL_PARAMETER, list(models), ids=list(models), scope="session")


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict) -> None:
    """pytest-benchmark's JSON carries the same machine fingerprint as ``results.json``."""
    machine_info.update(cpu_count=os.cpu_count(), memory_bytes=memory_bytes(), **capabilities().as_machine_info())
    machine_info["fingerprint"] = machine_fingerprint(machine_info, config.stash[settings_key].threads_per_worker())


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """The record (and so pytest-benchmark's extra_info) names the machine of the process that
    runs the case: an xdist worker's own, a remote one with ``--tx ssh=...``."""
    case = getattr(item, "funcargs", {}).get("fc_case")
    if case is not None:
        case.record.machine = this_machine(item.config, item.config.stash[settings_key])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    attach_record(item, call, outcome.get_result(), item.config.stash[settings_key])
