"""The terminal, Markdown and JSON reports, on hand-written reports (fixtures; no model involved).

``tests/report_fixtures.py`` holds the two hand-written reports on the bundled examples (model
``hand-written-fixture``); the small reports below are built here for one rule each.
"""

from __future__ import annotations

import io
import json
import re

import lxml.html
import pytest
from rich.console import Console

from factcheck.baseline.checker import MODEL_NAME as BASELINE_NAME
from factcheck.models import (
    Article,
    CanonicalClaim,
    Label,
    Quote,
    Report,
    Span,
    StageUsage,
    Usage,
    Verdict,
)
from factcheck.pipeline import check_cluster
from factcheck.render.digest import Digest, holds_number
from factcheck.render.html import render_html
from factcheck.render.json import render_json
from factcheck.render.markdown import render_markdown
from factcheck.render.terminal import matrix_fits, render_terminal
from factcheck.render.view import UPDATED, ReportView, quoted
from tests.conftest import EXAMPLE_CLUSTER, ROOT
from tests.report_fixtures import FIXTURE_MODEL, riverside_report, tarnwick_report

CONTRACT_KEYS = {"cluster", "model", "prompts", "articles", "claims", "verdicts", "usage"}
DISPUTE_LINE = re.compile(r"^d\d+ · \w+ · ")


def terminal(report: Report, width: int = 200, *, show_all: bool = False) -> list[str]:
    """The terminal report as plain lines, ``width`` columns, no colour."""
    out = io.StringIO()
    render_terminal(report, Console(file=out, width=width, no_color=True), show_all=show_all)
    return [line.rstrip() for line in out.getvalue().splitlines()]


def make_report() -> Report:
    articles = [
        Article(id="a", title="A | <b>bold</b>", text="Four hurt. Bridge shut.", outlet="Alpha"),
        Article(id="b", title="B", text="Seven hurt.", outlet="Beta"),
        Article(id="c", title="C", text="Nothing.", outlet="Gamma"),
    ]
    claims = [
        CanonicalClaim(
            id="c01",
            text="The bridge shut.",
            sources=["a"],
            quotes={"a": Quote(text="Bridge shut.", span=Span(start=11, end=23))},
        ),
        CanonicalClaim(
            id="c02",
            text="Four people were hurt.",
            sources=["a"],
            quotes={"a": Quote(text="Four hurt.", span=Span(start=0, end=10))},
        ),
        CanonicalClaim(id="c03", text="Everyone agrees.", sources=["a", "b", "c"], quotes={}),
    ]
    verdicts = [
        Verdict(claim_id="c01", article_id="a", label=Label.SUPPORTED, evidence="Bridge shut."),
        Verdict(claim_id="c01", article_id="b", label=Label.NOT_MENTIONED, rationale="absent"),
        Verdict(claim_id="c01", article_id="c", label=Label.UNRESOLVED, rationale="cut off"),
        Verdict(claim_id="c02", article_id="a", label=Label.SUPPORTED, evidence="Four hurt."),
        Verdict(
            claim_id="c02",
            article_id="b",
            label=Label.CONTRADICTED,
            evidence="Seven hurt.",
            rationale="seven, not four",
        ),
        Verdict(claim_id="c02", article_id="c", label=Label.NOT_MENTIONED, rationale="absent"),
    ] + [Verdict(claim_id="c03", article_id=x, label=Label.SUPPORTED, evidence="e") for x in "abc"]
    usage = Usage()
    usage.add("extract", 100, 10)
    usage.add("check", 50, 5)
    return Report(
        cluster="demo",
        cluster_name="Demo",
        model=FIXTURE_MODEL,
        prompts={"extract": "v1-abc"},
        articles=articles,
        claims=claims,
        verdicts=verdicts,
        usage=usage,
        warnings=["a warning"],
    )


