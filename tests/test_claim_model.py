"""The claim model end to end through a fake endpoint: statements with their attribution,
headline quotes, and disputes an editor reads (one per disagreement, updates in date order).

The cluster is three short articles written for this test; every answer is hand-written,
keyed by stage and article: a fixture, never a model's output.
"""

import asyncio
import json
import re

from factcheck import Label, acheck_cluster
from factcheck.models import Article, Cluster
from factcheck.stages.clean import clean
from tests.fakes import FakeEndpoint, claim_item, merge_answer, user_message

REMARK = "We were lucky it was not worse."
ARTICLES = [
    Article(
        id="a", outlet="Wensmere Post", published="2026-11-17",
        title="Three dead in Tarnwick landslide",
        text="A landslide struck Tarnwick early on Tuesday.\n\nThree people have died, police "
        f'said.\n\nFire chief Dana Whitlock said: "{REMARK}"',
    ),
    Article(
        id="b", outlet="Northfold Wire", published="2026-11-18",
        title="Nine dead as Tarnwick toll rises",
        text="The landslide struck Tarnwick early on Tuesday, residents said.\n\nThe homes on "
        f'Beck Row were destroyed.\n\nMayor Helena Roque said: "{REMARK}"',
    ),
    Article(
        id="c", outlet="Radio Aldery", published="2026-11-18T18:05:00+00:00",
        title="Tarnwick: nine dead, rescuers face a second night",
        text="The landslide struck Tarnwick on Monday night.\n\nThe homes on Mill Row were "
        "destroyed.",
    ),
]  # fmt: skip
CLUSTER = Cluster(id="tarnwick-mini", name="Tarnwick", articles=[clean(a) for a in ARTICLES])

EXTRACT = {
    "a": [
        claim_item("A landslide struck Tarnwick early on Tuesday."),
        claim_item("Three people have died", "Three people have died.", "police"),
        claim_item(REMARK, REMARK, "Fire chief Dana Whitlock"),
    ],
    "b": [
        claim_item("Nine dead", "Nine people have died."),  # only the headline gives it
        claim_item(
            "struck Tarnwick early on Tuesday",
            "A landslide struck Tarnwick early on Tuesday.",
            "residents",
        ),
        claim_item("The homes on Beck Row were destroyed."),
        claim_item(REMARK, REMARK, "Mayor Helena Roque"),
    ],
    "c": [
        claim_item("The landslide struck Tarnwick on Monday night."),
        claim_item("The homes on Mill Row were destroyed."),
    ],
}
# Refs A1-A3, B1-B4, C1-C2 become c01 {A1, B2}, c02 A2, c03 {A3, B4}, c04 B1, c05 B3,
# c06 C1, c07 C2.
MERGE = merge_answer(
    [(["A1", "B2"], "A landslide struck Tarnwick early on Tuesday."), (["A3", "B4"], REMARK)],
    [
        # Latest first on purpose: the articles' dates decide the order.
        ("What is the death toll?", "update", [["B1"], ["A2"]]),
        ("Who said it?", "attribution", [["A3"], ["B4"]]),
        ("When did the landslide strike?", "date", [["A1", "B2"], ["C1"]]),
    ],
)  # Beck Row against Mill Row is left for the check to find.


def found(claim_id, evidence, label, attributed_to=None):
    return {"claim_id": claim_id, "evidence": evidence, "attributed_to": attributed_to,
            "rationale": "fixture", "label": label}  # fmt: skip


CHECK = {
    "a": {
        "found": [
            found("c04", "Three people have died", "contradicted", "police"),
            found("c06", "A landslide struck Tarnwick early on Tuesday.", "contradicted"),
        ],
        "not_mentioned": ["c05", "c07"],
    },
    "b": {
        "found": [
            found("c06", "struck Tarnwick early on Tuesday", "contradicted", "residents"),
            found("c07", "The homes on Beck Row were destroyed.", "contradicted"),
        ],
        "not_mentioned": ["c02"],
    },
    "c": {
        "found": [
            found("c01", "The landslide struck Tarnwick on Monday night.", "contradicted"),
            found("c04", "nine dead", "supported"),
            found("c05", "The homes on Mill Row were destroyed.", "contradicted"),
        ],
        "not_mentioned": ["c02", "c03"],
    },
}


