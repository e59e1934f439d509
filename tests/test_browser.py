"""The report pages in a real browser: Playwright driving the system's Chromium (never a
downloaded one). The report of a small real session (``--fc-screenshot`` on) and the trends of
saved runs load with no console error and no failed request, every image decodes, the main
table fits 1280 pixels, a click on a column sorts the rows, and every model's link lands on its
section."""

from __future__ import annotations

import pytest

from fashionclasstic.cli import main
from fashionclasstic.reporting.screenshot import VIEWPORT, launch, unavailable
from tests.conftest import CENTROID_MODEL, save_runs, shared_run

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # Chromium and a whole session
if unavailable():
    pytest.skip(f"no browser for these tests: {unavailable()}", allow_module_level=True)

STRICT_MODEL = '''

@register_model("strict_centroid", family="prototype", framework="scikit-learn", min_accuracy={"smoke": 0.99})
def strict_centroid(params, context):
    """A gate no model of its kind passes: the page must mark the failure."""
    from sklearn.neighbors import NearestCentroid
    return SklearnClassifier(estimator=NearestCentroid(shrink_threshold=0.4))
'''
MODELS = ("centroid", "centroid_twin", "strict_centroid", "decision_tree")
suite_run = shared_run(CENTROID_MODEL + STRICT_MODEL, "--fc-profile=smoke", f"--fc-models={','.join(MODELS)}",
                       "--fc-report-dir=report", "--fc-screenshot")

ROW_NAMES = "Array.from(document.querySelectorAll('#results table.results tbody tr td:first-child a'), a => a.text)"


@pytest.fixture(scope="module")
def browser(trends_dir):
    """One Chromium for the module's tests (after the trends' own screenshot: Playwright's sync
    API runs one at a time in a thread)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def report(suite_run):
    return suite_run.path / "report"


@pytest.fixture(scope="module")
def trends_dir(tmp_path_factory):
    """trends.html (and its screenshot, through the command's option) over six saved runs."""
    directory = tmp_path_factory.mktemp("trends")
    save_runs(directory / "runs", logreg_drop_from=4)
    assert main(["trends", "--runs-dir", str(directory / "runs"), "--storage", str(directory / "none"),
                 "--out", str(directory / "out"), "--screenshot"]) == 0
    return directory / "out"


class Opened:
    """A page at 1280x900 and everything that went wrong while it loaded."""

    def __init__(self, browser, path):
        self.page = browser.new_page(viewport=VIEWPORT)
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}")
                     if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed request: {r.url} {r.failure}"))
        self.page.goto(path.as_uri(), wait_until="load")

    def images(self) -> dict[str, int]:
        return dict(self.page.evaluate("Array.from(document.images, i => [i.getAttribute('src'), i.naturalWidth])"))

    def column(self, index: int) -> list[str]:
        return self.page.evaluate(f"Array.from(document.querySelectorAll('#results table.results tbody tr'), "
                                  f"r => r.cells[{index}].getAttribute('data-sort'))")

    def click_header(self, label: str, table: str = "#results table.results") -> None:
        self.page.locator(f"{table} thead button", has_text=label).first.click()

    def lands_on_each_section(self, links: str) -> list[str]:
        """Follow each link; the ids whose section is not the page's :target in view."""
        missed = []
        for target in self.page.evaluate(f"Array.from(document.querySelectorAll('{links}'), a => a.hash.slice(1))"):
            self.page.evaluate("window.scrollTo(0, 0)")
            self.page.locator(f"{links}[href='#{target}']").click()
            landed = self.page.evaluate("""id => {
                const section = document.getElementById(id);
                const box = section.getBoundingClientRect();
                return section.matches(':target') && box.top > -2 && box.top < window.innerHeight;
            }""", target)  # -2: the scroll lands on a fraction of a pixel
            if not landed:
                missed.append(target)
        return missed


def test_the_report_loads_cleanly_every_image_decodes_and_the_table_fits(browser, report, suite_run):
    opened = Opened(browser, report / "index.html")
    assert opened.problems == []
    images = opened.images()
    # the chart, the 3 data figures, 4 confusion matrices, the tree's importances
    assert len(images) == 1 + 3 + 4 + 1 and all(width > 0 for width in images.values()), images
    assert opened.page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
    assert opened.page.evaluate("document.querySelector('#results table.results').scrollWidth "
                                "<= document.querySelector('#results').clientWidth")
    failed = opened.page.locator("tr.gate-fail")
    assert failed.count() == 1 and "strict_centroid" in failed.inner_text() and "FAIL" in failed.inner_text()
    assert opened.page.locator("#results").bounding_box()["y"] < 200  # results first, the run's details last
    assert opened.page.evaluate("document.querySelector('main').lastElementChild.id") == "run"
    opened.page.close()


def test_clicking_a_header_sorts_by_accuracy_and_by_training_time(browser, report):
    opened = Opened(browser, report / "index.html")
    headers = opened.page.evaluate("Array.from(document.querySelectorAll('#results thead th'), h => h.innerText)")
    accuracy, train = (next(i for i, h in enumerate(headers) if h.startswith(name)) for name in ("accuracy", "train s"))
    before = opened.page.evaluate(ROW_NAMES)
    opened.click_header("accuracy")
    values = [float(v) for v in opened.column(accuracy)]
    assert values == sorted(values) and opened.page.evaluate(ROW_NAMES) != before
    opened.click_header("accuracy")
    assert [float(v) for v in opened.column(accuracy)] == sorted(values, reverse=True)
    opened.click_header("train s")
    seconds = [float(v) for v in opened.column(train)]
    assert seconds == sorted(seconds) and len(set(seconds)) == len(MODELS)
    assert sorted(opened.page.evaluate(ROW_NAMES)) == sorted(MODELS)
    opened.page.close()


def test_every_model_link_lands_on_its_section(browser, report):
    opened = Opened(browser, report / "index.html")
    assert opened.lands_on_each_section("#results table.results tbody a") == []
    assert opened.page.locator("section.model").count() == len(MODELS)
    opened.page.close()


def test_the_screenshots_are_saved_with_the_pages(report, trends_dir, suite_run):
    from PIL import Image

    assert f"screenshot: {report.resolve() / 'index.png'}" in suite_run.stdout.lines
    for shot in (report / "index.png", trends_dir / "trends.png"):
        with Image.open(shot) as image:
            assert image.size == (VIEWPORT["width"], VIEWPORT["height"])
            darkest, lightest = image.convert("L").getextrema()
        assert lightest - darkest > 100  # text and figures, not a blank page


def test_trends_load_cleanly_sort_and_link_to_each_model(browser, trends_dir):
    opened = Opened(browser, trends_dir / "trends.html")
    assert opened.problems == []
    images = opened.images()
    assert images and all(width > 0 for width in images.values()), images
    assert opened.page.locator("li.worse", has_text="logreg accuracy stepped down").count() == 1
    table = "section#" + opened.page.evaluate("document.querySelector('section[id^=group-]').id")
    names = f"Array.from(document.querySelectorAll('{table} table.results tbody tr td:first-child'), c => c.innerText)"
    before = opened.page.evaluate(names)
    opened.click_header("latest accuracy", table)
    after = opened.page.evaluate(names)
    assert sorted(after) == sorted(before) and after != before
    assert opened.lands_on_each_section(f"{table} table.results tbody a") == []
    opened.page.close()
