"""The pytest plugin: options and hooks only, registered through the ``pytest11`` entry point.

The jobs live beside it: :mod:`.settings` reads the options, :mod:`.fixtures` provides the
data and each model's case, :mod:`.timing` measures, :mod:`.live` shows training progress,
:mod:`.header` says what a run will cost,
:mod:`.session` collects, writes and shows the results (:mod:`.collector`, :mod:`.writer`,
:mod:`.printer`), :mod:`.scheduling` keeps a model on one
xdist worker, :mod:`.isolation` runs each model in a fresh process (``--fc-isolate``), and
:mod:`.hookspec` lets other plugins extend the suite. It knows the
registry and the case protocol, never any one model.
"""

from __future__ import annotations

import shutil

import pytest

from fashionclasstic.case_names import MODEL_PARAMETER, model_of_item
from fashionclasstic.errors import FashionClassticError
from fashionclasstic.machine import completed, record_machine, with_fingerprint
from fashionclasstic.plugin import hookspec, isolation
from fashionclasstic.plugin.collector import attach_record
from fashionclasstic.plugin.environment import machine_info
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
from fashionclasstic.plugin.session import ResultsSession
from fashionclasstic.plugin.settings import Settings, add_options
from fashionclasstic.plugin.sharding import PLUGIN_NAME as SHARD_PLUGIN
from fashionclasstic.plugin.sharding import ShardSelection
from fashionclasstic.plugin.tracking import PLUGIN_NAME as MLFLOW_PLUGIN
from fashionclasstic.plugin.tracking import MlflowTracking
from fashionclasstic.thresholds import load_thresholds

interrupts_key = pytest.StashKey[InterruptHandler]()
# pytest-benchmark's table for the suite's cases, unless --benchmark-columns says otherwise: the
# suite's own table has the medians and more; these keep each line within 120 columns (within 80
# without the minimum)
BENCHMARK_COLUMNS = ["min", "median", "rounds"]
NARROW_BENCHMARK_COLUMNS, NARROW = ["median", "rounds"], 100
# pytest-benchmark's documented default (``--benchmark-columns`` in its help): what 4.x reads when
# the option is not given (5.x reads None)
BENCHMARK_DEFAULT_COLUMNS = ["min", "max", "mean", "stddev", "median", "iqr", "outliers", "ops", "rounds", "iterations"]


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspec)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Short pytest-benchmark tables by default. pytest documents that the default
    ``pytest_cmdline_main`` invokes the configure hooks, and ``config.option`` as the parsed
    options: set here, first, the columns are what pytest-benchmark reads in its
    ``pytest_configure`` (``--benchmark-columns``, as given on the command line or in addopts,
    stays the user's)."""
    if getattr(config.option, "benchmark_columns", BENCHMARK_COLUMNS) in (None, BENCHMARK_DEFAULT_COLUMNS):
        narrow = shutil.get_terminal_size().columns < NARROW  # COLUMNS, else the terminal, as pytest's width
        config.option.benchmark_columns = list(NARROW_BENCHMARK_COLUMNS if narrow else BENCHMARK_COLUMNS)


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
        config.pluginmanager.register(isolation.Isolation(config, model_of_item), isolation.PLUGIN_NAME)
    if not hasattr(config, "workerinput"):  # the controller, or a serial run
        config.pluginmanager.register(RunHeader(config, settings), "fashionclasstic-header")
        results = ResultsSession(config, settings, interrupts)
        config.pluginmanager.register(results, "fashionclasstic-results")
        if settings.mlflow_uri:
            config.pluginmanager.register(MlflowTracking(settings, interrupts, results), MLFLOW_PLUGIN)
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
    machine_info.update(with_fingerprint(completed(machine_info), config.stash[settings_key].threads_per_worker()))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """The record (and so pytest-benchmark's extra_info) names the machine of the process that
    runs the case: an xdist worker's own, a remote one with ``--tx ssh=...``."""
    case = getattr(item, "funcargs", {}).get("fc_case")
    if case is not None:
        threads = item.config.stash[settings_key].threads_per_worker()
        case.record.machine = record_machine(machine_info(item.config), threads)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    attach_record(item, call, outcome.get_result(), item.config.stash[settings_key])
