"""``python -m fashionclasstic report``: a saved run's report redrawn from its ``results.json``."""

from __future__ import annotations

from pathlib import Path

from fashionclasstic.reporting.files import RESULTS_FILE, RUNS_DIR, ReportError
from fashionclasstic.reporting.publishers import LOAD_DATASET, publish
from fashionclasstic.runs.saved import find_results_file, saved_results


def rebuild_report(run: str, out=None, data_dir=None, *, dataset=LOAD_DATASET, runs_dir: Path | None = None) -> Path:
    """Redraw a saved run from its ``results.json`` alone (into its folder, or ``out``)."""
    path = find_results_file(run, Path(runs_dir) if runs_dir is not None else RUNS_DIR)
    records, info = saved_results(path)
    if data_dir:
        info.data = {**info.data, "data_dir": str(Path(data_dir).expanduser().resolve())}
    directory = Path(out).expanduser() if out else path.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        same_place = directory.resolve() == path.parent.resolve()
        publish(records, info, directory, dataset=dataset, skip=[RESULTS_FILE] if same_place else [])
    except OSError as exc:
        raise ReportError(f"cannot write the report to {directory}: {exc}") from None
    return directory.resolve()
