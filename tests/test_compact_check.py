"""The compact check answer: found verdicts in full, the other ids as a list, nothing lost.

Answers are hand-written fixtures queued on a fake endpoint, never a model's output.
"""

import asyncio

import pytest

from factcheck import Label, Usage
from factcheck.models import Article, CanonicalClaim
from factcheck.stages.check import check_article, id_problems
from factcheck.stages.clean import clean
from tests.fakes import FakeEndpoint, user_message

TITLE = "Seven hurt as Millrace footbridge falls"
BODY = "Part of the footbridge fell into the river on Thursday.\n\nThe council closed the bridge."
ARTICLE = clean(Article(id="b", title=TITLE, text=BODY))
CLAIMS = [
    CanonicalClaim(id="c01", text="Seven people were injured.", sources=["a"]),
    CanonicalClaim(id="c02", text="The council closed the footbridge.", sources=["a"]),
    CanonicalClaim(id="c03", text="The mayor resigned.", sources=["a"]),
]


def found(claim_id, evidence, label="supported", attributed_to=None):
    return {
        "claim_id": claim_id,
        "evidence": evidence,
        "attributed_to": attributed_to,
        "rationale": "fixture",
        "label": label,
    }


C01_FROM_TITLE = found("c01", "Seven hurt")
C02 = found("c02", "The council closed the bridge.")
GOOD = {"found": [C01_FROM_TITLE, C02], "not_mentioned": ["c03"]}


def check(answers, **settings):
    fake = FakeEndpoint(answers)
    verdicts, warnings = asyncio.run(check_article(fake.llm(**settings), ARTICLE, CLAIMS, Usage()))
    return fake, verdicts, warnings


def reask_text(fake, n=1):
    return fake.requests[n]["messages"][-1]["content"]


@pytest.mark.parametrize(
    ("found_ids", "absent", "expected"),
    [
        (["c01"], ["c02", "c03"], []),
        (["c01"], ["c02"], ["no answer for c03"]),
        (["c01"], ["c02", "c03", "c99"], ["unknown claim ids c99"]),
        (["c01", "c02"], ["c02", "c03"], ["listed more than once: c02"]),
        (["c01"], ["c02", "c03", "c03"], ["listed more than once: c03"]),
        (["c01", "c01"], ["c02", "c03"], ["listed more than once: c01"]),
        ([], [], ["no answer for c01, c02, c03"]),
    ],
)
def test_the_union_of_the_two_lists_must_be_exactly_the_requested_ids(found_ids, absent, expected):
    assert id_problems(found_ids, absent, ["c01", "c02", "c03"]) == expected


def test_a_compact_answer_gives_one_verdict_per_claim_in_request_order():
    fake, verdicts, warnings = check([{"not_mentioned": ["c03"], "found": [C02, C01_FROM_TITLE]}])
    assert [(v.claim_id, v.label) for v in verdicts] == [
        ("c01", Label.SUPPORTED),
        ("c02", Label.SUPPORTED),
        ("c03", Label.NOT_MENTIONED),
    ]
    assert verdicts[2].evidence is None and verdicts[2].rationale == ""
    assert warnings == [] and len(fake.requests) == 1


def test_evidence_from_the_headline_is_kept_and_marked_with_a_title_span():
    _, verdicts, _ = check([GOOD])
    title_verdict, body_verdict = verdicts[0], verdicts[1]
    assert title_verdict.from_title and title_verdict.evidence == "Seven hurt"
    span = title_verdict.evidence_span
    assert TITLE[span.start : span.end] == "Seven hurt"
    assert not body_verdict.from_title
    assert BODY[body_verdict.evidence_span.start : body_verdict.evidence_span.end] == (
        "The council closed the bridge."
    )


def test_the_body_is_searched_before_the_headline():
    article = clean(Article(id="b", title="The council closed the bridge.", text=BODY))
    answer = {"found": [C02], "not_mentioned": []}
    fake = FakeEndpoint([answer])
    verdicts, _ = asyncio.run(check_article(fake.llm(), article, CLAIMS[1:2], Usage()))
    assert not verdicts[0].from_title
    assert verdicts[0].evidence_span.start == BODY.index("The council")


