"""Bounded requests (issues 13.5 and 14.2): a request over the token budget is split.

Answers come from the scripted stub answering in process, or from hand-written answers queued
on the fake endpoint (``tests/fakes.py``): fixtures, never a model. What is tested is which
requests go out, how big they are, and how their answers are put back together.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from itertools import pairwise
from pathlib import Path

import httpx2
import pytest
from typer.testing import CliRunner

from factcheck import LLM, ModelConfig, check_cluster, load_cluster
from factcheck.errors import ConfigError
from factcheck.llm.budget import (
    DEFAULT_REQUEST_TOKENS,
    UNKNOWN_WINDOW_REQUEST_TOKENS,
    request_budget,
)
from factcheck.llm.config import resolve_config
from factcheck.llm.failures import context_refusal
from factcheck.llm.prices import PriceTable
from factcheck.llm.store import ResponseStore
from factcheck.llm.tokens import tokenizer_for
from factcheck.models import Article, CanonicalClaim, Cluster, Label, Usage
from factcheck.pipeline import run_sync
from factcheck.stages.check import check_article
from factcheck.stages.clean import clean
from factcheck.stages.extract import extract_article, extract_claims
from factcheck.stages.merge import merge_claims
from factcheck.stages.split import pack, split_text
from tests.conftest import EXAMPLE_CLUSTER, FAST_RETRY, IN_PROCESS_STUB_URL, ROOT
from tests.fakes import FakeEndpoint, user_message
from tests.scripted_stub import ScriptedStub

HARBOUR = ROOT / "examples" / "harbour-fire"
SMALL = 3_000  # the smallest budget: small enough to split the bundled examples' requests
_PART = re.compile(r'part="(\d+) of (\d+)"')


def stub_llm(stub: ScriptedStub, store: ResponseStore | None = None, **settings: object) -> LLM:
    """An LLM the scripted stub (a fixture) answers in process."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        status, document, headers = stub.answer(request.read())
        return httpx2.Response(status, json=document, headers=headers)

    config = ModelConfig(
        model="scripted-stub", base_url=IN_PROCESS_STUB_URL, retry=FAST_RETRY, **settings
    )
    return LLM(config, httpx2.MockTransport(handler), store=store)


def long_article() -> Article:
    """One long article (about 25 KB): every paragraph of the three bundled examples, once."""
    folders = sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir())
    paragraphs = [p for f in folders for a in load_cluster(f).articles
                  for p in a.text.split("\n\n") if p.strip()]  # fmt: skip
    text = "\n\n".join(paragraphs)
    return clean(Article(id="long", title="Three stories in one long file", text=text))


def body_of(body: dict) -> str:
    """The article text a request carries (the whole article or one part)."""
    return user_message(body).split("</title>", 1)[1].split("</article>", 1)[0]


def sentence_near(article: Article, share: float) -> str:
    """A long line of the article starting after ``share`` of its length."""
    start = int(len(article.text) * share)
    return next(line for line in article.text[start:].split("\n")[1:] if len(line) > 80)


def stage_of(body: dict) -> str:
    text = json.dumps(body)
    return next(s for s in ("ExtractionAnswer", "MergeAnswer", "CheckAnswer") if s in text)


def parts_of(bodies: list[dict]) -> list[tuple[int, int]]:
    found = [_PART.search(user_message(b)) for b in bodies]
    return sorted((int(m[1]), int(m[2])) for m in found if m)


# --- the budget ------------------------------------------------------------------------------


def test_the_budget_is_the_setting_else_three_quarters_of_the_window_else_a_default():
    prices = PriceTable(context_windows={"huge": 1_000_000, "small": 8192})
    given = request_budget(ModelConfig(model="huge", request_tokens=3000), prices)
    assert (given.tokens, given.why) == (3000, "as set (request_tokens=...)")
    assert request_budget(ModelConfig(model="huge"), prices).tokens == DEFAULT_REQUEST_TOKENS
    small = request_budget(ModelConfig(model="small"), prices)
    assert small.tokens == 6144 and "three quarters of small's window of 8,192" in small.why
    unknown = request_budget(ModelConfig(model="local"), prices)
    assert unknown.tokens == UNKNOWN_WINDOW_REQUEST_TOKENS
    assert "context window is unknown" in unknown.describe()
    assert unknown.tokenizer.name == "estimate"
    assert request_budget(ModelConfig(model="gpt-4o-mini"), prices).tokenizer.exact


