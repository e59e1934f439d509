"""The CI recipes of "Across machines": the GitHub Actions workflow parses and runs the suite's
real options, and ``.ci/bench-sharded`` refuses a bad N before setting anything up."""

from __future__ import annotations

import re
import shlex
import subprocess

import pytest

from fashionclasstic.plugin.settings import OPTIONS

from .conftest import REPO

WORKFLOW = REPO / ".github" / "workflows" / "bench-sharded.yml"


def load_workflow() -> dict:
    """The workflow through PyYAML (the dev extra); without it, a structural check of the keys."""
    text = WORKFLOW.read_text()
    assert "\t" not in text, "YAML forbids tabs in indentation"
    try:
        import yaml
    except ImportError:
        top = [line.split(":")[0] for line in text.splitlines() if re.match(r"^[a-z]", line)]
        assert top == ["name", "on", "jobs"], top
        jobs = re.findall(r"^  ([a-z-]+):$", text, flags=re.M)
        assert jobs == ["shard", "merge"], jobs
        pytest.skip("PyYAML is not installed (pip install -e '.[dev]'): checked the structure only")
    data = yaml.safe_load(text)
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def commands(job: dict) -> list[list[str]]:
    return [shlex.split(step["run"].replace("\n", " ")) for step in job["steps"] if "run" in step]


def test_the_workflow_shards_by_a_matrix_and_merges_every_shard():
    workflow = load_workflow()
    assert set(workflow["jobs"]) == {"shard", "merge"} and "workflow_dispatch" in workflow["on"]
    shard, merge = workflow["jobs"]["shard"], workflow["jobs"]["merge"]
    count = len(shard["strategy"]["matrix"]["shard"])
    assert shard["strategy"]["matrix"]["shard"] == list(range(1, count + 1)) and shard["strategy"]["fail-fast"] is False
    pytest_run = next(c for c in commands(shard) if c[:3] == ["python", "-m", "pytest"])
    options = [arg for arg in pytest_run if arg.startswith("--fc-")]
    assert {option.removeprefix("--fc-") for option in options} <= set(OPTIONS), options
    assert pytest_run[pytest_run.index("--fc-shard") + 1] == f"${{{{ matrix.shard }}}}/{count}"
    report_dir = pytest_run[pytest_run.index("--fc-report-dir") + 1]
    assert pytest_run[pytest_run.index("--benchmark-json") + 1] == f"{report_dir}/benchmark.json"
    upload = next(step for step in shard["steps"] if step.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == report_dir and upload["if"] == "always()"
    assert merge["needs"] == "shard" and merge["if"] == "always()"
    download = next(step for step in merge["steps"] if step.get("uses", "").startswith("actions/download-artifact"))
    merged = next(c for c in commands(merge) if c[:3] == ["python", "-m", "fashionclasstic"])
    assert merged[3] == "merge" and merged[4] == f"{download['with']['path']}/shard-*"


@pytest.mark.parametrize("count", ["", "0", "x", "-2"])
def test_bench_sharded_refuses_a_bad_count_before_any_setup(count):
    result = subprocess.run(["bash", str(REPO / ".ci" / "bench-sharded"), count], capture_output=True, text=True,
                            timeout=30, cwd=REPO)
    assert result.returncode == 4 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "N, the number of shards, is a whole number >= 1" in result.stderr
