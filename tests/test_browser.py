"""The HTML report in a real browser: cells, the evidence panel, filters, a screenshot.

Runs Debian's chromium (``/usr/bin/chromium``) through Playwright; no browser is downloaded and
every request that is not ``file://`` is aborted (and fails the test). Skipped with a reason
when Playwright or chromium is missing, except under ``CI``, where that is a failure.

The reports are written by hand on the bundled example clusters (``tests/report_fixtures.py``,
model "hand-written-fixture"), not produced by a model.

Regenerate the README screenshot (the Tarnwick fixture, its disputes first, with the headline
that gives a figure highlighted in the evidence panel) with::

    FACTCHECK_SCREENSHOT=docs/report-html.png .venv/bin/python -m pytest -q tests/test_browser.py
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from factcheck.models import Label, Report
from factcheck.render.html import render_html
from factcheck.render.view import ReportView
from tests.report_fixtures import (
    RIVERSIDE_LETTERS,
    TARNWICK_LETTERS,
    riverside_report,
    tarnwick_report,
    tarnwick_without_cluster_yaml,
)

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    sync_playwright = None  # type: ignore[assignment]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Read at import: the autouse fixture in conftest.py clears FACTCHECK_* before each test runs.
SCREENSHOT_COPY = os.environ.get("FACTCHECK_SCREENSHOT")

CO, NT, RO, MW = (RIVERSIDE_LETTERS[x] for x in "ABCD")
CLICKED = ("c01", NT)  # the contradicted cell the test opens
WIDTHS = (1400, 800)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium under Playwright; skip (or fail under CI) when either is missing."""
    missing = []
    if sync_playwright is None:
        missing.append("the playwright package (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if missing:
        reason = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI must install it")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def open_report(
    browser: Browser, report: Report, folder: Path, width: int = 1400
) -> tuple[Any, Page, dict[str, Any]]:
    """The rendered report, opened from a file, with every non-file request aborted."""
    path = folder / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    context = browser.new_context(viewport={"width": width, "height": 1000})
    problems: dict[str, Any] = {"blocked": [], "errors": []}

    def guard(route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            problems["blocked"].append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    tab = context.new_page()
    tab.set_default_timeout(5000)
    tab.on("pageerror", lambda exc: problems["errors"].append(str(exc)))
    tab.on(
        "console",
        lambda msg: problems["errors"].append(msg.text) if msg.type == "error" else None,
    )
    tab.goto(path.as_uri())
    return context, tab, problems


@pytest.fixture
def page(browser: Browser, tmp_path: Path) -> Iterator[tuple[Page, Report, dict[str, Any]]]:
    """The hand-written riverside report in a 1400-pixel-wide window."""
    report = riverside_report()
    context, tab, problems = open_report(browser, report, tmp_path)
    try:
        yield tab, report, problems
    finally:
        context.close()


def test_report_in_a_browser(page: tuple[Page, Report, dict[str, Any]], tmp_path: Path) -> None:
    tab, report, problems = page
    by_id = {a.id: a for a in report.articles}

    # One cell per claim and article.
    assert tab.locator("#claims-matrix td.cell").count() == len(report.claims) * len(
        report.articles
    )
    assert tab.locator("#evidence-panel").is_hidden()

    # Clicking a contradicted cell shows the article's full text with the evidence marked.
    claim_id, article_id = CLICKED
    verdict = next(v for v in report.verdicts if (v.claim_id, v.article_id) == CLICKED)
    cell = tab.locator(f'td.cell[data-claim="{claim_id}"][data-article="{article_id}"]')
    assert cell.get_attribute("data-label") == "contradicted"
    cell.click()
    panel = tab.locator("#evidence-panel")
    assert panel.is_visible()
    texts = panel.locator(".article-text")
    assert texts.first.text_content() == by_id[article_id].text
    marks = texts.first.locator("mark.evidence")
    assert marks.count() == 1
    assert marks.first.text_content() == verdict.evidence
    assert marks.first.is_visible()
    # ... and the claim's own quote marked in its (first) source article.
    claim = next(c for c in report.claims if c.id == claim_id)
    source = claim.sources[0]
    source_mark = panel.locator(f'details.source-article[data-article="{source}"] mark.source')
    assert source_mark.first.text_content() == claim.quotes[source].text
    # A contradiction located by the renderer (no span in the verdict) is marked too.
    tab.locator(f'td.cell[data-claim="c02"][data-article="{RO}"]').click()
    assert panel.locator(".article-text").first.locator("mark.evidence").text_content() == (
        "collapsed into the River Oster on Wednesday evening"
    )
    cell.click()

    tab.keyboard.press("Escape")
    assert panel.is_hidden()

    # Filters: contradicted only, then single-source only.
    rows = tab.locator("#claims-matrix tr.claim-row")

    def visible_rows() -> set[str | None]:
        return {
            rows.nth(i).get_attribute("data-claim")
            for i in range(rows.count())
            if rows.nth(i).is_visible()
        }

    contradicted = {v.claim_id for v in report.verdicts if v.label is Label.CONTRADICTED}
    disputed = {v.claim_id for d in report.disputes for v in d.versions}
    tab.check("#filter-contradicted")
    visible = visible_rows()
    assert visible == contradicted | disputed == {"c01", "c02", "c03", "c04", "c09", "c10", "c11"}
    assert tab.locator("#filter-status").text_content() == f"7 of {len(report.claims)} claims shown"
    tab.uncheck("#filter-contradicted")
    tab.check("#filter-single")
    visible = visible_rows()
    single = {r.claim.id for r in ReportView.of(report).rows if r.carried_by == 1}
    assert visible == single == {"c03", "c05", "c08", "c09", "c10", "c11"}
    tab.uncheck("#filter-single")
    tab.select_option("#filter-article", RO)
    # The claims Radio Ostervale states, supports or contradicts (c04 is unresolved there).
    assert visible_rows() == {"c01", "c02", "c03", "c05", "c06", "c09", "c10", "c11"}

    # Nothing was fetched and the script raised nothing (a CSP violation logs an error).
    assert problems == {"blocked": [], "errors": []}


def overflow(tab: Page) -> dict[str, float]:
    """How far the page and the matrix reach beyond their boxes, and the claim column's width."""
    return tab.evaluate(
        """() => {
          const wrap = document.querySelector('.table-wrap');
          const claim = document.querySelector('td.claim-text');
          return {
            page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
            matrix: wrap.scrollWidth - wrap.clientWidth,
            claim: claim.getBoundingClientRect().width,
          };
        }"""
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("cluster", ["with cluster.yaml", "file stems, no cluster.yaml"])
def test_no_horizontal_overflow(browser: Browser, tmp_path: Path, width: int, cluster: str):
    if cluster.startswith("file stems"):
        folder = tmp_path / "cluster"
        folder.mkdir()
        report = tarnwick_without_cluster_yaml(folder)
        assert report.articles[0].outlet is None and len(report.articles[0].id) > 16
    else:
        report = tarnwick_report()
    context, tab, problems = open_report(browser, report, tmp_path, width)
    try:
        # Column headers are the letters; the key gives letter -> outlet (or file), title, date.
        headers = tab.locator("#claims-matrix th.article-col")
        assert [headers.nth(i).inner_text() for i in range(headers.count())] == list("ABCDE")
        measured = overflow(tab)
        assert measured["page"] <= 0, measured
        assert measured["matrix"] <= 0, measured
        assert measured["claim"] >= 0.4 * min(width, 1200), measured
        # With the evidence panel open, the page still does not scroll sideways.
        tab.locator("#claims-matrix td.cell").first.click()
        assert tab.locator("#evidence-panel").is_visible()
        assert overflow(tab)["page"] <= 0
        # No quotation mark is added by CSS: the marks are in the text, never doubled.
        added = tab.evaluate(
            """() => Array.from(document.querySelectorAll('.quote, q')).map(
                 (el) => getComputedStyle(el, '::before').content)"""
        )
        assert added and set(added) <= {"none", "normal"}
        assert problems == {"blocked": [], "errors": []}
    finally:
        context.close()


def test_headline_evidence_is_highlighted_in_the_headline(browser: Browser, tmp_path: Path):
    report = tarnwick_report()
    context, tab, problems = open_report(browser, report, tmp_path)
    try:
        # A verdict whose evidence is the headline (E: "Tarnwick mourns its 14").
        tab.locator(
            f'td.cell[data-claim="c03"][data-article="{TARNWICK_LETTERS["E"]}"]'
        ).click()
        panel = tab.locator("#evidence-panel")
        headline = panel.locator(".article-headline").first
        assert headline.text_content() == report.articles[4].title
        assert headline.locator("mark.evidence").text_content() == "Tarnwick mourns its 14"
        assert panel.locator(".article-text").first.locator("mark").count() == 0
        tab.keyboard.press("Escape")
        # A claim stated in a headline, opened from its dispute: Radio Aldery's "Nine dead".
        radio_aldery = TARNWICK_LETTERS["C"]
        tab.locator(
            f'#dispute-d1 button.open-cell[data-claim="c02"][data-article="{radio_aldery}"]'
        ).click()
        mark = panel.locator(".article-headline").first.locator("mark")
        assert mark.text_content() == "Nine dead in Tarnwick landslide"
        assert mark.is_visible()

        # The README's picture: the header (which names the fixture), the key, the first
        # disputes, and the panel with the headline's figure marked.
        tab.evaluate("window.scrollTo(0, 0)")
        screenshot = tmp_path / "report.png"
        tab.screenshot(path=str(screenshot))
        assert screenshot.stat().st_size > 0
        if SCREENSHOT_COPY:
            Path(SCREENSHOT_COPY).parent.mkdir(parents=True, exist_ok=True)
            Path(SCREENSHOT_COPY).write_bytes(screenshot.read_bytes())
        assert problems == {"blocked": [], "errors": []}
    finally:
        context.close()