def test_request_tokens_come_from_the_flag_or_the_environment_and_must_leave_room():
    env = {"FACTCHECK_MODEL": "m", "FACTCHECK_REQUEST_TOKENS": "3,000"}
    assert resolve_config(env=env, need_key=False).request_tokens == 3000
    assert resolve_config(env=env, need_key=False, request_tokens=5000).request_tokens == 5000
    assert resolve_config(model="m", env={}, need_key=False).request_tokens is None
    with pytest.raises(ConfigError, match="at least 3,000"):
        resolve_config(model="m", env={}, need_key=False, request_tokens=500)
    with pytest.raises(ConfigError, match="FACTCHECK_REQUEST_TOKENS must be a whole number"):
        resolve_config(env={**env, "FACTCHECK_REQUEST_TOKENS": "lots"}, need_key=False)
    result = CliRunner().invoke(app_(), ["report", str(EXAMPLE_CLUSTER), "--model", "m",
                                         "--request-tokens", "100", "--offline"])  # fmt: skip
    assert result.exit_code == 2 and "--request-tokens" in result.output
    assert "Traceback" not in result.output


def app_():
    from factcheck.cli import app

    return app


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        # llama.cpp's server and OpenAI: the code, and the window in the message.
        (400, "context_length_exceeded", "This model's maximum context length is 4096 tokens. "
         "However, you requested 5000 tokens (4990 in the messages, 10 in the completion).",
         (True, 4096)),
        # vLLM: the same sentence, no code.
        (400, None, "This model's maximum context length is 32768 tokens. However, you "
         "requested 40000 tokens in the messages.", (True, 32768)),
        # llama.cpp's llama-server.
        (400, "exceed_context_size_error", "request (4476 tokens) exceeds the available "
         "context size (4096 tokens)", (True, 4096)),
        (400, None, "the request exceeds the available context size, try increasing it",
         (True, None)),
        (400, "invalid_value", "temperature must be at most 2", (False, None)),
        (500, "context_length_exceeded", "maximum context length is 4096 tokens", (False, None)),
    ],
)  # fmt: skip
def test_a_context_refusal_is_told_from_other_errors(status, code, message, expected):
    assert context_refusal(status, code, message) == expected


# --- cutting to size -------------------------------------------------------------------------


def test_text_is_cut_at_paragraph_breaks_while_paragraphs_fit():
    paragraphs = [" ".join(f"Sentence {p:02d}.{s} has a few words." for s in range(5))
                  for p in range(12)]  # fmt: skip
    text = "\n\n".join(paragraphs)
    room = 2 * len(paragraphs[0] + "\n\n")  # two paragraphs and their breaks
    spans = split_text(text, room, len)
    assert spans[0][0].start == 0 and spans[-1][0].end == len(text)
    assert all(a.end == b.start for (a, _), (b, _) in pairwise(spans))
    starts = {text.index(p) for p in paragraphs}
    assert {s.start for s, _ in spans} <= starts  # every cut falls at a paragraph's start
    assert len(spans) == 6 and all(cost <= room for _, cost in spans)


def test_a_paragraph_too_long_alone_is_cut_at_sentence_ends_then_spaces_then_halves():
    paragraph = " ".join(f"Sentence {s} has a few more words in it." for s in range(40))
    spans = split_text(paragraph, 100, len)
    assert all(cost <= 100 for _, cost in spans)
    assert all(paragraph[s.start : s.end].rstrip().endswith(".") for s, _ in spans)
    assert "".join(paragraph[s.start : s.end] for s, _ in spans) == paragraph
    solid = "x" * 1000  # no separator at all
    pieces = split_text(solid, 300, len)
    assert all(cost <= 300 for _, cost in pieces)
    assert sum(cost for _, cost in pieces) == 1000


