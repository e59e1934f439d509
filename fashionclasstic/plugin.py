"""The pytest plugin: options, session-scoped data, one parametrized case per registered model,
timing through pytest-benchmark, the accuracy gate, and the end-of-run report.

Registered through the ``pytest11`` entry point. It knows the registry and the case protocol
(:mod:`fashionclasstic.cases`), never any one model.
"""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from fashionclasstic.cases import ModelCase, timed_rounds
from fashionclasstic.data import SOURCES, load_fashion_mnist
from fashionclasstic.errors import ConfigError, FashionClassticError, ModelUnavailable
from fashionclasstic.models.base import ModelContext
from fashionclasstic.models.registry import get_model_spec, list_models
from fashionclasstic.profiles import DEFAULT_PROFILE, PROFILES, Profile, get_profile
from fashionclasstic.results import CaseRecord
from fashionclasstic.thresholds import load_thresholds, threshold_for

RECORD_PROPERTY = "fashionclasstic.record"
MODEL_FIXTURE = "fc_model"

settings_key = pytest.StashKey["Settings"]()
case_key = pytest.StashKey[ModelCase]()
last_of_model_key = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fashionclasstic", "FashionClasstic benchmark suite")

    def option(name: str, help: str, default=None, **kwargs) -> None:
        ini = name.removeprefix("--").replace("-", "_")
        group.addoption(name, dest=ini, default=None, help=f"{help} (ini: {ini})", **kwargs)
        parser.addini(ini, help=help, default=default)

    option("--fc-profile", f"benchmark profile: {', '.join(PROFILES)} (default {DEFAULT_PROFILE})",
           DEFAULT_PROFILE)
    option("--fc-models", "comma-separated model names or glob patterns to run (default: all)", "*")
    option("--fc-data-dir", "directory holding the four Fashion-MNIST archives "
                            "(default: $FASHIONCLASSTIC_DATA, then the cache, Debian's package, Keras)")
    option("--fc-source", f"where the data comes from: {', '.join(SOURCES)}", "archives")
    option("--fc-seed", "seed for subsampling, splits and every framework", "0")
    option("--fc-threads", "CPU threads per worker; 0 divides the cores among xdist workers", "0")
    option("--fc-thresholds", "a TOML thresholds file to gate against instead of the suite's own")
    option("--fc-weights-dir", "directory of local pretrained weights for the pretrained models")
    option("--fc-report-dir", "directory for the run's report (default .fashionclasstic/runs/<run id>)")
    group.addoption("--fc-no-download", action="store_true", dest="fc_no_download",
                    help="never try to download the data")
    group.addoption("--fc-no-report", action="store_true", dest="fc_no_report",
                    help="write no report files (the terminal table is still shown)")


