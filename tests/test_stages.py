"""Stage logic against hand-written answers from a fake endpoint (fixtures, not a model)."""

import asyncio
import json

import httpx2

from factcheck import LLM, Label, ModelConfig, Usage, acheck_cluster, load_cluster
from factcheck.models import Article, CanonicalClaim, article_aliases
from factcheck.stages.check import check_article
from factcheck.stages.clean import clean, clean_text
from factcheck.stages.extract import extract_claims
from factcheck.stages.merge import merge_claims
from tests.conftest import EXAMPLE_CLUSTER
from tests.fakes import (
    FakeEndpoint,
    articles,
    claim_item,
    completion,
    extracted,
    merge_answer,
    user_message,
)

BODY = (
    "Fire chief Dana Whitlock said four people were injured.\n\n"
    "See also: Council approves parking rules\n\n"
    "The council closed the bridge until further notice."
)
ARTICLE = clean(Article(id="a1", title="Bridge falls", text=BODY))
FAKE_QUOTE = "The minister confirmed the shipment."


def run(coro):
    return asyncio.run(coro)


# --- extract -------------------------------------------------------------------------------


def test_extract_keeps_verbatim_quotes_with_spans():
    fake = FakeEndpoint(
        [
            {
                "claims": [
                    claim_item(
                        "four people were injured",
                        "Four people were injured.",
                        attributed_to="Fire chief Dana Whitlock",
                    ),
                    claim_item("The council closed the bridge until further notice."),
                ]
            }
        ]
    )
    claims, warnings = run(extract_claims(fake.llm(), ARTICLE, Usage()))
    assert warnings == []
    assert [(c.text, c.attributed_to) for c in claims] == [
        ("Four people were injured.", "Fire chief Dana Whitlock"),
        ("The council closed the bridge until further notice.", None),
    ]
    span = claims[0].quote.span
    assert BODY[span.start : span.end] == "four people were injured"
    assert not claims[0].quote.in_title


def test_extract_never_shows_boilerplate_to_the_model():
    fake = FakeEndpoint([{"claims": []}])
    run(extract_claims(fake.llm(), ARTICLE, Usage()))
    assert "See also" not in user_message(fake.requests[0])
    assert "four people were injured" in user_message(fake.requests[0])


def test_hallucinated_quote_is_reasked_with_the_reason():
    fake = FakeEndpoint(
        [
            {"claims": [claim_item(FAKE_QUOTE)]},
            {"claims": [claim_item("The council closed the bridge until further notice.")]},
        ]
    )
    usage = Usage()
    claims, warnings = run(extract_claims(fake.llm(), ARTICLE, usage))
    assert len(fake.requests) == 2 and usage.stages["extract"].calls == 2
    assert FAKE_QUOTE in fake.requests[1]["messages"][-1]["content"]  # the re-ask names it
    assert [c.quote.text for c in claims] == ["The council closed the bridge until further notice."]
    assert warnings == []


def test_quote_that_stays_invalid_is_dropped_with_a_warning_never_kept():
    bad = {"claims": [claim_item(FAKE_QUOTE), claim_item("four people were injured")]}
    fake = FakeEndpoint([bad, bad, bad])
    claims, warnings = run(extract_claims(fake.llm(max_reasks=2), ARTICLE, Usage()))
    assert len(fake.requests) == 3
    assert [c.quote.text for c in claims] == ["four people were injured"]
    assert any(FAKE_QUOTE in w and "dropped" in w for w in warnings)


def test_quote_from_a_boilerplate_line_is_rejected():
    bad = {"claims": [claim_item("See also: Council approves parking rules")]}
    fake = FakeEndpoint([bad, bad, bad])
    claims, _ = run(extract_claims(fake.llm(), ARTICLE, Usage()))
    assert claims == []


