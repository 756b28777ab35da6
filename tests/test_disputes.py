"""Disputes assembled after the check: versions from the verdicts, one dispute per disagreement.

Pure code over hand-made claims and verdicts (fixtures, not a model's output).
"""

import pytest

from factcheck.models import (
    Article,
    CanonicalClaim,
    Label,
    Quote,
    Report,
    Span,
    Usage,
    Verdict,
    stated_verdict,
)
from factcheck.render.markdown import render_markdown
from factcheck.stages.dispute_rules import guess_kind, guess_question, published_at, same_source
from factcheck.stages.disputes import assemble_disputes
from factcheck.stages.merge import ProposedDispute

S, C, N = Label.SUPPORTED, Label.CONTRADICTED, Label.NOT_MENTIONED

TEXTS = {
    "a": "Four people were injured when the footbridge fell on Thursday.",
    "b": "Seven people were injured when the footbridge fell on Thursday.",
    "c": "The footbridge fell on Thursday. Four people were injured.",
    "d": "Crews reached the injured by boat.",
    "e": "Seven were hurt in the fall.",
}


def article(article_id, published=None):
    return Article(id=article_id, title=f"Title {article_id}", text=TEXTS.get(article_id, "x"),
                   published=published)  # fmt: skip


def quote_of(article_id, passage):
    start = TEXTS[article_id].index(passage)
    return Quote(text=passage, span=Span(start=start, end=start + len(passage)))


def claim(claim_id, text, quotes, credits=None):
    return CanonicalClaim(
        id=claim_id, text=text, sources=list(quotes), quotes=quotes, attributed_to=credits or {}
    )


def verdict(claim_id, article_id, label, passage=None, credit=None):
    span = None
    if passage is not None:
        start = TEXTS[article_id].index(passage)
        span = Span(start=start, end=start + len(passage))
    return Verdict(claim_id=claim_id, article_id=article_id, label=label, evidence=passage,
                   evidence_span=span, attributed_to=credit)  # fmt: skip


FOUR = claim("c01", "Four people were injured.", {"a": quote_of("a", "Four people were injured")})
SEVEN = claim(
    "c02", "Seven people were injured.", {"b": quote_of("b", "Seven people were injured")}
)
ARTICLES = [article("a"), article("b"), article("c"), article("d")]
# b contradicts "four" and a contradicts "seven", each with the passage of its own claim; c
# supports "four" and contradicts "seven" with the same passage.
CELLS = [
    verdict("c01", "b", C, "Seven people were injured"),
    verdict("c01", "c", S, "Four people were injured"),
    verdict("c01", "d", N),
    verdict("c02", "a", C, "Four people were injured"),
    verdict("c02", "c", C, "Four people were injured"),
    verdict("c02", "d", N),
]


def versions(dispute):
    return [(v.claim_id, v.articles) for v in dispute.versions]


def test_a_proposed_dispute_takes_its_articles_from_sources_and_support():
    proposed = [ProposedDispute(question="How many?", kind="number", versions=[["c02"], ["c01"]])]
    disputes, warnings = assemble_disputes(ARTICLES, [FOUR, SEVEN], CELLS, proposed)
    assert warnings == []
    assert [(d.id, d.question, d.kind) for d in disputes] == [("d1", "How many?", "number")]
    # The version most articles give comes first.
    assert versions(disputes[0]) == [("c01", ["a", "c"]), ("c02", ["b"])]


def test_contradicted_cells_outside_disputes_become_one_dispute_not_one_per_cell():
    disputes, warnings = assemble_disputes(ARTICLES, [FOUR, SEVEN], CELLS)
    assert warnings == []
    assert len(disputes) == 1  # three contradicted cells, one disagreement
    assert disputes[0].kind == "number"
    assert disputes[0].question == "Which figure is right: Four or Seven?"
    assert versions(disputes[0]) == [("c01", ["a", "c"]), ("c02", ["b"])]


def test_without_a_span_match_the_evidence_is_matched_by_its_words():
    cells = [
        # The evidence is not at the passage b's claim quotes, but says the same.
        verdict("c01", "b", C, "injured when the footbridge fell"),
        *CELLS[1:],
    ]
    seven = claim("c02", "Seven people were injured when the footbridge fell.",
                  {"b": quote_of("b", "Seven people")})  # fmt: skip
    disputes, warnings = assemble_disputes(ARTICLES, [FOUR, seven], cells)
    assert warnings == [] and len(disputes) == 1
    assert versions(disputes[0]) == [("c01", ["a", "c"]), ("c02", ["b"])]


