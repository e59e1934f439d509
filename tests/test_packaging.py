"""The package metadata fits other people's environments: no exact pins, an upper bound only with
its reason beside it, and every requirement admits the newest releases of the frameworks a
user's project may already have (so installing the suite keeps their torch, CPU or CUDA build)."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from .conftest import REPO

PYPROJECT = REPO / "pyproject.toml"
SNAPSHOT = REPO / "tests" / "data" / "newest-releases.json"
USERS_FRAMEWORKS = ["torch", "tensorflow", "scikit-learn", "xgboost", "pytest"]
INDEX_UNREACHABLE = 3  # .ci/versions.py's exit status when pip cannot reach the index


def metadata_requirements() -> list[tuple[Requirement, str]]:
    """Each requirement of pyproject.toml with its line and the comment lines just above it."""
    import tomllib

    project = tomllib.loads(PYPROJECT.read_text())["project"]
    texts = project["dependencies"] + [text for extra in project["optional-dependencies"].values() for text in extra]
    lines = PYPROJECT.read_text().splitlines()
    found = []
    for text in texts:
        row = next(i for i, line in enumerate(lines) if f'"{text}"' in line)
        above = row
        while above > 0 and lines[above - 1].strip().startswith("#"):
            above -= 1
        found.append((Requirement(text), "\n".join(lines[above:row + 1])))
    return found


def newest_releases() -> dict[str, Version]:
    """The newest releases the index lists, asked through pip; the checked-in snapshot (named in
    a warning) when the index does not answer."""
    result = subprocess.run([sys.executable, str(REPO / ".ci" / "versions.py"), "newest", *USERS_FRAMEWORKS],
                            capture_output=True, text=True, timeout=240)
    if result.returncode == INDEX_UNREACHABLE:
        snapshot = json.loads(SNAPSHOT.read_text())
        warnings.warn(f"the package index did not answer ({result.stderr.strip().splitlines()[-1]}): checked against "
                      f"{SNAPSHOT.relative_to(REPO)}, taken {snapshot['taken']}", stacklevel=2)
        return {name: Version(version) for name, version in snapshot["versions"].items()}
    assert result.returncode == 0, result.stderr
    return {name: Version(version) for name, version in json.loads(result.stdout).items()}


def test_no_requirement_is_pinned_and_every_upper_bound_says_why():
    for requirement, lines in metadata_requirements():
        operators = {spec.operator for spec in requirement.specifier}
        assert not operators & {"==", "==="}, f"{requirement}: an exact pin replaces the user's release"
        if operators & {"<", "<=", "!=", "~="}:
            assert "#" in lines, f"{requirement}: an upper bound needs its reason in a comment beside it"


@pytest.mark.e2e
def test_every_requirement_admits_the_newest_releases_of_a_users_frameworks():
    newest = newest_releases()
    assert set(newest) == set(USERS_FRAMEWORKS)
    checked = []
    for requirement, _ in metadata_requirements():
        name = canonicalize_name(requirement.name)
        if name in newest:
            checked.append(name)
            assert requirement.specifier.contains(newest[name], prereleases=True), (
                f"{requirement} refuses {name} {newest[name]}, the newest release: a user's environment with it "
                "would have it replaced")
    assert set(checked) == set(USERS_FRAMEWORKS)


@pytest.mark.parametrize("build", ["2.14.1+cu128", "2.13.0+cpu", "2.13.0"])
def test_the_torch_requirements_admit_a_cpu_or_cuda_build(build):
    torch = [requirement for requirement, _ in metadata_requirements() if requirement.name == "torch"]
    assert torch and all(requirement.specifier.contains(Version(build)) for requirement in torch)


@pytest.mark.parametrize("which", ["", "latest"])
def test_the_matrix_refuses_an_unknown_end_before_any_setup(which):
    result = subprocess.run(["bash", str(REPO / ".ci" / "matrix"), which], capture_output=True, text=True,
                            timeout=30, cwd=REPO)
    assert result.returncode == 4 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "oldest|newest" in result.stderr