def test_malformed_json_is_reasked():
    fake = FakeEndpoint(["Sure! {claims: [", {"claims": [claim_item("four people were injured")]}])
    claims, warnings = run(extract_claims(fake.llm(), ARTICLE, Usage()))
    assert len(fake.requests) == 2 and len(claims) == 1 and warnings == []


def test_article_text_is_data_not_a_template():
    text = "The sign read {{ 7 * 7 }} and {% if true %}open{% endif %} all week long."
    article = clean(Article(id="t", title="{{ title }}", text=text))
    fake = FakeEndpoint([{"claims": [claim_item("The sign read {{ 7 * 7 }}")]}])
    claims, _ = run(extract_claims(fake.llm(), article, Usage()))
    sent = user_message(fake.requests[0])
    assert text in sent and "<title>{{ title }}</title>" in sent
    assert "49" not in sent
    assert claims[0].quote.text == "The sign read {{ 7 * 7 }}"


# --- merge ---------------------------------------------------------------------------------


def test_aliases_run_past_z():
    aliases = article_aliases([f"a{i}" for i in range(28)])
    assert (aliases["a0"], aliases["a25"], aliases["a26"], aliases["a27"]) == ("A", "Z", "AA", "AB")


def test_merge_groups_become_canonical_claims_with_all_sources_and_their_credits():
    claims = [
        extracted("x", "Four were hurt.", attributed_to="police"),
        extracted("x", "The bridge shut."),
        extracted("y", "Four people were injured.", attributed_to="the fire chief", as_of="by 7pm"),
        extracted("z", "Seven were injured."),
    ]
    fake = FakeEndpoint([merge_answer([(["A1", "B1"], "Four people were injured.")])])
    merged = run(merge_claims(fake.llm(), articles("x", "y", "z"), claims, Usage()))
    assert merged.warnings == [] and merged.disputes == []
    canonical = merged.claims
    assert [(c.id, c.text, c.sources) for c in canonical] == [
        ("c01", "Four people were injured.", ["x", "y"]),
        ("c02", "The bridge shut.", ["x"]),
        ("c03", "Seven were injured.", ["z"]),
    ]
    assert canonical[0].attributed_to == {"x": "police", "y": "the fire chief"}
    assert canonical[0].as_of == {"y": "by 7pm"}
    prompt = user_message(fake.requests[0])
    assert "A1 [per police]: Four were hurt." in prompt
    assert "B1 [per the fire chief; by 7pm]: Four people were injured." in prompt
    assert "A2: The bridge shut." in prompt


def test_merge_prompt_lists_each_article_with_its_outlet_and_date():
    claims = [extracted("x", "Three died."), extracted("y", "Nine died.")]
    fake = FakeEndpoint([merge_answer()])
    dated = articles("x", "y", dates={"x": "2026-11-17"})
    run(merge_claims(fake.llm(), dated, claims, Usage()))
    prompt = user_message(fake.requests[0])
    assert "A: Outlet x, published 2026-11-17" in prompt
    assert "B: Outlet y, published on an unknown date" in prompt


def test_merge_answer_with_unknown_or_repeated_ids_is_reasked():
    claims = [extracted("x", "One."), extracted("y", "Uno.")]
    fake = FakeEndpoint(
        [
            merge_answer([(["A1", "C9"], "One."), (["A1", "B1"], "1")]),
            merge_answer([(["A1", "B1"], "One.")]),
        ]
    )
    merged = run(merge_claims(fake.llm(), articles("x", "y"), claims, Usage()))
    assert len(fake.requests) == 2
    assert "unknown id C9" in fake.requests[1]["messages"][-1]["content"]
    assert [c.sources for c in merged.claims] == [["x", "y"]]