def test_a_contradiction_with_no_claim_of_its_article_to_join_is_counted_in_a_warning():
    lone = claim("c01", "The mayor resigned.", {"a": quote_of("a", "Four people were injured")})
    cells = [verdict("c01", "d", C, "Crews reached the injured by boat.")]
    disputes, warnings = assemble_disputes(ARTICLES, [lone], cells)
    assert disputes == []
    assert warnings == ["1 contradicted cell(s) are in no dispute: no claim of the contradicting "
                        "article could be matched to the evidence"]  # fmt: skip


def test_a_contradiction_the_merge_missed_adds_a_version_to_its_dispute():
    also_seven = claim("c03", "Seven were hurt.", {"d": Quote(text="x", span=Span(start=0, end=1))})
    cells = [
        *CELLS,
        verdict("c03", "a", C, "Four people were injured"),
        verdict("c03", "b", N),
        verdict("c03", "c", N),
        verdict("c01", "d", N),
    ]
    proposed = [ProposedDispute(question="How many?", kind="number", versions=[["c01"], ["c02"]])]
    disputes, _ = assemble_disputes(ARTICLES, [FOUR, SEVEN, also_seven], cells, proposed)
    assert len(disputes) == 1
    assert [v.claim_id for v in disputes[0].versions] == ["c01", "c02", "c03"]


def test_a_contradiction_is_never_used_to_join_two_proposed_disputes():
    day_a = claim("c03", "It fell on Thursday.", {"a": quote_of("a", "fell on Thursday")})
    day_d = claim("c04", "It fell on Wednesday.", {"d": Quote(text="x", span=Span(start=0, end=1))})
    proposed = [
        ProposedDispute(question="How many?", kind="number", versions=[["c01"], ["c02"]]),
        ProposedDispute(question="When?", kind="date", versions=[["c03"], ["c04"]]),
    ]
    # A wrong cell: b, which gives no day, contradicts "Wednesday" with the passage of its
    # "seven injured" claim, a version of the other dispute.
    cells = [*CELLS, verdict("c04", "b", C, "Seven people were injured")]
    disputes, warnings = assemble_disputes(ARTICLES, [FOUR, SEVEN, day_a, day_d], cells, proposed)
    assert [d.question for d in disputes] == ["How many?", "When?"]
    assert [v.claim_id for v in disputes[1].versions] == ["c03", "c04"]
    assert "1 contradicted cell(s) are in no dispute" in warnings[0]


def test_an_attribution_dispute_groups_the_articles_by_whom_they_credit():
    remark = claim(
        "c01",
        "We were lucky this did not happen at rush hour.",
        {"a": quote_of("a", "Four people were injured")},
        {"a": "Fire chief Dana Whitlock"},
    )
    cells = [
        verdict("c01", "b", S, "Seven people were injured", credit="Mayor Helena Roque"),
        verdict("c01", "c", S, "Four people were injured", credit="Whitlock"),
        verdict("c01", "d", S, "Crews reached the injured", credit=None),
    ]
    proposed = [ProposedDispute(question="Who said it?", kind="attribution",
                                versions=[["c01"], ["c01"]])]  # fmt: skip
    disputes, _ = assemble_disputes(ARTICLES, [remark], cells, proposed)
    assert disputes[0].kind == "attribution"
    # d credits no one: it takes no side on who said it.
    assert versions(disputes[0]) == [("c01", ["a", "c"]), ("c01", ["b"])]


def test_an_attribution_dispute_all_articles_agree_on_is_dropped():
    remark = claim("c01", "We were lucky.", {"a": quote_of("a", "Four people were injured")},
                   {"a": "Dana Whitlock"})  # fmt: skip
    cells = [verdict("c01", "c", S, "Four people were injured", credit="fire chief Dana Whitlock")]
    proposed = [ProposedDispute(question="Who?", kind="attribution", versions=[["c01"], ["c01"]])]
    assert assemble_disputes(ARTICLES, [remark], cells, proposed)[0] == []


