"""PDFs printed from the HTML sheets by ONE headless Chromium (Debian's ``/usr/bin/chromium``) for all pages:
starting a browser takes about a second, printing a page a few hundredths."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

CHROMIUM = Path(os.environ.get("DIALOOG_CHROMIUM", "/usr/bin/chromium"))
#: Headless, no sandbox (containers), no network chatter of its own; the browser tests launch it the same way.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING = (f"no Chromium at {CHROMIUM}: HTML sheets written, PDFs need it (`make debian-packages` installs Debian's "
           "chromium)")


def chromium_available() -> bool:
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


def print_pdfs(pages: Iterable[tuple[Path, Path]]) -> tuple[int, float]:
    """Print each (html, pdf) pair on A4 with one browser; returns (pages printed, seconds printing them, browser
    start excluded)."""
    from playwright.sync_api import sync_playwright

    count, seconds = 0, 0.0
    with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="factsheets-chromium-") as profile:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True, locale="nl-NL")
        try:
            page = browser.new_page()
            for html, pdf in pages:
                started = time.perf_counter()
                page.goto(html.resolve().as_uri(), wait_until="load")
                page.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True)
                seconds += time.perf_counter() - started
                count += 1
        finally:
            browser.close()
    return count, seconds
