"""The suite's fixtures: the data once per session (or xdist worker), and each model's case,
set up (its framework started, models/startup.py) before it is timed.

``fc_case`` is session-scoped and parametrized by ``fc_model``, so pytest itself runs a
model's cases back to back, shares the built model between them, and tears it down before
the next model starts: one model at a time holds memory.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging

import pytest

from fashionclasstic.cases import ModelCase
from fashionclasstic.data import load_fashion_mnist
from fashionclasstic.errors import FashionClassticError, ModelUnavailable
from fashionclasstic.models import get_model_spec
from fashionclasstic.models.startup import warm_up
from fashionclasstic.plugin.settings import Settings
from fashionclasstic.plugin.timing import CaseBenchmark
from fashionclasstic.thresholds import load_thresholds, threshold_for

log = logging.getLogger(__name__)
settings_key = pytest.StashKey[Settings]()


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
def fc_case(fc_model: str, fc_data, fc_settings: Settings, fc_thresholds):
    """The model's case, shared by its training and inference tests; the inference test closes
    the model, so that a ``close`` that fails is that model's failure, not the next one's
    (pytest tears a session fixture down only when the next model's case starts)."""
    spec = get_model_spec(fc_model)
    release_freed_memory()  # what the previous model freed, before this one is measured
    case = ModelCase(spec, fc_settings.profile, fc_settings.context(), fc_data,
                     threshold_for(spec, fc_settings.profile.name, fc_thresholds, fc_settings.repeats),
                     repeats=fc_settings.repeats)
    try:
        case.build()
    except ModelUnavailable as exc:
        pytest.skip(str(exc))
    # the framework's one-time start-up, before its first model in this process is timed
    case.record.framework_startup_seconds = warm_up(spec.framework, case.context)
    yield case
    try:  # normally closed by the model's last case already; here only after a failure
        case.close()
    except Exception as exc:  # noqa: BLE001 - this runs as the next model starts: never its failure
        log.warning("%s: %s", fc_model, exc)


@pytest.fixture
def fc_benchmark(benchmark, fc_case: ModelCase) -> CaseBenchmark:
    """pytest-benchmark's fixture, bound to the model's case record."""
    return CaseBenchmark(benchmark, fc_case)


def release_freed_memory() -> None:
    """Collect garbage and hand the C heap's free pages back to the system (glibc's
    ``malloc_trim``): otherwise a model after a large one reuses pages the process already
    holds, and its time and its peak memory (resident memory above the start) differ from
    those it has when it runs first."""
    gc.collect()
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        if libc is not None and hasattr(libc, "malloc_trim"):
            libc.malloc_trim(0)
    except OSError:
        pass  # not glibc: nothing to hand back this way