def answer(body):
    system = body["messages"][0]["content"]
    text = user_message(body)
    if "MergeAnswer" in system:
        return MERGE
    article = re.search(r'<article id="([^"]*)">', text).group(1)
    return {"claims": EXTRACT[article]} if "ExtractionAnswer" in system else CHECK[article]


def run_report():
    fake = FakeEndpoint([answer] * 7)
    report = asyncio.run(acheck_cluster(CLUSTER, llm=fake.llm()))
    return fake, report


def test_the_claims_keep_statement_and_attribution_apart():
    _, report = run_report()
    assert report.warnings == []
    assert [c.id for c in report.claims] == [f"c{n:02d}" for n in range(1, 8)]
    remark = report.claims[2]
    assert remark.text == REMARK and remark.sources == ["a", "b"]
    assert remark.attributed_to == {"a": "Fire chief Dana Whitlock", "b": "Mayor Helena Roque"}
    nine = report.claims[3]
    assert nine.quotes["b"].in_title and nine.quotes["b"].text == "Nine dead"


def test_every_disagreement_is_one_dispute_in_report_order():
    _, report = run_report()
    summary = [
        (d.id, d.kind, [(v.claim_id, v.articles) for v in d.versions]) for d in report.disputes
    ]
    assert summary == [
        ("d1", "date", [("c01", ["a", "b"]), ("c06", ["c"])]),
        ("d2", "update", [("c02", ["a"]), ("c04", ["b", "c"])]),  # 17 Nov, then 18 Nov
        ("d3", "attribution", [("c03", ["a"]), ("c03", ["b"])]),
        ("d4", "place", [("c05", ["b"]), ("c07", ["c"])]),  # found by the check, not the merge
    ]
    assert report.disputes[3].question == "Where: Beck or Mill?"
    contradicted = [v for v in report.verdicts if v.label is Label.CONTRADICTED]
    assert len(contradicted) == 6  # six cells, four disputes


def test_verdicts_carry_the_credit_and_say_when_the_evidence_is_a_headline():
    _, report = run_report()
    cells = {(v.claim_id, v.article_id): v for v in report.verdicts}
    assert cells[("c04", "c")].from_title and cells[("c04", "c")].label is Label.SUPPORTED
    assert cells[("c04", "b")].from_title  # b states it, in its headline
    assert cells[("c03", "b")].attributed_to == "Mayor Helena Roque"
    assert cells[("c06", "b")].attributed_to == "residents"
    assert cells[("c02", "b")].label is Label.NOT_MENTIONED


def test_the_requests_carry_what_a_model_needs_and_no_attribution_in_checked_claims():
    fake, _ = run_report()
    merge = next(user_message(b) for b in fake.requests if "MergeAnswer" in str(b["messages"][0]))
    assert "A: Wensmere Post, published 2026-11-17" in merge
    assert "C: Radio Aldery, published 2026-11-18T18:05:00+00:00" in merge
    assert "A2 [per police]: Three people have died." in merge
    checks = [user_message(b) for b in fake.requests if "CheckAnswer" in str(b["messages"][0])]
    check_of_c = next(t for t in checks if '<article id="c">' in t)
    assert f"c03: {REMARK}" in check_of_c and "Whitlock" not in check_of_c.split("<claims>")[1]


def test_the_json_contract_carries_disputes_credits_and_title_flags():
    _, report = run_report()
    doc = json.loads(json.dumps(report.to_contract()))
    assert doc["disputes"][1] == {
        "id": "d2",
        "question": "What is the death toll?",
        "kind": "update",
        "versions": [
            {"claim_id": "c02", "articles": ["a"], "also": [], "label": None},
            {"claim_id": "c04", "articles": ["b", "c"], "also": [], "label": None},
        ],
    }
    cell = next(v for v in doc["verdicts"] if (v["claim_id"], v["article_id"]) == ("c04", "c"))
    assert cell["from_title"] is True and cell["evidence"] == "nine dead"