@dataclass(frozen=True)
class Settings:
    profile: Profile
    model_patterns: tuple[str, ...]
    data_dir: str | None
    source: str
    seed: int
    threads: int
    thresholds_path: str | None
    weights_dir: Path | None
    report_dir: str | None
    download: bool | None
    write_report: bool

    @classmethod
    def from_config(cls, config: pytest.Config) -> Settings:
        def value(name: str):
            given = config.getoption(name)
            return given if given is not None else (config.getini(name) or None)

        source = value("fc_source")
        if source not in SOURCES:
            raise ConfigError(f"--fc-source {source!r}: choose one of {', '.join(SOURCES)}")
        weights = value("fc_weights_dir")
        return cls(
            profile=get_profile(value("fc_profile")),
            model_patterns=tuple(p.strip() for p in value("fc_models").split(",") if p.strip()),
            data_dir=value("fc_data_dir"), source=source,
            seed=_int_option("--fc-seed", value("fc_seed"), minimum=0),
            threads=_int_option("--fc-threads", value("fc_threads"), minimum=0),
            thresholds_path=value("fc_thresholds"),
            weights_dir=Path(weights).expanduser() if weights else None,
            report_dir=value("fc_report_dir"),
            download=False if config.getoption("fc_no_download") else None,
            write_report=not config.getoption("fc_no_report"))

    def threads_per_worker(self) -> int:
        if self.threads:
            return self.threads
        workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
        return max(1, (os.cpu_count() or 1) // workers)

    def selected_models(self) -> list[str]:
        selected = []
        for pattern in self.model_patterns:
            matches = list_models(pattern)
            if not matches:
                raise ConfigError(f"--fc-models: {pattern!r} matches no registered model; "
                                  f"registered: {', '.join(list_models())}")
            selected += [m for m in matches if m not in selected]
        return selected


def _int_option(name: str, raw, minimum: int) -> int:
    try:
        number = int(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} needs a whole number, got {raw!r}") from None
    if number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {number}")
    return number


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fc_model(name): a FashionClasstic benchmark case of model NAME")
    try:
        config.stash[settings_key] = Settings.from_config(config)
        load_thresholds(config.stash[settings_key].thresholds_path)
    except FashionClassticError as exc:
        raise pytest.UsageError(str(exc)) from None
    if not _is_xdist_worker(config):
        config.pluginmanager.register(ResultCollector(config), "fashionclasstic-results")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Under xdist, send a model's training and inference cases to the same worker, in order.

    They share the fitted model. xdist's own ``loadgroup`` relies on rewriting node ids, which
    pytest 9.2 no longer allows, so the cases are grouped here by their model id instead.
    """
    if config.getoption("dist") not in ("load", "loadgroup"):
        return None
    from xdist.scheduler import LoadScopeScheduling

    try:
        models = set(config.stash[settings_key].selected_models())
    except FashionClassticError:
        models = set()

    class ModelScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if "@" in nodeid:  # an xdist_group the user set
                return nodeid.rsplit("@", 1)[-1]
            model = _model_of_nodeid(nodeid, models)
            return f"fashionclasstic-model:{model}" if model else nodeid

    return ModelScheduling(config, log)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if MODEL_FIXTURE not in metafunc.fixturenames:
        return
    try:
        names = metafunc.config.stash[settings_key].selected_models()
    except FashionClassticError as exc:
        pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)
    metafunc.parametrize(MODEL_FIXTURE, [
        pytest.param(name, id=name, marks=pytest.mark.fc_model(name))
        for name in names])


def _model_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("fc_model")
    return marker.args[0] if marker else None


def _model_of_nodeid(nodeid: str, models) -> str | None:
    """The model of a case known only by its node id (on the xdist controller): its parameter."""
    param = nodeid.rsplit("[", 1)[-1].rstrip("]") if nodeid.endswith("]") else None
    return param if param in models else None


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """Run each model's cases back to back, so one model at a time holds memory."""
    first_position: dict[str, int] = {}
    for position, item in enumerate(items):
        model = _model_of(item)
        if model is not None:
            first_position.setdefault(model, position)
    if not first_position:
        return
    positions = {id(item): position for position, item in enumerate(items)}
    items.sort(key=lambda item: (first_position.get(_model_of(item), positions[id(item)]), positions[id(item)]))
    last: dict[str, pytest.Item] = {}
    for item in items:
        if _model_of(item) is not None:
            last[_model_of(item)] = item
    for item in last.values():
        item.stash[last_of_model_key] = True


@pytest.fixture(scope="session")
def fc_settings(pytestconfig: pytest.Config) -> Settings:
    """The validated ``--fc-*`` options of this run."""
    return pytestconfig.stash[settings_key]


@pytest.fixture(scope="session")
def fc_dataset(fc_settings: Settings):
    """The canonical Fashion-MNIST split, loaded and verified once per session (or worker)."""
    try:
        return load_fashion_mnist(fc_settings.source, fc_settings.data_dir, download=fc_settings.download)
    except FashionClassticError as exc:
        pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.fixture(scope="session")
def fc_data(fc_dataset, fc_settings: Settings):
    """The data of the chosen profile: the whole split, or its seeded stratified subsample."""
    profile = fc_settings.profile
    if profile.train_size is None and profile.test_size is None:
        return fc_dataset
    return fc_dataset.subsample(profile.train_size, profile.test_size, fc_settings.seed)


@pytest.fixture(scope="session")
def fc_thresholds(fc_settings: Settings):
    return load_thresholds(fc_settings.thresholds_path)


@pytest.fixture(scope="session")
def _fc_cases() -> dict[str, ModelCase]:
    return {}


@pytest.fixture
def fc_case(request: pytest.FixtureRequest, fc_model: str, fc_data, fc_settings: Settings,
            fc_thresholds, _fc_cases):
    """The model's case, shared by its training and inference tests; built on first use."""
    case = _fc_cases.get(fc_model)
    if case is None:
        spec = get_model_spec(fc_model)
        context = ModelContext(profile=fc_settings.profile.name, seed=fc_settings.seed,
                               threads=fc_settings.threads_per_worker(), weights_dir=fc_settings.weights_dir)
        case = _fc_cases[fc_model] = ModelCase(spec, context, fc_data, fc_settings.profile,
                                               threshold_for(spec, fc_settings.profile.name, fc_thresholds))
    request.node.stash[case_key] = case
    if case.model is None and not case.trained:
        try:
            case.build()
        except ModelUnavailable as exc:
            pytest.skip(str(exc))
    yield case
    if request.node.stash.get(last_of_model_key, False):
        case.close()


class BenchmarkTimer:
    """Times a call through pytest-benchmark and, always, with our own wall clock.

    pytest-benchmark switches itself off under xdist (and with ``--benchmark-disable``); the
    wall-clock seconds still reach the report then, labelled as such.
    """

    def __init__(self, benchmark, case: ModelCase):
        self.benchmark, self.case = benchmark, case

    @property
    def timing_source(self) -> str:
        return "wall-clock" if getattr(self.benchmark, "disabled", False) else "pytest-benchmark"

    def measure(self, function, *, group: str, rounds: int = 1):
        self.benchmark.group = group
        seconds: list[float] = []

        def one_round():
            result, (elapsed,) = timed_rounds(function, 1)
            seconds.append(elapsed)
            return result

        result = self.benchmark.pedantic(one_round, rounds=rounds, iterations=1, warmup_rounds=0)
        record = self.case.record
        record.timing = self.timing_source
        if group == "train":
            record.train_seconds = seconds[0]
        else:
            record.inference_seconds = statistics.median(seconds)
            record.inference_rounds = len(seconds)
        return result

    def record_info(self) -> None:
        self.benchmark.extra_info.update(self.case.benchmark_info())


@pytest.fixture
def fc_benchmark(benchmark, fc_case: ModelCase) -> BenchmarkTimer:
    """pytest-benchmark's fixture, bound to the model's case record."""
    return BenchmarkTimer(benchmark, fc_case)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is not None and isinstance(call.excinfo.value, FashionClassticError):
        report.longrepr = f"{type(call.excinfo.value).__name__}: {call.excinfo.value}"
    case = item.stash.get(case_key, None)
    if case is None or (report.when != "call" and report.outcome == "passed"):
        return
    record = case.record
    if report.when == "call" or report.outcome != "passed":
        record.status, record.reason = _status_of(report, call)
        record.worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        report.user_properties.append((RECORD_PROPERTY, record.to_dict()))


def _status_of(report: pytest.TestReport, call: pytest.CallInfo) -> tuple[str, str]:
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        return "skipped", reason.removeprefix("Skipped: ")
    if report.failed:
        status = "failed" if report.when == "call" else "error"
        message = str(call.excinfo.value) if call.excinfo else str(report.longrepr)
        return status, message.strip().splitlines()[0][:300] if message.strip() else status
    return "passed", ""


class ResultCollector:
    """Gathers the case records on the controller: the same path serially and from xdist workers."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.records: dict[str, CaseRecord] = {}
        self.collected_models: set[str] | None = None  # None: not known (e.g. no collection here)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Only models whose cases survive ``-k``/``-m`` deselection can be reported as not run."""
        if session.items:
            self.collected_models = {model for model in map(_model_of, session.items) if model}

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids: list[str]) -> None:
        """The same under xdist, where only the workers collect and send their node ids."""
        models = set(self.config.stash[settings_key].selected_models())
        self.collected_models = (self.collected_models or set()) | {
            model for model in (_model_of_nodeid(nodeid, models) for nodeid in ids) if model}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == RECORD_PROPERTY:
                self.add(CaseRecord.from_dict(value))

    def add(self, record: CaseRecord) -> None:
        previous = self.records.get(record.model)
        if previous is None:
            self.records[record.model] = record
            return
        worst = max(previous, record, key=lambda r: STATUS_SEVERITY.get(r.status, 0))
        status, reason = worst.status, worst.reason
        previous.merge(record)
        previous.status, previous.reason = status, reason

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.started = datetime.now(timezone.utc)

    def all_records(self) -> list[CaseRecord]:
        """Every model with a case in this run, those that never reported marked as not run (e.g.
        Ctrl-C); models deselected with ``-k`` or ``-m`` are left out."""
        records = dict(self.records)
        try:
            selected = self.config.stash[settings_key].selected_models()
        except FashionClassticError:
            selected = []
        if self.collected_models is not None:
            selected = [name for name in selected if name in self.collected_models]
        settings = self.config.stash[settings_key]
        for name in selected:
            if name not in records and self.ran_benchmarks:
                spec = get_model_spec(name)
                records[name] = CaseRecord(model=name, family=spec.family, framework=spec.framework,
                                           profile=settings.profile.name, seed=settings.seed,
                                           status="not run", reason="the session ended before this model ran")
        return list(records.values())

    @property
    def ran_benchmarks(self) -> bool:
        return bool(self.records)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Write the report, also after failures and Ctrl-C, for whatever finished."""
        settings = self.config.stash[settings_key]
        if not self.records or not settings.write_report:
            return
        from fashionclasstic.reporting.run_report import run_info, write_run_report

        info = run_info(self.config, settings, self.started, int(exitstatus))
        try:
            self.report_dir = write_run_report(self.all_records(), info, settings.report_dir)
        except FashionClassticError as exc:
            self.report_error = str(exc)

    def pytest_terminal_summary(self, terminalreporter, exitstatus: int, config: pytest.Config) -> None:
        if not self.records:
            return
        from fashionclasstic.reporting.table import comparison_table

        terminalreporter.write_sep("=", "FashionClasstic results")
        terminalreporter.write_line(comparison_table(self.all_records()))
        if getattr(self, "report_dir", None):
            terminalreporter.write_line(f"report: {self.report_dir / 'index.html'}")
        if getattr(self, "report_error", None):
            terminalreporter.write_line(f"report not written: {self.report_error}", red=True)


STATUS_SEVERITY = {"not run": 0, "passed": 1, "skipped": 2, "failed": 3, "error": 4}
