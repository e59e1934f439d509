"""A PNG of a report page as a browser draws it (``--fc-screenshot``, ``trends --screenshot``), so
a reviewer sees the page without running anything.

Playwright for Python drives the system's Chromium (Debian's ``chromium``): no browser is ever
downloaded. Without either, the screenshot is left out with one line saying what to install.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from fashionclasstic.fileio import atomic_write_bytes

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 900}


def chromium_path() -> str | None:
    """``$FASHIONCLASSTIC_CHROMIUM``, else ``chromium`` on the PATH, else Debian's."""
    for candidate in (os.environ.get("FASHIONCLASSTIC_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def unavailable() -> str | None:
    """Why no screenshot can be taken here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright; never 'playwright install': the system " \
               "Chromium is used)"
    if chromium_path() is None:
        return "no Chromium found (apt-get install chromium, or set FASHIONCLASSTIC_CHROMIUM)"
    return None


def launch(playwright):
    """The system Chromium, headless, with nothing reaching the network on its own."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=BROWSER_ARGS)


def take_screenshot(page_path: Path, png_path: Path, full_page: bool = False) -> Path:
    """Open ``page_path`` at 1280x900 and save what shows (or the whole
    page) as ``png_path``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(Path(page_path).resolve().as_uri(), wait_until="load")  # "load": every image is in
            atomic_write_bytes(Path(png_path), page.screenshot(full_page=full_page))
        finally:
            browser.close()
    return Path(png_path)


def screenshot(page_path: Path, png_path: Path, full_page: bool = False) -> str:
    """Take the screenshot; one line saying where it is, or why there is none (never raises)."""
    reason = unavailable()
    if reason is None:
        try:
            return f"screenshot: {take_screenshot(page_path, png_path, full_page)}"
        except Exception as exc:  # noqa: BLE001 - a picture of the report must not cost the run
            reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    return f"no screenshot of {Path(page_path).name}: {reason}"