def carried_report(n_articles: int, carriers: list[int]) -> Report:
    """``n_articles`` articles; claim i is stated by the first ``carriers[i]`` of them."""
    articles = [
        Article(id=f"art{n:03d}", title=f"Title {n}", text="Some text.", outlet=f"Outlet {n}")
        for n in range(n_articles)
    ]
    claims, verdicts = [], []
    for i, k in enumerate(carriers):
        claim_id = f"c{i + 1:02d}"
        sources = [a.id for a in articles[:k]]
        claims.append(CanonicalClaim(id=claim_id, text=f"Claim {chr(65 + i % 26)} holds.",
                                     sources=sources))  # fmt: skip
        verdicts += [
            Verdict(claim_id=claim_id, article_id=a.id, label=Label.NOT_MENTIONED)
            for a in articles[k:]
        ]
    return Report(
        cluster="synthetic", cluster_name="Synthetic", model=FIXTURE_MODEL, prompts={},
        articles=articles, claims=claims, verdicts=verdicts, usage=Usage(),
    )  # fmt: skip


# --- JSON ------------------------------------------------------------------------------------


def test_json_has_exactly_the_contract_keys_and_spellings():
    doc = json.loads(render_json(make_report()))
    assert set(doc) == CONTRACT_KEYS | {"disputes", "warnings"}  # additions of 2026-11-29
    # extraction (issue 13): null when no model extracted, as in this hand-made report
    assert doc["articles"][0] == {"id": "a", "title": "A | <b>bold</b>", "extraction": None}
    assert doc["claims"][0] == {
        "id": "c01",
        "text": "The bridge shut.",
        "sources": ["a"],
        "as_of": {},
    }
    assert set(doc["verdicts"][0]) == {
        "claim_id",
        "article_id",
        "label",
        "evidence",
        "rationale",
        "attributed_to",
        "from_title",
    }
    assert {v["label"] for v in doc["verdicts"]} == {
        "supported",
        "contradicted",
        "not_mentioned",
        "unresolved",
    }
    assert doc["verdicts"][2] == {
        "claim_id": "c01",
        "article_id": "c",
        "label": "unresolved",
        "evidence": None,
        "rationale": "cut off",
        "attributed_to": None,
        "from_title": False,
    }
    assert {k: doc["usage"][k] for k in ("calls", "input_tokens", "output_tokens")} == {
        "calls": 2,
        "input_tokens": 150,
        "output_tokens": 15,
    }


def test_json_carries_the_disputes_attribution_and_headline_evidence():
    doc = json.loads(render_json(tarnwick_report()))
    assert doc["model"] == FIXTURE_MODEL
    assert doc["disputes"][0] == {
        "id": "d1",
        "question": "How many people have died?",
        "kind": "update",
        "versions": [
            {
                "claim_id": "c01",
                "articles": ["001_wensmere_evening_post"],
                "also": [],
                "label": None,
            },
            {
                "claim_id": "c02",
                "articles": ["002_northfold_wire", "003_radio_aldery"],
                "also": [],
                "label": None,
            },
            {
                "claim_id": "c03",
                "articles": ["004_upland_courier", "005_aldbridge_advertiser"],
                "also": [],
                "label": None,
            },
        ],
    }
    cells = {(v["claim_id"], v["article_id"]): v for v in doc["verdicts"]}
    assert cells["c03", "005_aldbridge_advertiser"]["from_title"] is True
    assert cells["c02", "003_radio_aldery"]["from_title"] is True  # stated in the headline
    assert cells["c07", "002_northfold_wire"]["attributed_to"] == "residents"


# --- order: what an editor must act on first, the matrix last --------------------------------

TITLES = [
    "Disputes",
    "Updates: figures that changed over time (not contradictions)",
    "Other contradictions",
    "Key figures",
    "Agreed by most outlets (at least 3 of 5)",
    "Single-source: 6 claims only one outlet carries",
    "Unresolved cells",
    "Set aside as boilerplate (never used for claims)",
    "Claims × articles",
]