def test_items_are_packed_in_order_and_an_oversized_one_stands_alone():
    assert pack("abcdef", [3, 3, 3, 9, 1, 1], 6) == [["a", "b"], ["c"], ["d"], ["e", "f"]]


# --- extract ---------------------------------------------------------------------------------


def test_an_article_that_fits_goes_whole_exactly_as_before():
    stub = ScriptedStub()
    article = load_cluster(EXAMPLE_CLUSTER).articles[0]
    asyncio.run(extract_article(stub_llm(stub), article, Usage()))
    [body] = stub.requests
    assert 'part="' not in user_message(body) and "too long to send whole" not in json.dumps(body)


def test_a_long_article_is_extracted_in_parts_within_the_budget():
    stub = ScriptedStub()
    llm = stub_llm(stub, request_tokens=SMALL)
    article = long_article()
    claims, warnings, status = asyncio.run(extract_article(llm, article, Usage()))
    total = len(stub.requests)
    assert total >= 5
    assert parts_of(stub.requests) == [(n, total) for n in range(1, total + 1)]
    assert max(llm.budget.tokenizer.count_request(b) for b in stub.requests) < SMALL
    assert status == "ok" and warnings == []
    # The claims come from every part, in the article's order, spans in the whole text.
    starts = [c.quote.span.start for c in claims if not c.quote.in_title]
    assert starts == sorted(starts) and starts[-1] > 0.9 * len(article.text) > starts[0]
    assert all(article.text[c.quote.span.start : c.quote.span.end] == c.quote.text
               for c in claims if not c.quote.in_title)  # fmt: skip


def test_a_part_may_quote_the_rest_of_the_article_but_never_outside_it():
    article = long_article()
    early, late = sentence_near(article, 0.3), sentence_near(article, 0.9)

    def answer(body: dict) -> dict:
        # Each part quotes a line that stands in another part, and one that is nowhere.
        quote = late if early in body_of(body) else early
        return {"claims": [
            {"quote": quote, "statement": "A claim.", "attributed_to": None, "as_of": None},
            {"quote": "The minister resigned over the fire.", "statement": "Invented.",
             "attributed_to": None, "as_of": None},
        ]}  # fmt: skip

    fake = FakeEndpoint([answer] * 300)
    claims, warnings, status = asyncio.run(
        extract_article(fake.llm(request_tokens=SMALL), article, Usage())
    )
    parts = {m[0] for m in map(_PART.search, map(user_message, fake.requests))}
    assert len(parts) >= 5 and len(fake.requests) == 3 * len(parts)  # each re-asked twice
    assert status == "partial"
    [claim] = claims  # one statement: the first part's quote of it is kept
    assert claim.quote.text == early and early not in body_of(fake.requests[0])
    assert article.text[claim.quote.span.start : claim.quote.span.end] == early
    dropped = [w for w in warnings if w.startswith("long: dropped claim whose quote is not")]
    assert len(dropped) == len(parts) and all("The minister resigned" in w for w in dropped)


# --- check -----------------------------------------------------------------------------------


def canonical(texts: list[str]) -> list[CanonicalClaim]:
    return [CanonicalClaim(id=f"c{n:02d}", text=t, sources=["elsewhere"])
            for n, t in enumerate(texts, 1)]  # fmt: skip


def test_many_claims_go_in_groups_and_a_long_article_in_parts_one_verdict_each():
    article = long_article()
    late = sentence_near(article, 0.9)
    made_up = [f"Councillor number {n} resigned over the parking meters in Elmstead."
               for n in range(60)]  # fmt: skip
    claims = canonical([late, *made_up])
    stub = ScriptedStub()
    llm = stub_llm(stub, request_tokens=SMALL)
    verdicts, notes = asyncio.run(check_article(llm, article, claims, Usage()))
    [total] = {m[2] for m in map(_PART.search, map(user_message, stub.requests))}
    groups = len(stub.requests) // int(total)
    assert int(total) >= 2 and groups >= 2 and len(stub.requests) == int(total) * groups
    assert max(llm.budget.tokenizer.count_request(b) for b in stub.requests) < SMALL
    assert [v.claim_id for v in verdicts] == [c.id for c in claims] and notes == []
    assert verdicts[0].label == Label.SUPPORTED and verdicts[0].evidence == late
    assert article.text.index(late) == verdicts[0].evidence_span.start
    assert {v.label for v in verdicts[1:]} == {Label.NOT_MENTIONED}


