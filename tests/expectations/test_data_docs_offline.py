"""Data Docs for auditors work without internet and send nothing out.

The generated HTML refers only to files inside the Data Docs folder (which exist), no page carries the data
context's id, GX analytics are off, and in headless Chromium with every non-local request aborted the index
and a validation page render their tables, styled by Bootstrap, with Font Awesome's icons.
Needs ``make setup`` (``npm ci``: the pinned libraries) and Debian's ``chromium`` (``/usr/bin/chromium``).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import duckdb
import pandas as pd
import pytest
from great_expectations.expectations import ExpectColumnValuesToNotBeNull

from core.settings import PROJECT_ROOT, Settings
from expectations.runner import Rule, Suite, run_suite
from expectations.suites.cbs import gemeenten_suite
from factsheets.pdf import CHROMIUM, CHROMIUM_FLAGS  # the flags that work here
from tests.expectations.conftest import GEMEENTEN_TYPES, read_fixture

#: A suite whose name has dots: GX puts its pages one folder deeper per dot.
DOTTED = Suite(
    name="audit.dotted.suite",
    key_columns=("id",),
    rules=(Rule("id_not_null", ExpectColumnValuesToNotBeNull(column="id"), "fatal"),),
)
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)""")


class _References(HTMLParser):
    """Every src/href attribute of a page, and the text of its inline <style> blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.refs += [(tag, value) for name, value in attrs if name in {"src", "href", "srcset", "poster"} and value]
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False if tag == "style" else self._in_style

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def _local_file(base: Path, ref: str) -> Path | None:
    """The file a relative reference points to, or None for an in-page anchor or inline data."""
    parsed = urlparse(ref)
    if parsed.scheme or parsed.netloc or ref.startswith("//"):
        raise AssertionError(f"outside reference {ref!r}")
    if not parsed.path:
        return None  # "#section-1" and the like
    return (base.parent / unquote(parsed.path)).resolve()


@pytest.fixture
def docs(con: duckdb.DuckDBPyConnection, home: Settings) -> tuple[Path, Path]:
    """Data Docs with a clean and a failing load of the municipality list and a dotted suite; (index, page)."""
    clean = read_fixture(con, "gemeenten_effective_clean.csv", GEMEENTEN_TYPES)
    broken = read_fixture(con, "gemeenten_effective_broken.csv", GEMEENTEN_TYPES)
    run_suite(con, gemeenten_suite(), clean, settings=home, load_id="load-clean")
    dotted = run_suite(con, DOTTED, pd.DataFrame({"id": [1, None, 3]}), settings=home, load_id="load-dotted")
    outcome = run_suite(con, gemeenten_suite(), broken, settings=home, load_id="load-broken")
    for result in (dotted, outcome):
        assert result.data_docs_error is None, result.data_docs_error
    assert outcome.data_docs_index is not None and outcome.data_docs_page is not None
    return outcome.data_docs_index, outcome.data_docs_page


def test_pages_refer_only_to_local_files_that_exist(docs: tuple[Path, Path]) -> None:
    index, _ = docs
    folder = index.parent
    pages = sorted(folder.rglob("*.html"))
    assert len(pages) >= 6  # index, two suite pages, three validation pages
    missing: list[str] = []
    stylesheets: set[Path] = set()
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "dataContextId" not in html and "great-expectations-web-assets" not in html, page
        assert not re.search(r"https?://", html), (page, re.findall(r"https?://[^\s\"'<>]+", html)[:5])
        parser = _References()
        parser.feed(html)
        assert any(tag == "script" for tag, _ in parser.refs), f"{page}: no script tags parsed"
        for tag, ref in parser.refs:
            target = _local_file(page, ref)
            if target is None:
                continue
            assert target.is_relative_to(folder), f"{page}: {ref} leaves the Data Docs folder"
            if not target.is_file():
                missing.append(f"{page.relative_to(folder)}: <{tag}> {ref}")
            elif target.suffix == ".css":
                stylesheets.add(target)
        for style in parser.styles:  # inline CSS, e.g. GX's dark-mode logo
            for ref in CSS_URL.findall(style):
                assert ref.startswith("data:") or not re.match(r"(?:[a-z]+:)?//", ref), (page, ref)
    for sheet in stylesheets:  # what the local stylesheets load in turn (Font Awesome's web fonts)
        for ref in CSS_URL.findall(sheet.read_text(encoding="utf-8")):
            if ref.startswith("data:"):
                continue
            target = _local_file(sheet, ref)
            if target is not None and not target.is_file():
                missing.append(f"{sheet.relative_to(folder)}: url({ref})")
    assert not missing, missing


def test_gx_analytics_are_off(home: Settings) -> None:
    code = (
        "import os\n"
        "os.environ.pop('GX_ANALYTICS_ENABLED', None)\n"
        "from expectations import _gx\n"
        "from core.settings import get_settings\n"
        "ctx = _gx.context(get_settings())\n"
        "print(os.environ.get('GX_ANALYTICS_ENABLED'), ctx.config.analytics_enabled)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["false", "False"]


def test_data_docs_render_in_chromium_with_the_network_blocked(docs: tuple[Path, Path]) -> None:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing: apt-get update && apt-get install -y chromium")
    index, page_file = docs
    blocked: list[str] = []
    failed: list[str] = []
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            def route(route_: object) -> None:
                url = route_.request.url  # type: ignore[attr-defined]
                host = urlparse(url).hostname
                if url.startswith(("file://", "data:")) or host in {"127.0.0.1", "localhost"}:
                    route_.continue_()  # type: ignore[attr-defined]
                else:
                    blocked.append(url)
                    route_.abort("internetdisconnected")  # type: ignore[attr-defined]

            browser.route("**/*", route)
            page = browser.new_page()
            page.on("requestfailed", lambda request: failed.append(f"{request.url} {request.failure}"))
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))

            # The index: bootstrap-table (jQuery) draws the list of validations; offline it was empty.
            page.goto(index.as_uri(), wait_until="load")
            results = page.locator("table.ge-index-page-validation-results-table tbody tr")
            results.first.wait_for(state="visible", timeout=10_000)
            assert results.count() == 3, page.content()[:3000]
            assert "load-broken" in results.all_inner_texts()[0] + results.all_inner_texts()[1]
            assert page.evaluate("typeof window.jQuery === 'function' && typeof jQuery.fn.bootstrapTable"
                                 " === 'function' && typeof window.vegaEmbed === 'function'")
            _assert_styled(page)
            assert page.locator("nav img[alt='Great Expectations']").evaluate("img => img.naturalWidth") > 0

            # A validation page of the failing load: its results and the failing value, styled, with icons.
            page.goto(page_file.as_uri(), wait_until="load")
            rows = page.locator("table.table tbody tr")
            assert rows.first.is_visible() and rows.count() >= 11  # a row per rule at least
            body = page.locator("body").inner_text()
            assert "Unsuccessful Expectations" in body and r"^GM\d{4}$" in body and "GM518X" in body
            _assert_styled(page)
            loaded = page.evaluate("document.fonts.ready.then(fonts => [...fonts].filter("
                                   "f => f.status === 'loaded').map(f => f.family))")
            assert any("Font Awesome" in family for family in loaded), loaded
            icon = page.locator("i.fas").first
            assert icon.evaluate("i => getComputedStyle(i, '::before').fontFamily").find("Font Awesome") >= 0
            assert not errors, errors
        finally:
            browser.close()
    assert not blocked, f"the pages tried to reach outside: {blocked}"
    assert not failed, f"local requests failed: {failed}"


def _assert_styled(page: object) -> None:
    """Bootstrap's stylesheet is applied (its grid and navbar rules), not the browser's defaults."""
    container = page.locator(".container-fluid").first  # type: ignore[attr-defined]
    assert container.evaluate("e => getComputedStyle(e).paddingLeft") != "0px"
    navbar = page.locator("nav.navbar").first  # type: ignore[attr-defined]
    assert navbar.evaluate("e => getComputedStyle(e).display") == "flex"
    assert navbar.evaluate("e => getComputedStyle(e).position") == "sticky"


def test_a_template_with_an_unmapped_outside_url_is_refused() -> None:
    from jinja2 import TemplateError

    from expectations.data_docs import offline_template

    mapped = offline_template("x.j2", '<script src="https://code.jquery.com/jquery-3.7.1.min.js" crossorigin="x">')
    assert mapped == '<script src="{{ dialoog_root() }}static/vendor/jquery/dist/jquery.min.js">'
    with pytest.raises(TemplateError, match="cdn.example.org"):  # a GX upgrade adding a CDN fails the build
        offline_template("page.j2", '<link href="https://cdn.example.org/new.css">')
    with pytest.raises(TemplateError, match="changed"):  # so does one that moves the logo
        offline_template("top_navbar.j2", "<nav>no logo line</nav>")
