"""Dispute scores: found, split, vanished, wrong kind; and contradicted cells outside disputes.

Every report here is a hand-made fixture; the expected numbers are worked out beside them.
"""

import pytest

from factcheck.evaluation.align import align_lexical, report_attributions
from factcheck.evaluation.disputes import contradicted_outside_disputes, score_disputes
from factcheck.evaluation.evaluate import evaluate_end_to_end, evaluate_verify
from factcheck.evaluation.gold import GoldDispute, load_gold
from factcheck.models import (
    Article,
    CanonicalClaim,
    Dispute,
    DisputeVersion,
    Label,
    Report,
    Usage,
    Verdict,
)

S, C, N = Label.SUPPORTED, Label.CONTRADICTED, Label.NOT_MENTIONED

GOLD_DISPUTES = [
    GoldDispute(id="d1", kind="number", claims=["g1", "g2"]),  # four vs seven injured
    GoldDispute(id="d2", kind="attribution", claims=["g3", "g4"]),  # Whitlock vs Roque said
    GoldDispute(id="d3", kind="date", claims=["g5", "g6"]),  # Thursday vs Wednesday
]
# Gold claim -> the predicted claims stating it (pair first). p3 is one statement credited to
# two speakers, so it stands for both speech-act claims g3 and g4.
ALIGNED = {"g1": ["p1"], "g2": ["p2"], "g3": ["p3"], "g4": ["p3"], "g5": ["p5"], "g6": ["p6"]}


def dispute(dispute_id, kind, *versions):
    return Dispute(
        id=dispute_id,
        question="?",
        kind=kind,
        versions=[DisputeVersion(claim_id=c, articles=list(a)) for c, a in versions],
    )


D1 = dispute("x1", "number", ("p1", "ACD"), ("p2", "B"))
D2 = dispute("x2", "attribution", ("p3", "A"), ("p3", "D"))
D3 = dispute("x3", "date", ("p5", "ABD"), ("p6", "C"))


def test_every_gold_dispute_found_with_its_kind():
    scores = score_disputes(GOLD_DISPUTES, [D1, D2, D3], ALIGNED)
    assert (scores.recall, scores.precision, scores.kind_accuracy) == (1.0, 1.0, 1.0)
    assert [(m.gold_id, m.predicted_id) for m in scores.found] == [
        ("d1", "x1"), ("d2", "x2"), ("d3", "x3"),
    ]  # fmt: skip
    # The attribution dispute is found through one claim aligned to both speech acts.
    assert scores.found[1].versions == ["g3", "g4"]


def test_a_wrong_kind_counts_against_kind_accuracy_only():
    as_happened = D3.model_copy(update={"kind": "happened"})
    scores = score_disputes(GOLD_DISPUTES, [D1, D2, as_happened], ALIGNED)
    assert (scores.recall, scores.precision) == (1.0, 1.0)
    assert scores.kind_accuracy == pytest.approx(2 / 3)
    assert not scores.found[2].kind_right


def test_a_split_dispute_is_not_found_and_both_halves_are_spurious():
    # d1's versions land in two predicted disputes, each against an unrelated claim.
    half_a = dispute("x1a", "number", ("p1", "A"), ("p7", "B"))
    half_b = dispute("x1b", "number", ("p2", "B"), ("p8", "C"))
    scores = score_disputes(GOLD_DISPUTES, [half_a, half_b, D2, D3], ALIGNED)
    # recall: d2, d3 of 3; precision: x2, x3 of 4 predicted.
    assert scores.recall == pytest.approx(2 / 3) and scores.precision == pytest.approx(2 / 4)
    assert scores.missed == ["d1"] and scores.spurious == ["x1a", "x1b"]


def test_a_vanished_dispute_lowers_recall_not_precision():
    scores = score_disputes(GOLD_DISPUTES, [D1, D2], ALIGNED)
    assert scores.recall == pytest.approx(2 / 3) and scores.precision == 1.0
    assert scores.missed == ["d3"] and scores.spurious == []
    nothing = score_disputes(GOLD_DISPUTES, [], ALIGNED)
    assert nothing.recall == 0.0 and nothing.precision is None and nothing.kind_accuracy is None