def test_verdicts_of_the_parts_combine_found_over_missing_and_unresolved_over_not_mentioned():
    article = long_article()
    found = {  # per part: what it answers for c01..c04; every other part: all not mentioned
        1: [("c01", "supported"), ("c02", "supported")],
        2: [("c01", "contradicted"), ("c04", "not verbatim")],
    }

    def answer(body: dict) -> dict:
        number = int(_PART.search(user_message(body))[1])
        line = next(x for x in body_of(body).split("\n") if len(x) > 40)
        entries = [{"claim_id": c, "evidence": line if label != "not verbatim"
                    else "Nowhere in the text at all.", "attributed_to": None,
                    "rationale": "fixture", "label": "supported" if label == "not verbatim"
                    else label} for c, label in found.get(number, [])]  # fmt: skip
        listed = {e["claim_id"] for e in entries}
        rest = [c for c in ("c01", "c02", "c03", "c04") if c not in listed]
        return {"found": entries, "not_mentioned": rest}

    fake = FakeEndpoint([answer] * 300)
    claims = canonical(["One.", "Two.", "Three.", "Four."])
    verdicts, notes = asyncio.run(
        check_article(fake.llm(request_tokens=SMALL), article, claims, Usage())
    )
    labels = [v.label for v in verdicts]
    assert labels == [Label.CONTRADICTED, Label.SUPPORTED, Label.NOT_MENTIONED, Label.UNRESOLVED]
    assert "another part of the article supports it" in verdicts[0].rationale
    assert "not a verbatim passage" in verdicts[3].rationale
    assert any("long (part 2 of" in n for n in notes)


# --- merge -----------------------------------------------------------------------------------


def test_the_merge_takes_as_many_claims_per_request_as_the_budget_holds():
    cluster = story_of(20)
    stub = ScriptedStub()
    extracted = [c for a in cluster.articles
                 for c in asyncio.run(extract_claims(stub_llm(stub), a, Usage()))[0]]  # fmt: skip

    def merged(budget: int) -> list[dict]:
        stub.requests.clear()
        llm = stub_llm(stub, request_tokens=budget)
        asyncio.run(merge_claims(llm, cluster.articles, extracted, Usage()))
        assert all(stage_of(b) == "MergeAnswer" for b in stub.requests)
        return list(stub.requests)

    [whole] = merged(16_000)
    assert user_message(whole).count(", published ") == 20  # one request lists every article
    chunks = [b for b in merged(3000) if len(b["messages"]) == 2]  # re-asks repeat a prompt
    assert len(chunks) >= 5
    # Each request's prompt is within the budget, and lists only the articles its claims
    # name; every extracted claim is new in exactly one request, in order.
    assert max(tokenizer_for("scripted-stub").count_request(b) for b in chunks) < 3000
    assert user_message(chunks[0]).count(", published ") < 20
    # (The eleventh article is lettered L in a merge: K1, K2, ... are claims merged earlier.)
    new = [line.split(":")[0].split(" ")[0] for b in chunks for line in user_message(b).splitlines()
           if re.match(r"^(?!K\d)[A-Z]+\d+\b", line)]  # fmt: skip
    assert len(new) == len(set(new)) == len(extracted)
    assert "K1" not in new and {"J1", "L1", "U1"} <= set(new)


# --- calls stay O(N) -------------------------------------------------------------------------


def story_of(size: int) -> Cluster:
    """``size`` articles of one story: the harbour-fire example's five, each outlet again."""
    sources = load_cluster(HARBOUR).articles
    articles = [sources[n % 5].model_copy(update={"id": f"{n:02d}_{sources[n % 5].id}"})
                for n in range(size)]  # fmt: skip
    return Cluster(id=f"harbour-{size}", name="harbour fire", articles=articles)


