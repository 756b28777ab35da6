"""The merge answer's disputes: validated, re-asked, salvaged, and mapped onto canonical claims.

Answers are hand-written fixtures queued on a fake endpoint, never a model's output.
"""

import asyncio

from factcheck import Usage
from factcheck.stages.merge import ProposedDispute, merge_claims
from tests.fakes import FakeEndpoint, articles, extracted, merge_answer

FOUR_A = extracted("a", "Four people were injured.", attributed_to="police")
FOUR_B = extracted("b", "Four people were hurt.")
SEVEN_C = extracted("c", "Seven people were injured.")
CLAIMS = [FOUR_A, FOUR_B, SEVEN_C]
GROUP = (["A1", "B1"], "Four people were injured.")
HOW_MANY = "How many people were injured?"


def merge(answers, claims=CLAIMS, chunk_size=150, ids=("a", "b", "c")):
    fake = FakeEndpoint(answers)
    merged = asyncio.run(
        merge_claims(fake.llm(), articles(*ids), claims, Usage(), chunk_size=chunk_size)
    )
    return fake, merged


def reask_text(fake):
    return fake.requests[1]["messages"][-1]["content"]


def test_a_proposed_dispute_becomes_one_claim_per_version():
    answer = merge_answer([GROUP], [(HOW_MANY, "number", [["A1", "B1"], ["C1"]])])
    fake, merged = merge([answer])
    assert len(fake.requests) == 1 and merged.warnings == []
    assert [(c.id, c.sources) for c in merged.claims] == [("c01", ["a", "b"]), ("c02", ["c"])]
    assert merged.disputes == [
        ProposedDispute(question=HOW_MANY, kind="number", versions=[["c01"], ["c02"]])
    ]


def test_one_id_of_a_grouped_version_is_enough():
    answer = merge_answer([GROUP], [(HOW_MANY, "number", [["B1"], ["C1"]])])
    _, merged = merge([answer])
    assert merged.disputes[0].versions == [["c01"], ["c02"]]


def test_an_attribution_dispute_may_split_one_group_by_source():
    answer = merge_answer([GROUP], [("Who said it?", "attribution", [["A1"], ["B1"]])])
    fake, merged = merge([answer])
    assert len(fake.requests) == 1
    assert merged.disputes == [
        ProposedDispute(question="Who said it?", kind="attribution", versions=[["c01"], ["c01"]])
    ]


def test_grouping_the_versions_of_a_dispute_is_reasked():
    joined = merge_answer(
        [(["A1", "B1", "C1"], "People were injured.")],
        [(HOW_MANY, "number", [["A1", "B1"], ["C1"]])],
    )
    good = merge_answer([GROUP], [(HOW_MANY, "number", [["A1", "B1"], ["C1"]])])
    fake, merged = merge([joined, good])
    assert "dispute 1: group 1 joins ids of two of its versions" in reask_text(fake)
    assert len(merged.claims) == 2 and len(merged.disputes) == 1


def test_a_dispute_needs_two_versions_of_known_ids_each_in_one_version():
    bad = merge_answer(
        [GROUP],
        [
            (HOW_MANY, "number", [["A1", "B1"]]),
            ("When?", "date", [["A1"], ["A1", "Z7"]]),
        ],
    )
    good = merge_answer([GROUP])
    fake, merged = merge([bad, good])
    reask = reask_text(fake)
    assert "dispute 1: needs two or more versions" in reask
    assert "dispute 2: unknown id Z7" in reask
    assert "dispute 2: id A1 is in more than one version" in reask
    assert merged.disputes == []


def test_a_kind_outside_the_contract_is_reasked():
    bad = merge_answer([GROUP], [(HOW_MANY, "quantity", [["A1"], ["C1"]])])
    good = merge_answer([GROUP], [(HOW_MANY, "number", [["A1"], ["C1"]])])
    fake, merged = merge([bad, good])
    assert len(fake.requests) == 2 and merged.disputes[0].kind == "number"


def test_an_answer_that_stays_invalid_keeps_its_valid_groups_and_disputes():
    bad = merge_answer(
        [GROUP, (["C1", "Q4"], "Seven people were injured.")],
        [
            (HOW_MANY, "number", [["A1"], ["C1"]]),
            ("When?", "date", [["A1"]]),
        ],
    )
    fake, merged = merge([bad, bad, bad])
    assert len(fake.requests) == 3
    assert [c.sources for c in merged.claims] == [["a", "b"], ["c"]]
    assert [d.question for d in merged.disputes] == [HOW_MANY]
    assert "kept 1 valid group(s) and 1 valid dispute(s)" in merged.warnings[0]


def test_a_version_covering_claims_that_were_not_merged_keeps_them_all_in_that_version():
    # One answer in two wordings the merge did not join is still one version, not two.
    answer = merge_answer([], [(HOW_MANY, "number", [["A1", "B1"], ["C1"]])])
    _, merged = merge([answer])
    assert merged.disputes[0].versions == [["c01", "c02"], ["c03"]]
    assert merged.warnings == []


def test_a_dispute_whose_versions_a_later_chunk_merges_is_dropped_with_a_warning():
    claims = [FOUR_A, SEVEN_C, FOUR_B]  # a, c, then b: three chunks of one claim
    answers = [
        merge_answer(),  # chunk 1: A1 alone
        merge_answer([], [(HOW_MANY, "number", [["K1"], ["B1"]])]),  # chunk 2: K1 (A1), B1 (c)
        merge_answer([(["K1", "K2"], "People were injured.")]),  # chunk 3 joins them after all
    ]
    _, merged = merge(answers, claims, chunk_size=1, ids=("a", "c", "b"))
    assert merged.disputes == []
    assert any("dropped the dispute" in w for w in merged.warnings)


def test_disputes_across_chunks_name_earlier_claims_by_their_k_id():
    claims = [FOUR_A, FOUR_B, SEVEN_C]
    answers = [
        merge_answer([GROUP]),
        merge_answer([], [(HOW_MANY, "number", [["K1"], ["C1"]])]),
    ]
    _, merged = merge(answers, claims, chunk_size=2)
    assert merged.disputes[0].versions == [["c01"], ["c02"]]