def test_one_claim_for_both_versions_finds_only_an_attribution_dispute():
    # A matcher slip: p1 aligned to "four" and to "seven". One claim cannot be two numbers.
    slipped = {**ALIGNED, "g2": ["p1"]}
    alone = dispute("x1", "number", ("p1", "A"), ("p9", "B"))
    assert score_disputes(GOLD_DISPUTES[:1], [alone], slipped).found == []
    # The attribution statement held once, in a dispute about something else, finds nothing:
    # an attribution dispute shows the claim in two versions, one per credit.
    once = dispute("x9", "number", ("p3", "A"), ("p1", "B"))
    assert score_disputes(GOLD_DISPUTES[1:2], [once], ALIGNED).found == []
    # A duplicate stands for its gold claim like the pair does.
    with_duplicate = {**ALIGNED, "g2": ["p2", "p2b"]}
    via_duplicate = dispute("x1", "number", ("p1", "A"), ("p2b", "B"))
    assert score_disputes(GOLD_DISPUTES[:1], [via_duplicate], with_duplicate).recall == 1.0


def test_a_version_is_found_through_any_of_its_wordings():
    # g2 is aligned to p2b, which the version holds as a further wording of p8.
    with_also = Dispute(id="x1", question="?", kind="number", versions=[
        DisputeVersion(claim_id="p1", articles=["A"]),
        DisputeVersion(claim_id="p8", articles=["B"], also=["p2b"]),
    ])  # fmt: skip
    aligned = {**ALIGNED, "g2": ["p2b"]}
    assert score_disputes(GOLD_DISPUTES[:1], [with_also], aligned).recall == 1.0
    without = with_also.model_copy(update={"versions": [
        DisputeVersion(claim_id="p1", articles=["A"]), DisputeVersion(claim_id="p8", articles=["B"])
    ]})  # fmt: skip
    assert score_disputes(GOLD_DISPUTES[:1], [without], aligned).recall == 0.0


def test_the_dispute_holding_most_versions_is_the_one_whose_kind_counts():
    three = [GoldDispute(id="d1", kind="update", claims=["g1", "g2", "g5"])]
    two = dispute("x1", "number", ("p1", "A"), ("p2", "B"))
    all_three = dispute("x2", "update", ("p1", "A"), ("p2", "B"), ("p5", "C"))
    scores = score_disputes(three, [two, all_three], ALIGNED)
    assert scores.found[0].predicted_id == "x2" and scores.kind_accuracy == 1.0
    assert scores.precision == 1.0  # both predicted disputes find d1


def test_contradicted_cells_inside_and_outside_disputes():
    verdicts = [
        Verdict(claim_id="p1", article_id="B", label=C),  # B carries x1's other version: inside
        Verdict(claim_id="p2", article_id="A", label=C),  # inside
        Verdict(claim_id="p1", article_id="E", label=C),  # E carries no version: outside
        Verdict(claim_id="p7", article_id="C", label=C),  # p7 is in no dispute: outside
        Verdict(claim_id="p7", article_id="A", label=S),
    ]
    rep = report([], verdicts, [D1])
    total, outside = contradicted_outside_disputes(rep)
    assert total == 4
    assert [(c.claim_id, c.article_id) for c in outside] == [("p1", "E"), ("p7", "C")]
    # p7 as a further wording of x1's first version: C's cell is inside the dispute now.
    d1_with_p7 = dispute("x1", "number", ("p1", "ACD"), ("p2", "B"))
    d1_with_p7.versions[0].also = ["p7"]
    _, outside = contradicted_outside_disputes(report([], verdicts, [d1_with_p7]))
    assert [(c.claim_id, c.article_id) for c in outside] == [("p1", "E")]


def report(claims, verdicts, disputes, articles="ABCDE") -> Report:
    return Report(
        cluster="demo", cluster_name="demo", model="hand-written-fixture", prompts={},
        articles=[Article(id=a, title=a, text="") for a in articles], claims=claims,
        verdicts=verdicts, disputes=disputes, usage=Usage(),
    )  # fmt: skip


GOLD = """\
cluster: demo
articles: {A: A, B: B, D: D}
claims:
  - {id: g1, text: "Four people were injured.", A: S, B: C, D: S}
  - {id: g2, text: "Seven people were injured.", A: C, B: S, D: C}
  - {id: g3, text: "Fire chief Dana Whitlock said: \\"We were lucky.\\"", A: S, B: N, D: [S, C]}
  - {id: g4, text: "Mayor Helena Roque said: \\"We were lucky.\\"", A: [S, C], B: N, D: S}
disputes:
  - {id: d1, kind: number, claims: [g1, g2]}
  - {id: d2, kind: attribution, claims: [g3, g4]}
"""