def test_the_terminal_leads_with_disputes_and_ends_with_the_matrix():
    lines = terminal(tarnwick_report())
    positions = [lines.index(title) for title in TITLES]
    assert positions == sorted(positions)
    assert DISPUTE_LINE.match(lines[positions[0] + 1])
    # The matrix is last: its table is the end of the report.
    assert lines[-1].startswith("└")


def test_markdown_keeps_the_same_order():
    md = render_markdown(tarnwick_report()).splitlines()
    positions = [md.index(f"## {title}") for title in TITLES]
    assert positions == sorted(positions)
    assert md[positions[0] + 2].startswith("- **d3 · date · At what time did the landslide strike?")
    assert md[-1].startswith("| c23 |")


def test_html_keeps_the_same_order():
    page = render_html(tarnwick_report())
    ids = ["key", "disputes", "updates", "contradictions", "figures", "agreed", "single",
           "unresolved", "matrix", "articles"]  # fmt: skip
    positions = [page.index(f'<section id="{i}"') for i in ids]
    assert positions == sorted(positions)


def test_the_first_dispute_is_on_the_first_screen():
    lines = terminal(tarnwick_report(), width=80)
    first = next(n for n, line in enumerate(lines) if DISPUTE_LINE.match(line))
    assert first < 25, lines[: first + 1]


def test_the_bundled_examples_first_conflict_is_on_the_first_screen():
    # The README's first command: the baseline on the bundled example, on an 80-column screen.
    lines = terminal(check_cluster(EXAMPLE_CLUSTER, backend="lexical"), width=80)
    title = next(n for n, line in enumerate(lines) if line in ("Disputes", "Contradictions"))
    assert title + 1 < 25, lines[: title + 2]
    assert re.match(r"^(d\d+|c\d+) ", lines[title + 1])


# --- disputes ---------------------------------------------------------------------------------


def test_an_update_reads_as_a_timeline_in_date_order_and_its_cells_are_not_contradictions():
    report = tarnwick_report()
    # The versions arrive latest first: the timeline still runs from the earliest date.
    d1 = report.disputes[0]
    shuffled = d1.model_copy(update={"versions": list(reversed(d1.versions))})
    report = report.model_copy(update={"disputes": [shuffled, *report.disputes[1:]]})
    lines = terminal(report)
    assert (
        "d1 · update · How many people have died? — Three (A 17 Nov) → Nine (B 18 Nov, "
        "C 18 Nov 18:05) → Fourteen (D 19 Nov, E 20 Nov)"
    ) in lines
    view = ReportView.of(report)
    row = next(r for r in view.rows if r.claim.id == "c01")
    keys = {a.id: key for a, _, key in row.cells}
    # The checker said "contradicted"; inside an update that is an earlier or later figure.
    assert keys["002_northfold_wire"] == keys["004_upland_courier"] == UPDATED
    assert row.contradicted == 0
    matrix_row = next(line for line in lines if line.startswith("│ c01 "))
    assert "↻" in matrix_row and "✘" not in matrix_row
    counts = lines[3]
    assert "4 disputes, 2 updates, 1 other contradiction" in counts
    html = lxml.html.document_fromstring(render_html(report))
    cell = html.xpath('//td[@data-claim="c01"][@data-article="002_northfold_wire"]')[0]
    assert cell.get("data-label") == "updated"


def test_an_attribution_dispute_says_whom_each_side_credits():
    lines = terminal(tarnwick_report())
    assert (
        "d6 · attribution · Who said “The hillside simply let go”? — Chief Superintendent "
        "Rhona Tullett: A, D · Councillor Idris Vell: E"
    ) in lines
    at = lines.index("   credited to Councillor Idris Vell:")
    assert lines[at + 1].startswith("      E Aldbridge Advertiser (20 Nov): “The hillside simply")
    # The credit is the version's label, not repeated on each side.
    assert "per " not in lines[at + 1]
    row = next(r for r in ReportView.of(tarnwick_report()).rows if r.claim.id == "c11")
    assert row.contradicted == 0 and row.disputes == ["d6"]


