"""Bootstrap intervals: deterministic, resampling claims, and worked out by hand where small."""

import pytest

from factcheck.evaluation.intervals import DRAWS, SEED, ClaimCells, bootstrap
from factcheck.models import Label

S, C, N, U = Label.SUPPORTED, Label.CONTRADICTED, Label.NOT_MENTIONED, Label.UNRESOLVED


def claim(gold_id, *cells, aligned=True):
    return ClaimCells(gold_id=gold_id, aligned=aligned, cells=[((g,), p) for g, p in cells])


CLUSTER = [
    claim("g1", (S, S), (S, S), (N, N)),
    claim("g2", (C, C), (S, N)),
    claim("g3", (N, N), (N, S), (N, N)),
    claim("g4", (S, U)),
    claim("g5", aligned=False),
    claim("g6", (N, N), (C, C)),
]


def test_the_same_claims_give_the_same_interval_every_time():
    first = bootstrap([CLUSTER], with_recall=True)
    assert first == bootstrap([CLUSTER], with_recall=True)
    assert (first.draws, first.seed) == (DRAWS, SEED) == (1000, 20261129)
    # Another seed draws other samples: the fixed seed is what makes it reproducible.
    assert bootstrap([CLUSTER], with_recall=True, seed=1) != first


def test_the_interval_holds_the_point_estimate_and_stays_in_range():
    ci = bootstrap([CLUSTER], with_recall=True)
    # Point estimates: 10 of 13 cells right; 5 of 6 claims aligned.
    for (low, high), point in ((ci.accuracy, 10 / 13), (ci.claim_recall, 5 / 6)):
        assert 0 <= low <= point <= high <= 1
    assert 0 <= ci.macro_f1[0] < ci.macro_f1[1] <= 1
    assert bootstrap([CLUSTER], with_recall=False).claim_recall is None


def test_a_cluster_with_every_cell_right_has_no_spread():
    perfect = [claim("g1", (S, S), (N, N)), claim("g2", (S, S)), claim("g3", (N, N))]
    ci = bootstrap([perfect], with_recall=True)
    # No contradiction anywhere: macro-F1 is over the labels present, so it is 1.0 in every draw.
    assert ci.accuracy == ci.macro_f1 == ci.claim_recall == (1.0, 1.0)


def test_two_claims_one_right_one_wrong_by_hand():
    # Each draw takes 2 claims: accuracy 1 (both the right one, p 1/4), 0.5 (p 1/2), 0 (p 1/4).
    # The 2.5th percentile is 0 and the 97.5th is 1.
    ci = bootstrap([[claim("g1", (S, S)), claim("g2", (S, N))]], with_recall=False)
    assert ci.accuracy == (0.0, 1.0)


def test_claims_not_cells_are_resampled():
    # One claim of 10 cells all wrong and one of 10 all right: resampling claims draws
    # accuracy 0 or 1 a quarter of the time each; resampling cells would stay near 0.5.
    wrong = claim("g1", *[(S, N)] * 10)
    right = claim("g2", *[(S, S)] * 10)
    assert bootstrap([[wrong, right]], with_recall=False).accuracy == (0.0, 1.0)


def test_pooled_clusters_are_resampled_apart():
    # Stratified: every draw holds one claim of each one-claim cluster, so the pool of a
    # right and a wrong claim is exactly 0.5 in every draw; resampled together it would spread.
    pooled = bootstrap([[claim("g1", (S, S))], [claim("g2", (S, N))]], with_recall=False)
    assert pooled.accuracy == (0.5, 0.5)


def test_the_contract_gives_low_and_high_per_score():
    doc = bootstrap([CLUSTER], with_recall=False).to_contract()
    assert set(doc) == {"accuracy", "macro_f1", "claim_recall"} and doc["claim_recall"] is None
    assert all(isinstance(v, list) and len(v) == 2 for k, v in doc.items() if k != "claim_recall")
    with pytest.raises(ValueError):
        bootstrap([CLUSTER], with_recall=False, draws=0)