def claim(claim_id, text, sources, credits=None):
    return CanonicalClaim(
        id=claim_id, text=text, sources=list(sources), attributed_to=credits or {}
    )


def test_end_to_end_scores_the_claim_models_attribution_dispute(tmp_path):
    """One statement credited to two speakers: both gold speech acts, one dispute, all right."""
    path = tmp_path / "gold.yaml"
    path.write_text(GOLD, encoding="utf-8")
    gold = load_gold(path)
    claims = [
        claim("c1", "Four people were injured in the collapse.", "AD"),
        claim("c2", "Seven people were injured.", "B"),
        claim("c3", "We were lucky.", "AD", {"A": "fire chief Dana Whitlock", "D": "Helena Roque"}),
    ]
    verdicts = [
        Verdict(claim_id="c1", article_id="A", label=S),
        Verdict(claim_id="c1", article_id="D", label=S),
        Verdict(claim_id="c1", article_id="B", label=C),
        Verdict(claim_id="c2", article_id="B", label=S),
        Verdict(claim_id="c2", article_id="A", label=C),
        Verdict(claim_id="c2", article_id="D", label=C),
        Verdict(claim_id="c3", article_id="B", label=N),
    ]
    disputes = [
        dispute("d1", "number", ("c1", "AD"), ("c2", "B")),
        dispute("d2", "attribution", ("c3", "A"), ("c3", "D")),
    ]
    rep = report(claims, verdicts, disputes, articles="ABD")
    alignment = align_lexical(rep.claims, gold.claims, attributions=report_attributions(rep))
    assert [(p.gold_id, p.predicted_id) for p in alignment.pairs] == [
        ("g1", "c1"), ("g2", "c2"), ("g3", "c3"), ("g4", "c3"),
    ]  # fmt: skip
    result = evaluate_end_to_end(rep, gold, alignment)
    doc = result.to_contract()
    # Every one of the 12 cells is right (g3×D and g4×A accept S), no contradiction outside.
    assert (doc["cells"], doc["accuracy"], doc["macro_f1"]) == (12, 1.0, 1.0)
    assert (doc["dispute_recall"], doc["dispute_precision"], doc["dispute_kind_accuracy"]) == (
        1.0, 1.0, 1.0,
    )  # fmt: skip
    assert doc["contradicted_cells_outside_disputes"] == 0
    # Three predicted claims state the four gold facts: fewer rows than facts.
    assert doc["claims_per_fact"] == pytest.approx(3 / 4) and doc["duplicates"] == 0
    # Split the number dispute: recall falls to 1/2, precision to 2/3, and c1 × B is outside.
    split = [
        dispute("d1", "number", ("c1", "AD"), ("c3", "B")),
        dispute("d9", "number", ("c2", "B"), ("c3", "A")),
        disputes[1],
    ]
    doc = evaluate_end_to_end(rep.model_copy(update={"disputes": split}), gold, alignment)
    doc = doc.to_contract()
    assert doc["dispute_recall"] == 0.5 and doc["dispute_precision"] == pytest.approx(1 / 3)
    # Vanish it: recall 1/2, precision 1; its 3 contradicted cells are now outside.
    gone = rep.model_copy(update={"disputes": disputes[1:]})
    doc = evaluate_end_to_end(gone, gold, alignment).to_contract()
    assert (doc["dispute_recall"], doc["dispute_precision"]) == (0.5, 1.0)
    assert doc["contradicted_cells_outside_disputes"] == 3


def test_a_gold_file_listing_no_disputes_gets_precision_only(tmp_path):
    path = tmp_path / "gold.yaml"
    path.write_text(GOLD.split("disputes:")[0] + "disputes: []\n", encoding="utf-8")
    gold = load_gold(path)
    assert gold.disputes_listed and gold.disputes == []
    texts = [c.text for c in gold.claims]
    claims = [claim(f"c{n}", t, "") for n, t in enumerate(texts, 1)]
    spurious = dispute("d1", "number", ("c1", "A"), ("c2", "B"))
    rep = report(claims, [], [spurious], articles="ABD")
    doc = evaluate_verify(rep, gold).to_contract()
    assert (doc["dispute_recall"], doc["dispute_precision"]) == (None, 0.0)
    # Without the key the gold was never labelled for disputes: nothing is scored.
    path.write_text(GOLD.split("disputes:")[0], encoding="utf-8")
    doc = evaluate_verify(rep, load_gold(path)).to_contract()
    assert doc["dispute_recall"] is doc["dispute_precision"] is None