def test_each_dispute_is_shown_once_with_every_version_and_quote():
    report = tarnwick_report()
    text = "\n".join(terminal(report))
    for dispute in report.disputes:
        assert text.count(f"{dispute.id} · {dispute.kind} · ") == 1
    for claim in report.claims:
        if claim.id in {v.claim_id for d in report.disputes for v in d.versions}:
            for quote in claim.quotes.values():
                assert text.count(quoted(quote.text)) == (
                    2 if claim.id == "c11" and quote.text.endswith(".") else 1
                ), quote.text  # c11: A and D give the very same words, each on its own line
    # Every article of every version is named with its outlet under the dispute.
    assert "      C Radio Aldery (18 Nov 18:05; headline): “Nine dead in Tarnwick landslide”" in (
        text.splitlines()
    )


def _mutual_report() -> Report:
    """Two articles disagreeing twice; each claim contradicted by the other side's own quote."""
    a_text, b_text = "Four hurt. It fell on Monday.", "Seven hurt. It fell on Tuesday."
    articles = [
        Article(id="a", title="A", text=a_text, outlet="Alpha", published="2026-03-13"),
        Article(id="b", title="B", text=b_text, outlet="Beta", published="2026-03-13"),
    ]

    def quote(text: str, part: str) -> Quote:
        start = text.index(part)
        return Quote(text=part, span=Span(start=start, end=start + len(part)))

    specs = [
        ("c01", "Four people were hurt.", "a", "Four hurt.", "b", "Seven hurt."),
        ("c02", "Seven people were hurt.", "b", "Seven hurt.", "a", "Four hurt."),
        ("c03", "It fell on Monday.", "a", "It fell on Monday.", "b", "It fell on Tuesday."),
        ("c04", "It fell on Tuesday.", "b", "It fell on Tuesday.", "a", "It fell on Monday."),
    ]
    texts = {"a": a_text, "b": b_text}
    claims, verdicts = [], []
    for claim_id, statement, source, own, other, evidence in specs:
        claims.append(CanonicalClaim(id=claim_id, text=statement, sources=[source],
                                     quotes={source: quote(texts[source], own)}))  # fmt: skip
        verdicts.append(
            Verdict(
                claim_id=claim_id,
                article_id=other,
                label=Label.CONTRADICTED,
                evidence=evidence,
                evidence_span=quote(texts[other], evidence).span,
                rationale=f"{evidence} is not {own}",
            )
        )
    return Report(cluster="mutual", cluster_name="Mutual", model=FIXTURE_MODEL, prompts={},
                  articles=articles, claims=claims, verdicts=verdicts, usage=Usage())  # fmt: skip


def test_a_contradiction_seen_from_both_sides_is_one_conflict_with_both_sides():
    digest = Digest.of(ReportView.of(_mutual_report()))
    assert [[c.id for c, _ in conflict.claims] for conflict in digest.conflicts] == [
        ["c01", "c02"],
        ["c03", "c04"],
    ]
    lines = terminal(_mutual_report())
    assert "c01 / c02 · A vs B" in lines and "c03 / c04 · A vs B" in lines
    text = "\n".join(lines)
    for quote in ("“Four hurt.”", "“Seven hurt.”"):
        assert text.count(quote) == 1
    assert text.count("B Beta (13 Mar), in these words") == 1  # c04 is B's sentence as it is
    assert "2 contradictions" in lines[3]


# --- agreed, single-source, figures ------------------------------------------------------------


@pytest.mark.parametrize(
    ("articles", "carriers", "agreed", "single"),
    [
        (5, [3, 2, 1], ["c01"], ["c03"]),  # 3 of 5 is most; 2 of 5 is neither
        (4, [2, 1], ["c01"], ["c02"]),  # half of 4 is enough
        (2, [2, 1], ["c01"], ["c02"]),
        (1, [1], [], ["c01"]),  # one article: never "agreed"
    ],
)
def test_agreed_means_at_least_half_the_articles_and_at_least_two(
    articles, carriers, agreed, single
):
    digest = Digest.of(ReportView.of(carried_report(articles, carriers)))
    assert [r.claim.id for r in digest.agreed] == agreed
    assert [r.claim.id for r in digest.single] == single


