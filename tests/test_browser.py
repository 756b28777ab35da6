"""The HTML report in a real browser: cells, the evidence panel, filters, a screenshot.

Runs Debian's chromium (``/usr/bin/chromium``) through Playwright; no browser is downloaded and
every request that is not ``file://`` is aborted (and fails the test). Skipped with a reason
when Playwright or chromium is missing, except under ``CI``, where that is a failure.

The report is hand-built on the example cluster ``examples/riverside-bridge``: the claims and
verdicts below are written by hand (model "hand-written-fixture"), not produced by a model.

Regenerate the README screenshot with::

    FACTCHECK_SCREENSHOT=docs/report.png .venv/bin/python -m pytest -q tests/test_browser.py
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from factcheck.models import Article, CanonicalClaim, Label, Quote, Report, Usage, Verdict
from factcheck.quotes import find_in_article
from factcheck.render.html import render_html
from factcheck.render.view import ReportView
from factcheck.stages.load import load_cluster
from tests.conftest import EXAMPLE_CLUSTER

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

CO, NT, RO, MW = (
    "001_valley_courier",
    "002_northgate_times",
    "003_radio_ostervale",
    "004_metro_wire",
)
# (claim id, claim text, {source article: its quote}, {article: (label, evidence, rationale)})
CLAIMS: list[tuple[str, str, dict[str, str], dict[str, tuple[Label, str | None, str]]]] = [
    (
        "c01",
        "Four people were injured when the Millrace Footbridge collapsed.",
        {CO: "injuring four people", RO: "Four people were hurt in the collapse",
         MW: "injuring four people"},
        {NT: (Label.CONTRADICTED, "Seven people were injured", "seven injured, not four")},
    ),
    (
        "c02",
        "The footbridge collapsed on Thursday evening.",
        {CO: "gave way on Thursday evening", NT: "collapsed on Thursday evening",
         MW: "collapsed into the River Oster on Thursday evening"},
        {RO: (Label.CONTRADICTED, "collapsed into the River Oster on Wednesday evening",
              "Wednesday, not Thursday")},
    ),
    (
        "c03",
        "Mayor Helena Roque said the bridge passed a full structural inspection last autumn.",
        {NT: "She said the bridge had passed a full structural inspection last autumn"},
        {
            CO: (Label.NOT_MENTIONED, None, "no inspection is mentioned"),
            RO: (Label.CONTRADICTED,
                 "the bridge had not had a full structural inspection since 2019",
                 "council records show no full inspection since 2019"),
            MW: (Label.NOT_MENTIONED, None, "no inspection is mentioned"),
        },
    ),
    (
        "c04",
        "Fire chief Dana Whitlock said they were lucky it did not happen at rush hour.",
        {CO: "We were lucky this did not happen at rush hour"},
        {
            NT: (Label.NOT_MENTIONED, None, "the quote is absent"),
            RO: (Label.UNRESOLVED, None, "the answer was cut off at the token limit"),
            MW: (Label.CONTRADICTED,
                 '"We were lucky this did not happen at rush hour," Roque told reporters',
                 "attributes the words to the mayor, not the fire chief"),
        },
    ),
    (
        "c05",
        "The Ostervale Riverside Festival has been postponed.",
        {RO: "The Ostervale Riverside Festival, planned for the first weekend of April, "
             "has been postponed"},
        {CO: (Label.NOT_MENTIONED, None, "absent"), NT: (Label.NOT_MENTIONED, None, "absent"),
         MW: (Label.NOT_MENTIONED, None, "absent")},
    ),
    (
        "c06",
        "Pedestrians are being sent to the Station Road bridge.",
        {CO: "Pedestrians are being directed to the Station Road bridge",
         NT: "pedestrians are being sent over the Station Road bridge instead",
         RO: "Walkers are being asked to use the Station Road bridge instead",
         MW: "with foot traffic diverted to the Station Road bridge"},
        {},
    ),
    (
        "c07",
        "Ostervale Borough Council appointed independent structural engineers.",
        {CO: "Ostervale Borough Council said it had appointed independent structural engineers",
         MW: "Independent structural engineers hired by Ostervale Borough Council"},
        {NT: (Label.SUPPORTED,
              "Independent structural engineers have been brought in to examine what remains "
              "of the bridge, according to the council", "says the council brought them in"),
         RO: (Label.NOT_MENTIONED, None, "absent")},
    ),
    (
        "c08",
        "Mayor Helena Roque ordered a review of every pedestrian crossing in the borough.",
        {MW: "The mayor of Ostervale has ordered a review of every pedestrian crossing in the "
             "borough"},
        {CO: (Label.NOT_MENTIONED, None, "absent"), NT: (Label.NOT_MENTIONED, None, "absent"),
         RO: (Label.NOT_MENTIONED, None, "absent")},
    ),
]  # fmt: skip
CLICKED = ("c01", NT)  # the contradicted cell the test opens


def _quote(article: Article, text: str) -> Quote:
    span = find_in_article(article, text)
    assert span is not None, f"{text!r} is not in {article.id}"
    return Quote(text=article.text[span.start : span.end], span=span)


def riverside_report() -> Report:
    """A hand-written report on the example cluster (every quote located in the real text)."""
    cluster = load_cluster(EXAMPLE_CLUSTER)
    by_id = {a.id: a for a in cluster.articles}
    claims, verdicts = [], []
    for claim_id, text, stated, cells in CLAIMS:
        quotes = {aid: _quote(by_id[aid], q) for aid, q in stated.items()}
        claims.append(CanonicalClaim(id=claim_id, text=text, sources=list(stated), quotes=quotes))
        for aid, quote in quotes.items():
            verdicts.append(
                Verdict(
                    claim_id=claim_id,
                    article_id=aid,
                    label=Label.SUPPORTED,
                    evidence=quote.text,
                    evidence_span=quote.span,
                    rationale="states the claim",
                )
            )
        for aid, (label, evidence, rationale) in cells.items():
            # Half the evidence carries its span, half is located by the renderer.
            span = _quote(by_id[aid], evidence).span if evidence and aid != RO else None
            verdicts.append(
                Verdict(
                    claim_id=claim_id,
                    article_id=aid,
                    label=label,
                    evidence=evidence,
                    evidence_span=span,
                    rationale=rationale,
                )
            )
    usage = Usage()
    for stage, n, tokens in (("extract", 4, (1800, 420)), ("merge", 1, (1500, 600)),
                             ("check", 4, (2100, 380))):  # fmt: skip
        for _ in range(n):
            usage.add(stage, *tokens)
    return Report(
        cluster=cluster.id,
        cluster_name=cluster.name,
        model="hand-written-fixture",
        prompts={"extract": "hand", "merge": "hand", "check": "hand"},
        articles=cluster.articles,
        claims=claims,
        verdicts=verdicts,
        usage=usage,
    )


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


@pytest.fixture
def page(browser: Browser, tmp_path: Path) -> Iterator[tuple[Page, Report, dict[str, Any]]]:
    """The rendered report, opened from a file, with every non-file request aborted."""
    report = riverside_report()
    path = tmp_path / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
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

    tab.evaluate("document.getElementById('matrix').scrollIntoView()")
    screenshot = tmp_path / "report.png"
    tab.screenshot(path=str(screenshot))
    assert screenshot.exists() and screenshot.stat().st_size > 0
    if SCREENSHOT_COPY:
        Path(SCREENSHOT_COPY).parent.mkdir(parents=True, exist_ok=True)
        Path(SCREENSHOT_COPY).write_bytes(screenshot.read_bytes())

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
    tab.check("#filter-contradicted")
    visible = visible_rows()
    assert visible == contradicted == {"c01", "c02", "c03", "c04"}
    assert tab.locator("#filter-status").text_content() == f"4 of {len(report.claims)} claims shown"
    tab.uncheck("#filter-contradicted")
    tab.check("#filter-single")
    visible = visible_rows()
    single = {r.claim.id for r in ReportView.of(report).rows if r.carried_by == 1}
    assert visible == single == {"c03", "c04", "c05", "c08"}
    tab.uncheck("#filter-single")
    tab.select_option("#filter-article", RO)
    # The claims Radio Ostervale states, supports or contradicts (c04 is unresolved there).
    assert visible_rows() == {"c01", "c02", "c03", "c05", "c06"}

    # Nothing was fetched and the script raised nothing (a CSP violation logs an error).
    assert problems == {"blocked": [], "errors": []}
