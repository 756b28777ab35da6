"""Renderers, on a hand-built report (no model involved)."""

import json

from rich.console import Console

from factcheck.models import (
    Article,
    CanonicalClaim,
    Label,
    Quote,
    Report,
    Span,
    Usage,
    Verdict,
)
from factcheck.render.json import render_json
from factcheck.render.markdown import render_markdown
from factcheck.render.terminal import render_terminal

CONTRACT_KEYS = {"cluster", "model", "prompts", "articles", "claims", "verdicts", "usage"}


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
        model="hand-written-fixture",
        prompts={"extract": "v1-abc"},
        articles=articles,
        claims=claims,
        verdicts=verdicts,
        usage=usage,
        warnings=["a warning"],
    )


def test_json_has_exactly_the_contract_keys_and_spellings():
    doc = json.loads(render_json(make_report()))
    assert set(doc) == CONTRACT_KEYS | {"disputes", "warnings"}  # additions of 2026-11-29
    # extraction (issue 13): null when no model extracted, as in this hand-made report
    assert doc["articles"][0] == {"id": "a", "title": "A | <b>bold</b>", "extraction": None}
    assert doc["claims"][0] == {"id": "c01", "text": "The bridge shut.", "sources": ["a"]}
    assert set(doc["verdicts"][0]) == {
        "claim_id", "article_id", "label", "evidence", "rationale", "attributed_to", "from_title"
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


def test_terminal_puts_contradictions_first_and_shows_legend_and_header():
    console = Console(record=True, width=140, no_color=True)
    render_terminal(make_report(), console)
    text = console.export_text()
    assert "Model: hand-written-fixture" in text and "extract v1-abc" in text
    assert "2 paid calls, 150 input + 15 output tokens, cost ~unknown" in text
    assert "Legend:" in text and "✘ contradicts it" in text
    matrix = text[text.index("Claims × articles") :]
    assert matrix.index("c02") < matrix.index("c01") < matrix.index("c03")
    assert "B (Beta) contradicts: “Seven hurt.” (seven, not four)" in text
    assert "c01 × C: cut off" in text


def test_markdown_escapes_article_text_and_keeps_the_table_intact():
    md = render_markdown(make_report())
    assert "A \\| \\<b\\>bold\\</b\\>" in md
    table = [line for line in md.splitlines() if line.startswith("| c0")]
    assert [line.split(" | ")[0] for line in table] == ["| c02", "| c01", "| c03"]
    assert all(line.count("|") == 6 for line in table)
    assert "## Contradictions" in md and "  - B (Beta) contradicts:" in md


def test_markdown_puts_the_contradictions_before_the_matrix():
    md = render_markdown(make_report())
    assert md.index("## Contradictions") < md.index("## Claims × articles") < md.index("| c02")
    assert md.index("| c03") < md.index("## Carried by one or two outlets only")
