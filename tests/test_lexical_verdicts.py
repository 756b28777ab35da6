"""The baseline's verdicts an editor would call wrong, and the disputes it fills (issue 15 §5).

Texts are written for these tests, or are the bundled fictional examples.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factcheck import load_cluster
from factcheck.baseline.checker import lexical_report
from factcheck.models import Article, Cluster, Label, Report, article_aliases
from factcheck.render.json import render_json
from factcheck.stages.clean import clean
from tests.conftest import EXAMPLE_CLUSTER, ROOT


def _cluster(**texts: str) -> Cluster:
    articles = [clean(Article(id=key, title=key, text=text)) for key, text in texts.items()]
    return Cluster(id="test", name="test", articles=articles)


def _contradictions(report: Report) -> list[tuple[str, str, str]]:
    texts = {c.id: c.text for c in report.claims}
    return [
        (texts[v.claim_id], v.article_id, v.rationale)
        for v in report.verdicts
        if v.label is Label.CONTRADICTED
    ]


def _symmetric(report: Report) -> None:
    """If X is contradicted by Y's own claim, every article stating X contradicts Y."""
    claims = {c.id: c for c in report.claims}
    cells = {(v.claim_id, v.article_id): v for v in report.verdicts}
    for verdict in report.verdicts:
        if verdict.label is not Label.CONTRADICTED or verdict.evidence_span is None:
            continue
        target = verdict.article_id
        span = verdict.evidence_span
        for other in claims.values():
            quote = other.quotes.get(target)
            if other.id == verdict.claim_id or quote is None:
                continue
            if not span.start <= quote.span.start < span.end:
                continue
            for source in claims[verdict.claim_id].sources:
                if source not in other.sources:
                    back = cells[(other.id, source)]
                    assert back.label is Label.CONTRADICTED, (verdict, back)


# --- no false contradictions -------------------------------------------------------------


def test_a_capital_for_its_country_is_not_a_name_conflict():
    report = lexical_report(
        _cluster(
            a="North Korea denied the reports, saying they aimed to tarnish Pyongyang's image "
            "abroad. Officials in Pyongyang said the claims were false.",
            b="North Korea rejected the reports, saying they aimed to tarnish North Korea's "
            "image abroad. Officials in Pyongyang called the claims lies.",
        )
    )
    assert _contradictions(report) == []


def test_a_name_in_the_same_role_still_conflicts_when_the_articles_differ_on_it():
    report = lexical_report(
        _cluster(
            a="The council said Helena Roque ordered a review of every footbridge.",
            b="The council said Dana Whitlock ordered a review of every footbridge.",
        )
    )
    assert {r for _, _, r in _contradictions(report)} == {
        "different name: Helena Roque (A) vs Dana Whitlock (B)",
        "different name: Dana Whitlock (B) vs Helena Roque (A)",
    }


def test_days_of_different_events_are_no_conflict():
    report = lexical_report(
        _cluster(
            a="Port Elm harbour partly reopened on Monday morning, a day after fire destroyed "
            "the Calder boatyard.",
            b="Port Elm has pulled together since fire destroyed the Calder boatyard early on "
            "Sunday morning.",
            c="Fire destroyed the Calder boatyard early on Saturday morning, police said.",
        )
    )
    found = _contradictions(report)
    assert not any("Monday" in rationale for _, _, rationale in found), found
    assert any(r == "different day: Sunday (B) vs Saturday (C)" for _, _, r in found), found


def test_counts_of_different_things_are_no_conflict():
    report = lexical_report(
        _cluster(
            a="Three people have died in the landslide, the council said.",
            b="More than 300 people packed the church for a vigil for the 14 people who died "
            "in the landslide.",
        )
    )
    assert [r for _, _, r in _contradictions(report)] == [
        "different number: three (A) vs 14 (B)",
        "different number: 14 (B) vs three (A)",
    ]


# --- symmetry -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "folder",
    [EXAMPLE_CLUSTER, ROOT / "examples" / "harbour-fire", ROOT / "examples" / "tarnwick-landslide"],
    ids=lambda p: p.name,
)
def test_contradictions_run_both_ways_on_the_bundled_clusters(folder):
    _symmetric(lexical_report(load_cluster(folder)))


def test_riverside_four_against_seven_is_contradicted_both_ways():
    report = lexical_report(load_cluster(EXAMPLE_CLUSTER))
    four = next(c for c in report.claims if c.text.startswith("Part of the Millrace Footbridge"))
    seven = next(c for c in report.claims if c.text.startswith("Seven people were injured"))
    cells = {(v.claim_id, v.article_id): v for v in report.verdicts}
    assert cells[(four.id, "002_northgate_times")].label is Label.CONTRADICTED
    assert cells[(seven.id, "001_valley_courier")].label is Label.CONTRADICTED
    assert cells[(seven.id, "001_valley_courier")].rationale == (
        "different number: seven (B) vs four (A)"
    )
    assert cells[(four.id, "002_northgate_times")].rationale == (
        "different number: four (A) vs seven (B)"
    )