def test_single_source_claims_show_the_count_and_the_first_few_or_all():
    lines = terminal(tarnwick_report())
    at = lines.index("Single-source: 6 claims only one outlet carries")
    listed = lines[at + 1 : lines.index("Unresolved cells") - 1]
    assert len(listed) == 6 and listed[-1] == "… and 1 more (--all lists every one)"
    lines = terminal(tarnwick_report(), show_all=True)
    at = lines.index("Single-source: 6 claims only one outlet carries")
    listed = lines[at + 1 : lines.index("Unresolved cells") - 1]
    assert len(listed) == 6 and all(" — " in line for line in listed)
    assert "more (--all" not in render_markdown(tarnwick_report(), show_all=True)
    assert "… and 1 more (--all lists every one)" in render_markdown(tarnwick_report())


def test_key_figures_hold_every_number_with_outlets_and_dates_and_name_the_disputes():
    lines = terminal(tarnwick_report())
    at = lines.index("Key figures")
    figures = lines[at + 1 : lines.index("Agreed by most outlets (at least 3 of 5)") - 1]
    assert figures[0].startswith("d3 At what time did the landslide strike? about 4am")
    timeline = "d1 How many people have died? Three (A 17 Nov) →"
    assert any(line.startswith(timeline) for line in figures)
    assert (
        "c16 More than 80 mountain rescue volunteers were on the fell. — C Radio Aldery "
        "(18 Nov 18:05)"
    ) in figures
    assert not any(line.startswith("c21 ") for line in figures)  # no number: under Agreed
    assert holds_number("Eleven people were missing.") and holds_number("about 4am")
    assert not holds_number("No one was told.") and not holds_number("one of the crew")


def test_each_claim_is_in_at_most_one_section_before_the_matrix():
    digest = Digest.of(ReportView.of(tarnwick_report()))
    seen: list[str] = [v.claim.id for d in digest.disputes for v in d.versions]
    seen = list(dict.fromkeys(seen))
    seen += [c.id for conflict in digest.conflicts for c, _ in conflict.claims]
    seen += [f.claim.id for f in digest.figures if hasattr(f, "claim")]
    seen += [r.claim.id for r in digest.agreed + digest.single]
    assert len(seen) == len(set(seen))


# --- big clusters, header, quotes ---------------------------------------------------------------


def test_a_cluster_too_wide_for_the_terminal_gets_a_pointer_to_the_html_not_a_matrix():
    report = carried_report(40, [40 - n for n in range(40)])
    lines = terminal(report, width=120)
    assert not matrix_fits(40, 120) and matrix_fits(5, 80)
    assert not any(line.startswith(("┏", "│ c")) for line in lines)
    pointer = next(line for line in lines if line.startswith("Claims × articles: 40 claims"))
    assert "do not fit 120 columns" in pointer and "--format html" in " ".join(lines)
    # The key to the letters moves to the end, so the first screen stays the digest.
    assert "The key to the 40 article letters is at the end." in lines[:6]
    assert len(lines) < 150
    md = render_markdown(report)
    assert "| id | claim |" not in md and "--format html" in md
    # A cluster that fits still gets its matrix.
    assert any(line.startswith("┏") for line in terminal(carried_report(5, [3, 1]), width=80))