def test_merge_in_chunks_carries_earlier_groups_as_k_items():
    claims = [extracted("x", "One."), extracted("y", "Uno."), extracted("z", "Eins.")]
    fake = FakeEndpoint(
        [
            merge_answer([(["A1", "B1"], "One.")]),
            merge_answer([(["K1", "C1"], "The number one.")]),
        ]
    )
    merged = run(merge_claims(fake.llm(), articles("x", "y", "z"), claims, Usage(), chunk_size=2))
    assert "K1 [A, B]: One." in user_message(fake.requests[1])
    assert [(c.text, c.sources) for c in merged.claims] == [("The number one.", ["x", "y", "z"])]


def test_single_article_needs_no_merge_call():
    fake = FakeEndpoint([])
    merged = run(
        merge_claims(
            fake.llm(), articles("x"), [extracted("x", "A."), extracted("x", "B.")], Usage()
        )
    )
    assert fake.requests == [] and len(merged.claims) == 2


# --- check ---------------------------------------------------------------------------------

CLAIMS = [
    CanonicalClaim(id="c01", text="Seven people were injured.", sources=["b"]),
    CanonicalClaim(id="c02", text="The bridge closed.", sources=["b"]),
    CanonicalClaim(id="c03", text="The mayor resigned.", sources=["b"]),
]
CONTRADICTS_C01 = {
    "claim_id": "c01",
    "evidence": "four people were injured",
    "attributed_to": "Fire chief Dana Whitlock",
    "rationale": "4 not 7",
    "label": "contradicted",
}
SUPPORTS_C02 = {
    "claim_id": "c02",
    "evidence": "The council closed the bridge",
    "attributed_to": None,
    "rationale": "same",
    "label": "supported",
}
GOOD_CHECK = {"found": [CONTRADICTS_C01, SUPPORTS_C02], "not_mentioned": ["c03"]}


def test_check_gives_one_grounded_verdict_per_claim():
    fake = FakeEndpoint([GOOD_CHECK])
    verdicts, warnings = run(check_article(fake.llm(), ARTICLE, CLAIMS, Usage()))
    assert [(v.claim_id, v.label) for v in verdicts] == [
        ("c01", Label.CONTRADICTED),
        ("c02", Label.SUPPORTED),
        ("c03", Label.NOT_MENTIONED),
    ]
    assert (
        BODY[verdicts[0].evidence_span.start : verdicts[0].evidence_span.end]
        == verdicts[0].evidence
    )
    assert verdicts[0].attributed_to == "Fire chief Dana Whitlock"
    assert verdicts[1].attributed_to is None and not verdicts[1].from_title
    assert warnings == []
    prompt = user_message(fake.requests[0])
    assert prompt.index("four people were injured") < prompt.index("c01: Seven people")


def test_check_with_missing_or_extra_ids_is_reasked():
    wrong = {"found": [CONTRADICTS_C01, SUPPORTS_C02], "not_mentioned": ["c99"]}
    fake = FakeEndpoint([wrong, GOOD_CHECK])
    verdicts, _ = run(check_article(fake.llm(), ARTICLE, CLAIMS, Usage()))
    assert len(fake.requests) == 2
    reask = fake.requests[1]["messages"][-1]["content"]
    assert "no answer for c03" in reask and "unknown claim ids c99" in reask
    assert [v.label for v in verdicts] == [
        Label.CONTRADICTED, Label.SUPPORTED, Label.NOT_MENTIONED
    ]  # fmt: skip


def test_unverifiable_cells_become_unresolved_not_not_mentioned():
    # Evidence for c01 is never verbatim; c02 and c03 are fine: only c01 is lost.
    bad = {
        "found": [dict(CONTRADICTS_C01, evidence="eight people died"), SUPPORTS_C02],
        "not_mentioned": ["c03"],
    }
    fake = FakeEndpoint([bad, bad, bad])
    verdicts, warnings = run(check_article(fake.llm(), ARTICLE, CLAIMS, Usage()))
    assert [v.label for v in verdicts] == [Label.UNRESOLVED, Label.SUPPORTED, Label.NOT_MENTIONED]
    assert "not a verbatim passage" in verdicts[0].rationale
    assert "1 of 3 cell(s) unresolved" in warnings[0]


