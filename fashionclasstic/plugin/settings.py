"""The ``--fc-*`` options and ``fc_*`` ini settings of a run, read and checked once.

Every mistake a user can make here ends the run at configure time, before any data is loaded,
with one line naming the option and what to do.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from fashionclasstic.data import SOURCES
from fashionclasstic.errors import ConfigError
from fashionclasstic.models import ModelContext, get_model_spec, list_models, register_ablations
from fashionclasstic.plugin.environment import threads_per_worker, xdist_workers
from fashionclasstic.profiles import DEFAULT_PROFILE, PROFILES, Profile, get_profile
from fashionclasstic.reporting.tables import TERMINAL_COLUMNS, selected_columns
from fashionclasstic.shards import parse_shard

OPTIONS = {  # --fc-<name>: (help, ini default)
    "profile": (f"benchmark profile: {', '.join(PROFILES)} (default {DEFAULT_PROFILE})", DEFAULT_PROFILE),
    "models": ("comma-separated model names or glob patterns to run (default: all)", "*"),
    "import": ("comma-separated modules or .py files to import first: they register your models "
               "(for running the suite's cases from your own project)", None),
    "data-dir": ("directory holding the four Fashion-MNIST archives (default: $FASHIONCLASSTIC_DATA, "
                 "then the cache, Debian's package, Keras)", None),
    "source": (f"where the data comes from: {', '.join(SOURCES)}", "archives"),
    "seed": ("seed for subsampling, splits and every framework", "0"),
    "repeats": ("train each model this many times, with seeds seed, seed+1, ...; scores are the mean", "1"),
    "threads": ("CPU threads per worker; 0 divides the cores among xdist workers", "0"),
    "thresholds": ("a TOML thresholds file whose entries replace the suite's own for the same model and profile "
                   "(the suite's other entries stay)", None),
    "weights-dir": ("directory of local pretrained weights for the pretrained models", None),
    "report-dir": ("directory for the run's report (default .fashionclasstic/runs/<run id>)", None),
    "shard": ("run shard K of N (K/N): whole models, balanced by their expected seconds", None),
    "durations": ("the saved run whose times balance --fc-shard (a results.json, run directory or id, 'latest', "
                  "a pytest-benchmark JSON; default: the newest saved run of the profile, else the registry's "
                  "estimates)", None),
    "columns": ("comma-separated columns of the terminal's table, by field name or label (e.g. default,params); "
                f"default: {', '.join(TERMINAL_COLUMNS)}; all: every column. results.csv and index.html keep every "
                "column", "default"),
}
FLAGS = {
    "no-download": "never try to download the data",
    "no-report": "write no report files (the terminal table is still shown)",
    "no-figures": "write the results files only (results.json, .md, .csv), no figures or index.html; "
                  "'python -m fashionclasstic report RUN' draws them later",
    "isolate": "run each model's cases in a fresh Python process (as asv does), so that nothing one model or "
               "its framework leaves in a process reaches the next; costs a process start and the framework's "
               "start-up per model, outside the timings",
    "ablate": "also run each selected model without each lever of its recipe (its registry 'ablations'), as "
              "models named <model>-without-<lever>, ungated: what each lever buys in accuracy and seconds",
    "screenshot": "save index.png, a picture of index.html at 1280x900 drawn by Chromium through Playwright "
                  "(both needed: pip install playwright, apt-get install chromium)",
}


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("fashionclasstic", "FashionClasstic benchmark suite")
    for name, (help_text, default) in OPTIONS.items():
        dest = "fc_" + name.replace("-", "_")
        group.addoption(f"--fc-{name}", dest=dest, default=None, help=f"{help_text} (ini: {dest})")
        parser.addini(dest, help=help_text, default=default)
    for name, help_text in FLAGS.items():
        group.addoption(f"--fc-{name}", action="store_true", dest="fc_" + name.replace("-", "_"), help=help_text)
    add_tracking_options(group, parser)


@dataclass(frozen=True)
class Settings:
    profile: Profile
    models: tuple[str, ...]  # the selected models, resolved from the patterns
    data_dir: str | None
    source: str
    seed: int
    repeats: int
    threads: int
    thresholds_path: str | None
    weights_dir: Path | None
    report_dir: str | None
    download: bool | None
    write_report: bool
    figures: bool = True  # False: the results files only; the report command draws the rest later
    shard: tuple[int, int] | None = None  # (K, N): run shard K of N
    durations: str | None = None  # the saved run --fc-shard balances by
    workers: int = 0  # xdist workers (0: serial)
    screenshot: bool = False  # index.png next to index.html
    mlflow_uri: str | None = None  # --fc-mlflow: the tracking store the run is logged to
    mlflow_experiment: str = "fashionclasstic"
    columns: tuple[str, ...] = TERMINAL_COLUMNS  # the terminal table's fields (--fc-columns)
    isolate: bool = False  # each model in a fresh process (plugin/isolation.py)

    @classmethod
    def from_config(cls, config: pytest.Config) -> Settings:
        def value(name: str):
            given = config.getoption(name)
            return given if given is not None else (config.getini(name) or None)

        source = value("fc_source")
        if source not in SOURCES:
            raise ConfigError(f"--fc-source {source!r}: choose one of {', '.join(SOURCES)}")
        weights = value("fc_weights_dir")
        write_report = not config.getoption("fc_no_report")
        import_user_modules(value("fc_import"))
        report_dir = value("fc_report_dir")
        isolate, workers = bool(config.getoption("fc_isolate")), xdist_workers(config)
        if isolate and workers:
            raise ConfigError("--fc-isolate runs each model in a fresh process of its own: leave out -n/--dist "
                              "(xdist workers keep a process for several models)")
        if report_dir and write_report:
            check_writable_dir(report_dir, "--fc-report-dir")
        return cls(
            profile=get_profile(value("fc_profile")),
            models=selected_models(value("fc_models"), ablate=config.getoption("fc_ablate")),
            data_dir=value("fc_data_dir"), source=source,
            seed=int_option("--fc-seed", value("fc_seed"), minimum=0),
            repeats=int_option("--fc-repeats", value("fc_repeats"), minimum=1),
            threads=int_option("--fc-threads", value("fc_threads"), minimum=0),
            thresholds_path=value("fc_thresholds"),
            weights_dir=Path(weights).expanduser() if weights else None,
            report_dir=report_dir,
            download=False if config.getoption("fc_no_download") else None,
            write_report=write_report, figures=not config.getoption("fc_no_figures"),
            shard=parse_shard(value("fc_shard")) if value("fc_shard") else None,
            durations=value("fc_durations"), workers=workers, isolate=isolate,
            screenshot=config.getoption("fc_screenshot"), columns=selected_columns(value("fc_columns")),
            **tracking_settings(value))

    def threads_per_worker(self) -> int:
        return threads_per_worker(self.threads, self.workers)

    def context(self) -> ModelContext:
        return ModelContext(seed=self.seed, threads=self.threads_per_worker(), weights_dir=self.weights_dir)

    def skip_reason(self, model: str) -> str | None:
        """Why ``model`` would skip in this run (its framework or pretrained weights absent), or None."""
        return get_model_spec(model).skip_reason(self.profile.name, self.context())


def add_tracking_options(group, parser: pytest.Parser) -> None:
    """``--fc-mlflow [URI]``: the one option whose value is optional."""
    from fashionclasstic.reporting.mlflow_sink import DEFAULT_EXPERIMENT, DEFAULT_URI

    group.addoption("--fc-mlflow", dest="fc_mlflow", nargs="?", const=DEFAULT_URI, default=None, metavar="URI",
                    help=f"log the run to MLflow: a parent run, a nested run per model (default URI {DEFAULT_URI}, "
                         f"an embedded store, no server; needs the mlflow extra) (ini: fc_mlflow)")
    parser.addini("fc_mlflow", help="an MLflow tracking URI to log every run to (as --fc-mlflow=URI)", default=None)
    group.addoption("--fc-mlflow-experiment", dest="fc_mlflow_experiment", default=None, metavar="NAME",
                    help=f"the MLflow experiment of --fc-mlflow (default {DEFAULT_EXPERIMENT}) "
                         f"(ini: fc_mlflow_experiment)")
    parser.addini("fc_mlflow_experiment", help="the MLflow experiment of --fc-mlflow", default=DEFAULT_EXPERIMENT)


def tracking_settings(value) -> dict:
    """The ``--fc-mlflow`` settings, refused at configure time when MLflow is not installed."""
    from fashionclasstic.reporting.mlflow_sink import check_available, tracking_uri

    uri = tracking_uri(value("fc_mlflow"))
    if uri is not None:
        check_available(uri)
    return {"mlflow_uri": uri, "mlflow_experiment": value("fc_mlflow_experiment")}


def import_user_modules(names: str | None) -> None:
    """Import the modules or files named by ``--fc-import``, once each; they call register_model."""
    for name in (n.strip() for n in (names or "").split(",")):
        if not name:
            continue
        try:
            if name.endswith(".py") or os.sep in name:
                path = Path(name).expanduser().resolve()
                if not path.is_file():
                    raise ConfigError(f"--fc-import {name}: no such file")
                module_name = f"fashionclasstic_user_{path.stem}_{abs(hash(str(path)))}"
                if module_name not in sys.modules:
                    spec = importlib.util.spec_from_file_location(module_name, path)
                    module = importlib.util.module_from_spec(spec)
                    sys.modules[module_name] = module
                    spec.loader.exec_module(module)
            else:
                if os.getcwd() not in sys.path:
                    sys.path.insert(0, os.getcwd())
                importlib.import_module(name)
        except ConfigError:
            raise
        except Exception as exc:  # noqa: BLE001 - the user's module: one line, not its traceback
            raise ConfigError(f"--fc-import {name}: cannot import it ({type(exc).__name__}: {exc})") from None


def selected_models(patterns: str, ablate: bool = False) -> tuple[str, ...]:
    """The registered models the comma-separated names or glob patterns select, in order; with
    ``ablate``, each followed by its ablations (registered here, in every process of the run)."""
    if ablate:
        return tuple(dict.fromkeys(name for model in selected_models(patterns)
                                   for name in (model, *register_ablations(model))))
    selected: list[str] = []
    for pattern in (p.strip() for p in patterns.split(",")):
        if not pattern:
            continue
        matches = list_models(pattern)
        if not matches:
            raise ConfigError(f"--fc-models: {pattern!r} matches no registered model; "
                              f"registered: {', '.join(list_models())}")
        selected += [m for m in matches if m not in selected]
    return tuple(selected)


def int_option(name: str, raw, minimum: int) -> int:
    try:
        number = int(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} needs a whole number, got {raw!r}") from None
    if number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {number}")
    return number


def check_writable_dir(path: str, option: str) -> None:
    """Refuse, before any training, a directory that could not be created or written."""
    target = Path(path).expanduser().absolute()
    existing = next(p for p in (target, *target.parents) if p.exists())
    if not existing.is_dir():
        raise ConfigError(f"{option} {path}: {existing} is a file, not a directory; choose another path")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"{option} {path}: {existing} is not writable; choose a writable directory")