def test_an_update_runs_from_the_earliest_figure_by_the_articles_dates_and_times():
    dated = [
        article("a", "2026-11-17"),
        article("b", "2026-11-18T18:05:00+00:00"),  # a full timestamp, later that day than c
        article("c", "2026-11-18"),
        article("d", None),
    ]
    toll = [
        claim(
            "c01", "Fourteen people have died.", {"d": Quote(text="x", span=Span(start=0, end=1))}
        ),
        claim("c02", "Nine people have died.", {"b": Quote(text="x", span=Span(start=0, end=1))}),
        claim("c03", "Three people have died.", {"a": Quote(text="x", span=Span(start=0, end=1))}),
        claim("c04", "Five people have died.", {"c": Quote(text="x", span=Span(start=0, end=1))}),
    ]
    proposed = [ProposedDispute(question="What is the death toll?", kind="update",
                                versions=[["c01"], ["c02"], ["c03"], ["c04"]])]  # fmt: skip
    disputes, _ = assemble_disputes(dated, toll, [], proposed)
    # 17th; the 18th (a bare date: its midnight); 18:05 on the 18th; no date last.
    assert [v.claim_id for v in disputes[0].versions] == ["c03", "c04", "c02", "c01"]


def test_timestamps_are_compared_in_utc():
    late_utc = published_at("2026-11-18T06:00:00+00:00")
    early_utc = published_at("2026-11-18T09:00:00+05:00")  # 04:00 UTC
    assert early_utc < late_utc
    assert published_at("2026-11-18") < early_utc
    assert published_at("18 November 2026") is None and published_at(None) is None


def test_versions_no_article_carries_are_dropped_and_so_is_a_dispute_left_with_one():
    unheld = claim("c02", "Seven people were injured.", {})
    proposed = [ProposedDispute(question="How many?", kind="number", versions=[["c01"], ["c02"]])]
    cells = [verdict("c01", "c", S, "Four people were injured")]
    assert assemble_disputes(ARTICLES, [FOUR, unheld], cells, proposed)[0] == []


def test_disputes_are_numbered_in_report_order_most_articles_first():
    small = claim("c03", "It fell on Thursday.", {"a": quote_of("a", "fell on Thursday")})
    other = claim("c04", "It fell on Friday.", {"d": Quote(text="x", span=Span(start=0, end=1))})
    proposed = [
        ProposedDispute(question="When?", kind="date", versions=[["c03"], ["c04"]]),
        ProposedDispute(question="How many?", kind="number", versions=[["c01"], ["c02"]]),
    ]
    disputes, _ = assemble_disputes(ARTICLES, [FOUR, SEVEN, small, other], CELLS, proposed)
    assert [(d.id, d.question) for d in disputes] == [("d1", "How many?"), ("d2", "When?")]


@pytest.mark.parametrize(
    ("texts", "kind"),
    [
        (["Four people were injured.", "Seven people were injured."], "number"),
        (["The toll is 14.", "The toll is 9."], "number"),
        (["It collapsed on Thursday.", "It collapsed on Wednesday."], "date"),
        (["It struck at about 4am.", "It struck shortly after 2am."], "date"),
        (["It was built in 1962.", "It was built in 1965."], "date"),
        (["Police arrested a 34-year-old man.", "Police have made no arrests."], "happened"),
        (["The homes stood on Beck Row.", "The homes stood on Mill Row."], "place"),
        (
            [
                "The statement came from the Defense Ministry.",
                "The statement came from the Foreign Ministry.",
            ],
            "person",
        ),
        (["The bridge passed its inspection.", "The bridge failed its inspection."], "happened"),
    ],
)
def test_the_kind_of_an_unforeseen_dispute_comes_from_the_words_that_differ(texts, kind):
    assert guess_kind(texts) == kind


def test_an_unforeseen_dispute_asks_about_what_differs():
    assert guess_question("date", ["It fell on Thursday.", "It fell on Wednesday."]) == (
        "When: Thursday or Wednesday?"
    )
    long = ["The council met.", "Nobody from the council has met with residents since March."]
    assert guess_question("happened", long) == "Did it happen?"
    assert guess_question("happened", ["It passed.", "It failed."]) == (
        "Which is right: passed or failed?"
    )


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("Whitlock", "Fire chief Dana Whitlock", True),
        ("police", "Westmere Police", True),
        ("an unnamed official", "an unnamed defense official", True),
        ("Mayor Helena Roque", "Fire chief Dana Whitlock", False),
        ("the", "the mayor", False),
    ],
)
def test_two_credits_name_one_source_when_the_words_of_one_are_in_the_other(one, other, same):
    assert same_source(one, other) is same


# --- one answer, several wordings: one version ---------------------------------------------

HURT = claim("c03", "Seven were hurt.", {"d": Quote(text="x", span=Span(start=0, end=1))})