def test_calls_grow_linearly_with_the_articles_of_a_story_when_requests_are_split():
    per_article = {}
    for size in (5, 15):
        stub = ScriptedStub()
        check_cluster(story_of(size), llm=stub_llm(stub, request_tokens=SMALL))
        calls = Counter(stage_of(b) for b in stub.requests)
        assert calls["ExtractionAnswer"] > size and calls["MergeAnswer"] > 1  # split
        per_article[size] = len(stub.requests) / size
    # Linear: calls per article do not grow with the cluster (a product of articles and
    # claims would double them at each step).
    assert per_article[15] <= 1.1 * per_article[5], per_article


def test_a_budget_too_small_for_the_cluster_works_from_the_cli_and_the_store(tmp_path: Path):
    store = tmp_path / "s.sqlite3"
    runner = CliRunner()
    args = ["report", str(EXAMPLE_CLUSTER), "--model", "scripted-stub", "--store", str(store),
            "-f", "json", "--request-tokens", str(SMALL), "--offline"]  # fmt: skip
    stub = ScriptedStub()
    check_cluster(EXAMPLE_CLUSTER, llm=stub_llm(stub, ResponseStore(store), request_tokens=SMALL))
    assert any(_PART.search(user_message(b)) for b in stub.requests)
    offline = runner.invoke(app_(), [*args, "--base-url", IN_PROCESS_STUB_URL])
    assert offline.exit_code == 0, offline.output
    assert json.loads(offline.stdout)["claims"]


# --- overhead --------------------------------------------------------------------------------


class Loud:
    """A result that counts how often it is formatted."""

    formatted = 0

    def __repr__(self) -> str:
        Loud.formatted += 1
        return "Loud()"


async def loud() -> Loud:
    return Loud()


def test_the_sync_api_does_not_format_its_result_on_the_way_out():
    # asyncio.run formats its main task, result included, when it puts SIGINT's handler back
    # (about 100 ms for a 50-article report): the sync API keeps the result off that task.
    Loud.formatted = 0
    asyncio.run(loud())
    assert Loud.formatted >= 1  # what the sync API avoids (in the main thread, as here)
    Loud.formatted = 0
    assert isinstance(run_sync(loud()), Loud) and Loud.formatted == 0


# --- a request refused as too long -------------------------------------------------------------


def too_long(body: dict) -> httpx2.Response:
    """llama.cpp's llama-server refusing a prompt longer than its context (hand-written)."""
    return httpx2.Response(400, json={"error": {
        "code": 400, "type": "exceed_context_size_error", "n_ctx": 4096,
        "message": "request (5000 tokens) exceeds the available context size (4096 tokens)",
    }})  # fmt: skip


def test_a_refused_request_is_that_stage_s_failure_never_the_run_s():
    cluster = load_cluster(HARBOUR)
    first, second = cluster.articles[:2]
    fake = FakeEndpoint([too_long] * 3)
    llm, usage = fake.llm(), Usage()
    extraction = asyncio.run(extract_article(llm, first, usage))
    assert extraction.status == "failed" and extraction.claims == []
    [why] = extraction.warnings
    assert why.startswith(f"{first.id}: extraction failed: http://fake.invalid/v1 refused "
                          "the request as too long (HTTP 400): request (5000 tokens)")  # fmt: skip
    assert "such as 3,072 for a 4,096-token window" in why
    claims = canonical(["One thing happened.", "Another thing happened."])
    verdicts, notes = asyncio.run(check_article(llm, second, claims, usage))
    assert [v.label for v in verdicts] == [Label.UNRESOLVED] * 2
    assert "exceeds the available context size" in verdicts[0].rationale
    assert notes[0].endswith("2 cell(s) unresolved")
    extracted = [c for a in (first, second) for c in
                 asyncio.run(extract_claims(stub_llm(ScriptedStub()), a, Usage()))[0]]  # fmt: skip
    merged = asyncio.run(merge_claims(llm, [first, second], extracted, usage))
    assert len(merged.claims) == len(extracted)  # nothing merged, nothing lost
    assert merged.warnings[0].endswith(f"{len(extracted)} claim(s) stay unmerged")
    assert [usage.stages[s].too_long for s in ("extract", "check", "merge")] == [1, 1, 1]
    assert len(fake.requests) == 3  # a refusal is not retried