def test_truncated_check_answer_leaves_every_cell_unresolved_with_the_reason():
    fake = FakeEndpoint([completion('{"found": [{"claim_id": "c01", "evid', "length")])
    verdicts, _ = run(check_article(fake.llm(), ARTICLE, CLAIMS, Usage()))
    assert [v.label for v in verdicts] == [Label.UNRESOLVED] * 3
    assert all("cut off" in v.rationale for v in verdicts)


# --- the three waves -----------------------------------------------------------------------


def test_pipeline_runs_three_waves_of_concurrent_calls():
    """All extractions are in flight together, then one merge, then all checks together."""
    cluster = load_cluster(EXAMPLE_CLUSTER)
    n = len(cluster.articles)
    log: list[tuple[str, int]] = []
    in_flight = {"now": 0}
    arrived: dict[str, asyncio.Event] = {}
    counts: dict[str, int] = {}

    def answer_for(stage: str, body: dict) -> dict:
        text = user_message(body)
        if stage == "ExtractionAnswer":
            article = next(a for a in cluster.articles if f'<article id="{a.id}">' in text)
            first = clean_text(article).split("\n")[0]
            return {"claims": [claim_item(first)]}
        if stage == "MergeAnswer":
            return {"groups": [], "disputes": []}
        ids = [
            line.split(":")[0]
            for line in text.split("<claims>")[1].split("</claims>")[0].strip().splitlines()
        ]
        return {"found": [], "not_mentioned": ids}

    async def handler(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        stage = next(
            s
            for s in ("ExtractionAnswer", "MergeAnswer", "CheckAnswer")
            if s in body["messages"][0]["content"]
        )
        in_flight["now"] += 1
        log.append((stage, in_flight["now"]))
        counts[stage] = counts.get(stage, 0) + 1
        expected = 1 if stage == "MergeAnswer" else n
        event = arrived.setdefault(stage, asyncio.Event())
        if counts[stage] == expected:
            event.set()
        # Hold each answer until the whole wave has arrived: a sequential pipeline would hang.
        await asyncio.wait_for(event.wait(), timeout=5)
        in_flight["now"] -= 1
        return completion(answer_for(stage, body))

    config = ModelConfig(model="hand-written-fixture", base_url="http://fake.invalid/v1")
    report = asyncio.run(acheck_cluster(cluster, llm=LLM(config, httpx2.MockTransport(handler))))
    stages = [s for s, _ in log]
    assert stages == ["ExtractionAnswer"] * n + ["MergeAnswer"] + ["CheckAnswer"] * n
    assert max(depth for s, depth in log if s == "ExtractionAnswer") == n
    assert max(depth for s, depth in log if s == "CheckAnswer") == n
    assert report.usage.calls == 2 * n + 1


def test_claims_are_kept_on_one_line():
    fake = FakeEndpoint(
        [{"claims": [claim_item("four people were injured", "Four people\nwere  hurt.")]}]
    )
    claims, _ = run(extract_claims(fake.llm(), ARTICLE, Usage()))
    assert claims[0].text == "Four people were hurt."


def test_merged_wording_is_kept_on_one_line_before_it_reaches_the_next_prompt():
    claims = [extracted("x", "One."), extracted("y", "Uno."), extracted("z", "Eins.")]
    fake = FakeEndpoint(
        [
            merge_answer([(["A1", "B1"], "The number\n one.")]),
            merge_answer(),
        ]
    )
    merged = run(merge_claims(fake.llm(), articles("x", "y", "z"), claims, Usage(), chunk_size=2))
    assert "K1 [A, B]: The number one." in user_message(fake.requests[1])
    assert merged.claims[0].text == "The number one."
    assert CanonicalClaim(id="c1", text=" a\nb ", sources=[]).text == "a b"