SUBJECTS = ["The fire", "The council", "Police", "The harbour master", "Mayor Helena Roque"]
VERBS = ["evacuated", "closed", "inspected", "reopened", "reported"]
OBJECTS = ["forty homes", "fourteen homes", "the quay", "the slipway", "seven boats", "the market"]
WHEN = ["on Sunday", "on Saturday", "on Monday morning", "in March", "in April", ""]
SENTENCES = st.builds(
    lambda s, v, o, w, said: f"{s} {v} {o} {w}".strip() + (", officials said." if said else "."),
    st.sampled_from(SUBJECTS),
    st.sampled_from(VERBS),
    st.sampled_from(OBJECTS),
    st.sampled_from(WHEN),
    st.booleans(),
)
ARTICLES = st.lists(st.lists(SENTENCES, min_size=1, max_size=5).map(" ".join), min_size=2,
                    max_size=4)  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ARTICLES)
def test_contradictions_are_symmetric_for_any_articles(texts):
    _symmetric(lexical_report(_cluster(**{f"a{n}": t for n, t in enumerate(texts)})))


# --- merging ------------------------------------------------------------------------------


def test_one_remark_quoted_word_for_word_in_two_articles_is_one_claim():
    remark = "We have never exported weapons or ammunition to Russia and we never will"
    report = lexical_report(
        _cluster(
            a=f"“{remark},” said an unnamed official. The official accused hostile forces of "
            "spreading rumours.",
            b="North Korea said it had never supplied Russia with weapons or ammunition and had "
            f"no plans to do so. “{remark},” a senior defence official was quoted as saying on "
            "Thursday.",
            c=f"“{remark}.” The statement came after reports that Moscow had asked for shells.",
        )
    )
    quoting = [c for c in report.claims if remark in c.text]
    assert [sorted(c.sources) for c in quoting] == [["a", "b", "c"]]


@pytest.mark.needs_shared
def test_the_seed_clusters_identical_quotes_merge_and_no_name_conflict(shared_cluster):
    report = lexical_report(load_cluster(shared_cluster))
    remark = "We have never exported weapons or ammunition to Russia before"
    holding = {
        article: claim.id
        for claim in report.claims
        for article, quote in claim.quotes.items()
        if remark in quote.text
    }
    assert holding["001_e8c5965eaa3b4c7d"] == holding["004_143b71210ac74c3c"]
    assert not any("Pyongyang" in r for _, _, r in _contradictions(report))


# --- disputes -----------------------------------------------------------------------------


def test_four_against_seven_injured_is_one_dispute_of_kind_number():
    report = lexical_report(load_cluster(EXAMPLE_CLUSTER))
    numbers = [d for d in report.disputes if d.kind == "number"]
    assert len(numbers) == 1
    (dispute,) = numbers
    assert dispute.question == "How many people: four or seven?"
    claims = {c.id: c.text for c in report.claims}
    four, seven = dispute.versions
    assert "injuring four people" in claims[four.claim_id]
    assert claims[seven.claim_id].startswith("Seven people were injured")
    assert four.articles == ["001_valley_courier", "004_metro_wire"]
    assert seven.articles == ["002_northgate_times"]
    kinds = sorted(d.kind for d in report.disputes)
    assert kinds == ["attribution", "date", "number"]
    document = json.loads(render_json(report))
    assert [d["kind"] for d in document["disputes"]] == [d.kind for d in report.disputes]
    assert [d["id"] for d in document["disputes"]] == ["d1", "d2", "d3"]


def test_a_rising_toll_in_later_articles_is_an_update_earliest_first():
    cluster = _cluster(
        a="Three people have died in the landslide, the council said.",
        b="Nine people have died in the landslide, the council said.",
        c="Fourteen people have died in the landslide, the council said.",
    )
    dates = {"a": "2026-11-17", "b": "2026-11-18T09:00:00", "c": "2026-11-19"}
    cluster = cluster.model_copy(update={"articles": [
        a.model_copy(update={"published": dates[a.id]}) for a in reversed(cluster.articles)
    ]})  # fmt: skip
    report = lexical_report(cluster)
    (dispute,) = report.disputes
    assert dispute.kind == "update"
    assert [v.articles for v in dispute.versions] == [["a"], ["b"], ["c"]]
    assert dispute.question == "How many people, as of each report: three → nine → fourteen?"


def test_a_claim_keeps_whom_its_article_credits():
    report = lexical_report(load_cluster(EXAMPLE_CLUSTER))
    seven = next(c for c in report.claims if c.text.startswith("Seven people were injured"))
    assert seven.attributed_to == {"002_northgate_times": "emergency services"}
    letters = article_aliases([a.id for a in report.articles])
    assert letters["002_northgate_times"] == "B"