def test_a_claim_the_merge_missed_that_gives_a_side_s_answer_joins_that_side():
    # d words "seven" its own way; b (which says seven) supports it, a contradicts it.
    cells = [
        *CELLS,
        verdict("c03", "a", C, "Four people were injured"),
        verdict("c03", "b", S, "Seven people were injured"),
        verdict("c03", "c", N),
        verdict("c01", "d", N),
    ]
    proposed = [ProposedDispute(question="How many?", kind="number", versions=[["c01"], ["c02"]])]
    disputes, warnings = assemble_disputes(ARTICLES, [FOUR, SEVEN, HURT], cells, proposed)
    assert warnings == []
    assert versions(disputes[0]) == [("c01", ["a", "c"]), ("c02", ["b", "d"])]
    assert disputes[0].versions[1].also == ["c03"]


def test_wordings_the_merge_put_in_one_version_stay_one_version():
    proposed = [
        ProposedDispute(question="How many?", kind="number", versions=[["c02", "c03"], ["c01"]])
    ]
    cells = [*CELLS, verdict("c03", "a", C, "Four people were injured"),
             verdict("c03", "b", N), verdict("c03", "c", N)]  # fmt: skip
    disputes, _ = assemble_disputes(ARTICLES, [FOUR, SEVEN, HURT], cells, proposed)
    # Two articles each: the merge's order stands.
    assert versions(disputes[0]) == [("c02", ["b", "d"]), ("c01", ["a", "c"])]
    assert disputes[0].versions[0].claim_ids == ["c02", "c03"]


def test_context_the_merge_listed_with_an_answer_is_not_part_of_it():
    # "It fell on Thursday" is carried by every article: it cannot tell "four" from "seven".
    thursday = claim("c04", "The footbridge fell on Thursday.",
                     {x: quote_of(x, "fell on Thursday") for x in "abc"})  # fmt: skip
    proposed = [
        ProposedDispute(question="How many?", kind="number", versions=[["c01", "c04"], ["c02"]])
    ]
    disputes, _ = assemble_disputes(ARTICLES, [FOUR, SEVEN, thursday], CELLS, proposed)
    assert versions(disputes[0]) == [("c01", ["a", "c"]), ("c02", ["b"])]
    assert disputes[0].versions[0].also == []


def test_a_contradiction_found_only_by_the_check_is_dropped_when_an_article_carries_both_sides():
    # c supports "seven" as well as "four": the cells disagree with each other, not the outlets.
    cells = [*CELLS[:4], verdict("c02", "c", S, "Four people were injured"), CELLS[5]]
    disputes, warnings = assemble_disputes(ARTICLES, [FOUR, SEVEN], cells)
    assert disputes == []
    assert warnings == [
        "1 contradiction(s) the check found are in no dispute: an article carries both sides"
    ]


def test_the_report_quotes_each_article_in_its_own_wording_of_the_version():
    hurt = claim("c03", "Seven were hurt.", {"e": quote_of("e", "Seven were hurt")})
    articles = [article("a"), article("b"), article("e")]
    cells = [
        stated_verdict(FOUR, "a"), stated_verdict(SEVEN, "b"), stated_verdict(hurt, "e"),
        verdict("c01", "b", C, "Seven people were injured"),
        verdict("c01", "e", C, "Seven were hurt"),
        verdict("c02", "a", C, "Four people were injured"),
        verdict("c02", "e", N),
        verdict("c03", "a", C, "Four people were injured"),
        verdict("c03", "b", S, "Seven people were injured"),
    ]  # fmt: skip
    proposed = [ProposedDispute(question="How many?", kind="number", versions=[["c01"], ["c02"]])]
    disputes, _ = assemble_disputes(articles, [FOUR, SEVEN, hurt], cells, proposed)
    report = Report(cluster="x", cluster_name="x", model="hand-written-fixture", prompts={},
                    articles=articles, claims=[FOUR, SEVEN, hurt], verdicts=cells,
                    disputes=disputes, usage=Usage())  # fmt: skip
    disputes_section = render_markdown(report).split("## Disputes")[1].split("## ")[0]
    # e in its own words, where "e does not mention c02" would hide that it says seven.
    assert "- C e: “Seven were hurt”" in disputes_section
    assert "Seven: B, C · Four: A" in disputes_section
    # c03 is inside the dispute: not listed again as a single-source claim.
    assert "0 single-source" in render_markdown(report)