def test_a_baseline_header_shows_only_what_applies():
    report = check_cluster(EXAMPLE_CLUSTER, backend="lexical")
    for text in ("\n".join(terminal(report)), render_markdown(report)):
        head = text[: text.index("Articles") if "Articles" in text else 600]
        assert f"{BASELINE_NAME} (no model calls, no cost)" in head
        for absent in ("Prompts", "paid call", "$", "none recorded", "Usage"):
            assert absent not in head, absent
    page = lxml.html.document_fromstring(render_html(report))
    header = page.get_element_by_id("report-header").text_content()
    for absent in ("Prompts", "none recorded", "$0.0000", "paid call", "Usage"):
        assert absent not in header, absent
    assert "no model calls, no cost" in header


def test_a_model_report_says_what_was_paid_and_nothing_when_all_came_from_the_store():
    lines = terminal(make_report())
    assert "Model: hand-written-fixture   Prompts: extract v1-abc" in lines
    assert (
        "Usage: 2 paid calls, 150 input + 15 output tokens, cost unknown (no price for this "
        "model: see --prices) (extract 1 call, 100+10 tokens; check 1 call, 50+5 tokens)"
    ) in lines
    stored = Usage(stages={"check": StageUsage(store_hits=9)}, cost_usd=0.0)
    lines = terminal(make_report().model_copy(update={"usage": stored, "prompts": {}}))
    assert "Model: hand-written-fixture" in lines
    assert "Usage: no paid calls; 9 answers from the response store" in lines
    assert not any("$" in line or "Prompts" in line for line in lines[:5])


def test_a_quote_that_opens_with_its_own_quotation_mark_is_not_quoted_again():
    assert quoted("Four hurt.") == "“Four hurt.”"
    assert quoted('"We were lucky," Roque said') == '"We were lucky," Roque said'
    assert quoted("“Nobody wrote back.”") == "“Nobody wrote back.”"
    report = riverside_report()
    for text in (
        "\n".join(terminal(report)),
        render_markdown(report),
        lxml.html.document_fromstring(render_html(report)).text_content(),
    ):
        assert '"We were lucky this did not happen at rush hour,' in text
        assert '“"' not in text and "““" not in text and "””" not in text


def test_terminal_and_markdown_name_every_article_with_its_outlet():
    lines = terminal(make_report())
    assert "c01 × C Gamma: cut off" in lines
    assert "      B Beta: “Seven hurt.” — why: seven, not four" in lines
    assert "A  Alpha" in "\n".join(lines)  # the key: letter, outlet, date, title


def test_markdown_escapes_article_text_and_keeps_the_table_intact():
    md = render_markdown(make_report())
    assert "A \\| \\<b\\>bold\\</b\\>" in md
    table = [line for line in md.splitlines() if line.startswith("| c0")]
    assert [line.split(" | ")[0] for line in table] == ["| c02", "| c01", "| c03"]
    assert all(line.count("|") == 6 for line in table)
    assert "## Contradictions" in md and "    - B Beta: “Seven hurt.” — why: seven, not four" in md


def test_a_report_without_disputes_still_reads_well():
    # What real runs give until the stages fill disputes: contradictions lead, no empty sections.
    lines = terminal(make_report())
    assert lines.index("Contradictions") < lines.index("Agreed by most outlets (at least 2 of 3)")
    assert "Disputes" not in lines and "Other contradictions" not in lines
    assert lines[lines.index("Contradictions") + 1] == "c02 · A vs B"
    calm = [v for v in make_report().verdicts if v.label is not Label.CONTRADICTED]
    lines = terminal(make_report().model_copy(update={"verdicts": calm}))
    assert "no disputes or contradictions" in lines[3] and "Contradictions" not in lines


def test_the_readmes_example_is_what_factcheck_prints_for_the_fixture():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- report-example -->\n```text\n(.*?)\n```\n<!-- /report-example -->",
                      readme, re.S)  # fmt: skip
    assert block, "the README's report example is missing"
    shown = [line for line in block.group(1).splitlines() if line != "…"]
    printed = iter(terminal(tarnwick_report(), width=200))
    # Every line the README shows is printed, in the same order (the README leaves some out).
    missing = [line for line in shown if not any(line == got for got in printed)]
    assert missing == []