def test_the_article_is_sent_with_its_headline():
    fake, _, _ = check([GOOD])
    assert f"<title>{TITLE}</title>" in user_message(fake.requests[0])


def test_a_missing_id_is_reasked_then_unresolved_never_not_mentioned():
    missing = {"found": [C01_FROM_TITLE, C02], "not_mentioned": []}
    fake, verdicts, warnings = check([missing, missing, missing])
    assert len(fake.requests) == 3
    assert "no answer for c03" in reask_text(fake)
    assert [v.label for v in verdicts] == [Label.SUPPORTED, Label.SUPPORTED, Label.UNRESOLVED]
    assert "no answer for c03" in verdicts[2].rationale
    assert "1 of 3 cell(s) unresolved" in warnings[0]


def test_a_missing_id_given_on_the_reask_is_used():
    missing = {"found": [C01_FROM_TITLE, C02], "not_mentioned": []}
    fake, verdicts, warnings = check([missing, GOOD])
    assert len(fake.requests) == 2 and warnings == []
    assert verdicts[2].label is Label.NOT_MENTIONED


def test_an_extra_id_is_reasked_and_never_reported():
    extra = {"found": [C01_FROM_TITLE, C02, found("c99", "Seven hurt")], "not_mentioned": ["c03"]}
    fake, verdicts, warnings = check([extra, extra, extra])
    assert "unknown claim ids c99" in reask_text(fake)
    assert [v.claim_id for v in verdicts] == ["c01", "c02", "c03"]
    # The rest of the answer was sound: only the invented id is lost.
    assert [v.label for v in verdicts] == [Label.SUPPORTED, Label.SUPPORTED, Label.NOT_MENTIONED]
    assert "0 of 3 cell(s) unresolved" in warnings[0]


def test_an_id_in_both_lists_is_reasked_then_unresolved():
    both = {"found": [C01_FROM_TITLE, C02], "not_mentioned": ["c02", "c03"]}
    fake, verdicts, _ = check([both, both, both])
    assert "listed more than once: c02" in reask_text(fake)
    assert [v.label for v in verdicts] == [Label.SUPPORTED, Label.UNRESOLVED, Label.NOT_MENTIONED]
    assert verdicts[1].rationale == "the answer listed this claim more than once"


def test_an_id_listed_twice_as_not_mentioned_is_reasked():
    twice = {"found": [C01_FROM_TITLE, C02], "not_mentioned": ["c03", "c03"]}
    fake, verdicts, _ = check([twice, GOOD])
    assert "listed more than once: c03" in reask_text(fake)
    assert [v.label for v in verdicts] == [Label.SUPPORTED, Label.SUPPORTED, Label.NOT_MENTIONED]


def test_a_malformed_entry_costs_only_its_own_cell():
    bad = {"found": [dict(C01_FROM_TITLE, label="probably"), C02], "not_mentioned": ["c03"]}
    fake, verdicts, _ = check([bad, bad, bad])
    assert len(fake.requests) == 3
    assert [v.label for v in verdicts] == [Label.UNRESOLVED, Label.SUPPORTED, Label.NOT_MENTIONED]


def test_an_answer_in_the_old_shape_is_reasked_with_what_is_missing():
    old = {"verdicts": [{"claim_id": "c01", "label": "not_mentioned", "rationale": "x"}]}
    fake, verdicts, _ = check([old, GOOD])
    assert "found" in reask_text(fake) and "not_mentioned" in reask_text(fake)
    assert [v.label for v in verdicts][2] is Label.NOT_MENTIONED


def test_a_contradicting_verdict_keeps_whom_the_article_credits():
    answer = {
        "found": [found("c01", "Part of the footbridge fell", "contradicted", "  police ")],
        "not_mentioned": ["c02", "c03"],
    }
    _, verdicts, _ = check([answer])
    assert verdicts[0].label is Label.CONTRADICTED and verdicts[0].attributed_to == "police"
