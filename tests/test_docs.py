"""The documentation's generated pages match the code: each is regenerated and compared with the
committed one, and a change to an option, a command, a record field or a registry entry shows in
the regenerated text (so the comparison catches it)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from fashionclasstic import docs_pages
from fashionclasstic.records import CaseRecord, measure

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = docs_pages.pages(DOCS)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_committed_page_is_what_the_code_gives(name):
    committed = DOCS / name
    assert committed.is_file(), f"docs/{name} is missing: run python -m fashionclasstic.docs_pages"
    assert committed.read_text(encoding="utf-8") == PAGES[name], (
        f"docs/{name} differs from what the code gives: run python -m fashionclasstic.docs_pages and commit it")


def test_every_saved_run_has_its_results_page_and_every_page_is_in_a_toctree():
    machines = {path.parent.parent.name for path in (DOCS / docs_pages.RUNS).glob("*/*/results.json")}
    assert machines and {f"results/{slug}.md" for slug in machines} <= set(PAGES)
    index = (DOCS / "index.md").read_text()
    for name in ("reference/options", "reference/commands", "reference/results-json", "reference/models",
                 "results/index", "tracking"):
        assert f"\n{name}\n" in index


def test_a_new_option_shows_in_the_options_page(monkeypatch):
    from fashionclasstic.plugin import settings

    monkeypatch.setitem(settings.FLAGS, "frobnicate", "a flag nobody has")
    assert docs_pages.options_page() != PAGES["reference/options.md"]
    assert "`--fc-frobnicate`" in docs_pages.options_page()


def test_a_changed_command_shows_in_the_commands_page(monkeypatch):
    from fashionclasstic.commands import compare

    monkeypatch.setattr(compare, "DESCRIPTION", "Compare nothing at all.")
    assert "Compare nothing at all." in docs_pages.commands_page() != PAGES["reference/commands.md"]


def test_a_new_record_field_shows_in_the_results_json_page():
    @dataclasses.dataclass
    class Disk(CaseRecord):
        disk_bytes: int | None = measure("disk", "bytes", "disk_bytes", "disk use")  # bytes on disk after fit

    page = docs_pages.results_json_page(Disk)
    assert page != PAGES["reference/results-json.md"]
    assert "| `disk_bytes` | `int | None` |" in page.replace("\\|", "|") and "bytes on disk after fit" in page


def test_a_changed_registry_entry_shows_in_the_model_table(monkeypatch):
    from fashionclasstic.models import get_model_spec, registry

    changed = dataclasses.replace(get_model_spec("logreg"), description="A model that changed.")
    monkeypatch.setitem(registry._REGISTRY, "logreg", changed)
    assert "A model that changed." in docs_pages.catalogue_page() != PAGES["reference/models.md"]


def test_a_new_saved_run_gets_its_page(tmp_path):
    source = next((DOCS / docs_pages.RUNS).glob("*/*/results.json")).parent
    saved = docs_pages.add_run(source, tmp_path)
    pages = docs_pages.results_pages(tmp_path)
    slug = saved.parent.name
    assert f"results/{slug}.md" in pages and f"## Run {saved.name}" in pages[f"results/{slug}.md"]
    assert f"]({slug}.md)" in pages["results/index.md"]


def test_the_same_cpu_capped_to_avx2_has_its_own_titled_page(tmp_path):
    """Times on an AVX-512 CPU capped to AVX2 are another machine's: its page says which ISA."""
    source = next((DOCS / docs_pages.RUNS).glob("*/*/results.json")).parent
    for isa in ("amx", "avx2"):
        copy = tmp_path / "source" / isa
        copy.mkdir(parents=True)
        data = json.loads((source / "results.json").read_text())
        data["run"]["id"] = f"20260101T00000{len(isa)}Z"
        data["run"]["machine"] = {**data["run"]["machine"], "isa": isa, "fingerprint": isa}
        (copy / "results.json").write_text(json.dumps(data))
        docs_pages.add_run(copy, tmp_path / "docs")
    titles = sorted(line for page, text in docs_pages.results_pages(tmp_path / "docs").items()
                    if page != "results/index.md" for line in text.splitlines()[:1])
    assert len(titles) == 2 and "(AMX)" in titles[0] and "(AVX2)" in titles[1]
