"""The HTML report, on hand-built reports (no model involved): structure, escaping, no fetches."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import lxml.html
import pytest

from factcheck.models import (
    Article,
    BoilerplateLine,
    CanonicalClaim,
    Label,
    Quote,
    Report,
    Span,
    Usage,
    Verdict,
)
from factcheck.render.html import render_html, safe_url
from factcheck.render.view import SYMBOLS, ReportView
from tests.report_fixtures import (
    TARNWICK_LETTERS,
    tarnwick_report,
    tarnwick_without_cluster_yaml,
)

GENERATED = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
HOSTILE = '<script>alert(1)</script> <b>bold</b> "quotes" & ampersands </script>'
A_TEXT = "Four hurt. Bridge shut.\nSee also: parking rules\nCrews came fast."
B_TEXT = "Seven hurt. The bridge is shut."
C_TEXT = "Nothing about it here."


def span_of(text: str, quote: str) -> Span:
    start = text.index(quote)
    return Span(start=start, end=start + len(quote))


def make_report(**changes: object) -> Report:
    """Three articles, three claims: one contradicted, one unresolved cell, one boilerplate line."""
    see_also = "See also: parking rules"
    articles = [
        Article(
            id="a",
            title="Bridge shut",
            text=A_TEXT,
            outlet="Alpha",
            url="https://example.org/alpha/bridge",
            published="2026-03-13",
            boilerplate=[
                BoilerplateLine(
                    span=span_of(A_TEXT, see_also), text=see_also, reason="related link"
                )
            ],
        ),
        Article(id="b", title="Seven hurt", text=B_TEXT, outlet="Beta", url="javascript:alert(1)"),
        Article(id="c", title="Other news", text=C_TEXT, outlet="Gamma"),
    ]
    claims = [
        CanonicalClaim(
            id="c01",
            text="The bridge is shut.",
            sources=["a"],
            quotes={"a": Quote(text="Bridge shut.", span=span_of(A_TEXT, "Bridge shut."))},
        ),
        CanonicalClaim(
            id="c02",
            text="Four people were hurt.",
            sources=["a"],
            quotes={"a": Quote(text="Four hurt.", span=span_of(A_TEXT, "Four hurt."))},
        ),
        CanonicalClaim(
            id="c03",
            text="Crews came fast.",
            sources=["a", "b"],
            quotes={"a": Quote(text="Crews came fast.", span=span_of(A_TEXT, "Crews came fast."))},
        ),
    ]
    verdicts = [
        Verdict(
            claim_id="c01",
            article_id="b",
            label=Label.SUPPORTED,
            evidence="The bridge is shut.",
            rationale="says so",
            evidence_span=span_of(B_TEXT, "The bridge is shut."),
        ),
        Verdict(claim_id="c01", article_id="c", label=Label.UNRESOLVED, rationale="cut off"),
        Verdict(
            claim_id="c02",
            article_id="b",
            label=Label.CONTRADICTED,
            evidence="Seven hurt.",
            rationale="seven, not four",
            evidence_span=span_of(B_TEXT, "Seven hurt."),
        ),
        Verdict(claim_id="c02", article_id="c", label=Label.NOT_MENTIONED, rationale="absent"),
        Verdict(claim_id="c03", article_id="c", label=Label.NOT_MENTIONED, rationale="absent"),
    ]
    usage = Usage()
    usage.add("extract", 100, 10)
    usage.add("check", 50, 5)
    fields: dict = {
        "cluster": "demo",
        "cluster_name": "Demo cluster",
        "model": "hand-written-fixture",
        "prompts": {"extract": "v1-abc", "check": "v2-def"},
        "articles": articles,
        "claims": claims,
        "verdicts": verdicts,
        "usage": usage,
        "warnings": ["a warning"],
    }
    fields.update(changes)
    return Report(**fields)


# (claim, article) -> expected data-label
EXPECTED = {
    ("c01", "a"): "stated",
    ("c01", "b"): "supported",
    ("c01", "c"): "unresolved",
    ("c02", "a"): "stated",
    ("c02", "b"): "contradicted",
    ("c02", "c"): "not_mentioned",
    ("c03", "a"): "stated",
    ("c03", "b"): "stated",
    ("c03", "c"): "not_mentioned",
}


def parse(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


DATA_BLOCK = re.compile(r'<script type="application/json" id="report-data">(.*?)</script>', re.S)


def embedded_json(html: str) -> dict:
    match = DATA_BLOCK.search(html)
    assert match, "no JSON data block"
    return json.loads(match.group(1))


@pytest.fixture
def page() -> str:
    return render_html(make_report(), generated=GENERATED)


def test_matrix_has_one_cell_per_claim_and_article_with_label_and_symbol(page):
    doc = parse(page)
    cells = doc.xpath("//td[contains(concat(' ', @class, ' '), ' cell ')]")
    assert len(cells) == 3 * 3
    found = {(c.get("data-claim"), c.get("data-article")): c for c in cells}
    assert {k: c.get("data-label") for k, c in found.items()} == EXPECTED
    for (claim, article), cell in found.items():
        symbol, _, meaning = SYMBOLS[EXPECTED[claim, article]]
        button = cell.xpath("./button")[0]
        assert button.text_content() == symbol
        assert meaning in button.get("aria-label") and meaning in cell.get("title")
        assert f"s-{EXPECTED[claim, article]}" in cell.get("class")


def test_rows_follow_the_shared_view_order_and_carry_counts(page):
    doc = parse(page)
    rows = doc.xpath("//tr[contains(@class, 'claim-row')]")
    view = ReportView.of(make_report())
    assert [r.get("data-claim") for r in rows] == [row.claim.id for row in view.rows]
    assert [r.get("data-claim") for r in rows] == ["c02", "c01", "c03"]
    counts = {
        r.get("data-claim"): tuple(
            r.xpath(f".//td[contains(@class, 'count-{k}')]")[0].text_content()
            for k in ("sources", "supports", "contradicts")
        )
        for r in rows
    }
    assert counts == {"c02": ("1", "0", "1"), "c01": ("1", "1", "0"), "c03": ("2", "0", "0")}
    assert {r.get("data-claim"): r.get("data-contradicts") for r in rows} == {
        "c02": "1",
        "c01": "0",
        "c03": "0",
    }
    assert {r.get("data-claim"): json.loads(r.get("data-mentions")) for r in rows} == {
        "c02": ["a", "b"],
        "c01": ["a", "b"],
        "c03": ["a", "b"],
    }


def test_contradiction_summary_lists_the_claim_its_sources_and_evidence(page):
    doc = parse(page)
    section = doc.get_element_by_id("contradictions")
    items = section.xpath(".//article[@data-claims]")
    assert [i.get("data-claims") for i in items] == ["c02"]
    text = " ".join(items[0].text_content().split())
    assert "Four people were hurt." in text
    assert "A Alpha (13 Mar): “Four hurt.”" in text
    assert "B Beta: “Seven hurt.” — why: seven, not four" in text
    # The summary comes before the matrix.
    assert page.index('id="contradictions"') < page.index('id="claims-matrix"')


def test_header_names_model_prompts_date_usage_and_cost(page):
    doc = parse(page)
    assert "Demo cluster" in doc.xpath("//h1")[0].text_content()
    assert doc.get_element_by_id("meta-model").text_content() == "hand-written-fixture"
    assert doc.get_element_by_id("meta-prompts").text_content() == "extract v1-abc, check v2-def"
    assert doc.get_element_by_id("meta-generated").text_content() == "2026-03-14 09:30 UTC"
    usage = doc.get_element_by_id("meta-usage").text_content()
    assert usage.startswith("2 paid calls, 150 input + 15 output tokens")
    assert "extract 1 call, 100+10 tokens" in usage
    assert "unknown" in doc.get_element_by_id("meta-cost").text_content()
    counts = doc.get_element_by_id("meta-counts").text_content()
    assert counts.startswith("3 articles, 3 claims · 1 contradiction · ")
    assert "1 unresolved cell" in counts


def test_cost_is_shown_when_the_usage_carries_one():
    base = make_report()
    report = make_report(usage=base.usage.model_copy(update={"cost_usd": 0.01234}))
    doc = parse(render_html(report, generated=GENERATED))
    assert doc.get_element_by_id("meta-cost").text_content() == "$0.0123"


def test_legend_article_panels_boilerplate_and_unresolved(page):
    doc = parse(page)
    legend = doc.get_element_by_id("legend").text_content()
    for symbol, _, meaning in SYMBOLS.values():
        assert symbol in legend and meaning in legend
    cards = {c.get("data-article"): c for c in doc.xpath("//article[@data-article]")}
    assert set(cards) == {"a", "b", "c"}
    alpha = " ".join(cards["a"].text_content().split())
    assert "Alpha" in alpha and "Bridge shut" in alpha and "2026-03-13" in alpha
    assert "carries 3 of 3 (states 3, supports 0)" in alpha
    assert "See also: parking rules" in alpha and "(related link)" in alpha
    beta = " ".join(cards["b"].text_content().split())
    assert "carries 2 of 3 (states 1, supports 1); contradicts 1" in beta
    unresolved = doc.get_element_by_id("unresolved").text_content()
    assert "c01 × C Gamma: cut off" in unresolved
    assert "a warning" in doc.get_element_by_id("warnings").text_content()


def test_evidence_offsets_reach_the_script_for_each_cell(page):
    data = embedded_json(page)
    cell = data["cells"]["c02"]["b"]
    assert cell["key"] == "contradicted"
    assert B_TEXT[cell["start"] : cell["end"]] == cell["evidence"] == "Seven hurt."
    stated = data["cells"]["c02"]["a"]
    assert A_TEXT[stated["start"] : stated["end"]] == "Four hurt."
    assert data["claims"]["c03"]["quotes"]["a"]["start"] == A_TEXT.index("Crews came fast.")
    assert data["articles"]["a"]["boilerplate"][0]["reason"] == "related link"


def test_evidence_without_a_span_is_located_and_offsets_count_utf16_units():
    text = "🚒 Crews said seven people were hurt."
    article = Article(id="b", title="B", text=text)
    report = make_report(
        articles=[make_report().articles[0], article],
        verdicts=[
            Verdict(
                claim_id="c02",
                article_id="b",
                label=Label.CONTRADICTED,
                evidence="seven people were hurt",
            )
        ],
    )
    cell = embedded_json(render_html(report))["cells"]["c02"]["b"]
    # JavaScript counts the fire engine as two code units.
    assert (cell["start"], cell["end"]) == (text.index("seven") + 1, text.index(".") + 1)


def test_a_recorded_span_that_misses_the_evidence_is_not_trusted():
    base = make_report()
    wrong = [
        v.model_copy(update={"evidence_span": Span(start=0, end=4)})
        if v.label is Label.CONTRADICTED
        else v
        for v in base.verdicts
    ]
    cell = embedded_json(render_html(make_report(verdicts=wrong)))["cells"]["c02"]["b"]
    assert B_TEXT[cell["start"] : cell["end"]] == "Seven hurt."


def test_article_and_model_text_is_escaped_everywhere():
    base = make_report()
    evil_text = f"Seven hurt. {HOSTILE} {{{{ bridge_name }}}}"
    articles = [
        base.articles[0].model_copy(update={"title": HOSTILE, "outlet": HOSTILE}),
        base.articles[1].model_copy(update={"text": evil_text}),
        base.articles[2],
    ]
    claims = [
        base.claims[0],
        base.claims[1].model_copy(update={"text": f"Four hurt {HOSTILE}"}),
        base.claims[2],
    ]
    verdicts = [
        v.model_copy(update={"rationale": HOSTILE, "evidence": HOSTILE, "evidence_span": None})
        if v.label is Label.CONTRADICTED
        else v
        for v in base.verdicts
    ]
    report = make_report(
        articles=articles,
        claims=claims,
        verdicts=verdicts,
        warnings=[HOSTILE],
        cluster_name=HOSTILE,
        prompts={"extract": HOSTILE},
    )
    page = render_html(report)

    assert "<script>alert" not in page.lower()
    assert "<b>bold</b>" not in page
    assert '"quotes" & ampersands' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&#34;quotes&#34; &amp; ampersands" in page
    # Only the page's own two script elements, and no element built from the text.
    doc = parse(page)
    assert len(doc.xpath("//script")) == 2
    assert page.lower().count("<script") == 2 and page.lower().count("</script") == 2
    assert doc.xpath("//b") == []
    # The JSON block cannot close its element: no raw '<' at all, and it parses back intact.
    match = DATA_BLOCK.search(page)
    assert match and "<" not in match.group(1) and ">" not in match.group(1)
    data = json.loads(match.group(1))
    assert data["articles"]["b"]["text"] == evil_text
    assert data["cells"]["c02"]["b"]["evidence"] == HOSTILE
    assert data["claims"]["c02"]["text"] == f"Four hurt {HOSTILE}"
    # Article text is data, never a template: its braces come through verbatim.
    assert "{{ bridge_name }}" in data["articles"]["b"]["text"]
    # A non-http(s) article URL is shown as text, never as a link.
    assert "javascript:alert(1)" in page
    assert not any((a.get("href") or "").lower().startswith("javascript") for a in doc.xpath("//a"))


def test_the_page_fetches_nothing_and_links_only_to_the_articles(page):
    doc = parse(page)
    article_urls = {"https://example.org/alpha/bridge"}
    for node in doc.iter():
        if not isinstance(node.tag, str):
            continue
        for attr in ("src", "srcset", "poster", "data", "action", "formaction", "background"):
            assert node.get(attr) is None, (node.tag, attr)
        href = node.get("href")
        if href is not None:
            assert href.startswith("#") or href in article_urls, href
    assert doc.xpath("//link | //img | //iframe | //object | //embed") == []
    assert doc.xpath("//script[@src]") == []
    assert "@import" not in page and "url(" not in page.replace(" ", "")
    assert set(re.findall(r"https?://[^\s\"'<>)]+", page)) <= article_urls
    csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']")[0].get("content")
    assert "default-src 'none'" in csp


def test_safe_url_keeps_only_web_links():
    assert safe_url("https://example.org/a") == "https://example.org/a"
    assert safe_url(" http://example.org ") == "http://example.org"
    for bad in ("javascript:alert(1)", "JavaScript:x", "data:text/html,x", "file:///etc", "", None):
        assert safe_url(bad) is None


def test_empty_and_single_article_reports_render():
    empty = parse(render_html(make_report(claims=[], verdicts=[])))
    assert empty.get_element_by_id("no-claims") is not None
    assert empty.xpath("//td[contains(@class, 'cell')]") == []
    assert empty.get_element_by_id("no-contradictions") is not None
    single = make_report(
        articles=[make_report().articles[0]], claims=[make_report().claims[0]], verdicts=[]
    )
    doc = parse(render_html(single))
    assert len(doc.xpath("//td[contains(concat(' ', @class, ' '), ' cell ')]")) == 1
    assert "nothing to cross-check" in doc.text_content()


def test_disputes_and_updates_come_first_each_side_with_a_button_to_its_article():
    report = tarnwick_report()
    doc = parse(render_html(report, generated=GENERATED))
    disputes = doc.get_element_by_id("disputes").xpath(".//article[@data-dispute]")
    updates = doc.get_element_by_id("updates").xpath(".//article[@data-dispute]")
    assert [d.get("data-dispute") for d in disputes] == ["d3", "d4", "d5", "d6"]
    assert [d.get("data-dispute") for d in updates] == ["d1", "d2"]
    d6 = " ".join(disputes[-1].text_content().split())
    assert "Chief Superintendent Rhona Tullett: A, D · Councillor Idris Vell: E" in d6
    assert "credited to Councillor Idris Vell E Aldbridge Advertiser (20 Nov): “The hillside" in d6
    timeline = " ".join(updates[0].xpath(".//p[@class='figures']")[0].text_content().split())
    assert timeline == (
        "Three (A 17 Nov) → Nine (B 18 Nov, C 18 Nov 18:05) → Fourteen (D 19 Nov, E 20 Nov)"
    )
    # Every article of every version has a button that opens that cell.
    for dispute in report.disputes:
        block = doc.get_element_by_id(f"dispute-{dispute.id}")
        buttons = {(b.get("data-claim"), b.get("data-article"))
                   for b in block.xpath(".//button[@class='open-cell']")}  # fmt: skip
        assert buttons == {(v.claim_id, a) for v in dispute.versions for a in v.articles}


def test_headline_quotes_and_evidence_carry_offsets_into_the_headline():
    report = tarnwick_report()
    data = embedded_json(render_html(report))
    advertiser, radio = TARNWICK_LETTERS["E"], TARNWICK_LETTERS["C"]
    cell = data["cells"]["c03"][advertiser]
    title = data["articles"][advertiser]["title"]
    assert cell["in_title"] is True and title[cell["start"] : cell["end"]] == cell["evidence"]
    quote = data["claims"]["c02"]["quotes"][radio]
    title = data["articles"][radio]["title"]
    assert quote["in_title"] is True
    assert title[quote["start"] : quote["end"]] == "Nine dead in Tarnwick landslide"
    # Evidence from the body carries no flag.
    assert "in_title" not in data["cells"]["c01"][TARNWICK_LETTERS["B"]]


def test_without_cluster_yaml_the_matrix_is_headed_by_letters_and_the_key_names_the_files(
    tmp_path,
):
    report = tarnwick_without_cluster_yaml(tmp_path)
    doc = parse(render_html(report, generated=GENERATED))
    headers = doc.xpath("//th[contains(@class, 'article-col')]")
    assert [h.text_content() for h in headers] == list("ABCDE")
    key = {
        row.xpath("./td")[0].text_content(): row.xpath("./td")[1].text_content()
        for row in doc.get_element_by_id("key").xpath(".//tbody/tr")
    }
    assert key["A"] == report.articles[0].id and key["C"] == "Radio Aldery"
