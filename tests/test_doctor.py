"""``factcheck doctor`` (issue 18): each verdict, driven from the fault endpoint.

The fault endpoint (``tests/fault_endpoint.py``) answers by the scripted stub's rules: a
fixture, not a model. ``mimic="llama-cpp-python"`` makes it refuse what that server refuses,
with its own error bodies; the real server's doctor run is in ``tests/integration/``.
"""

from __future__ import annotations

import json
import socket

import pytest
from typer.testing import CliRunner, Result

from factcheck.cli import app
from factcheck.doctor import checkup
from factcheck.doctor.sample import ARTICLES, CLAIMS, EXTRACTED
from factcheck.llm.config import resolve_config
from factcheck.quotes import quote_in_article
from factcheck.stages.budget import check_budget, extract_budget, merge_budget
from tests.fault_endpoint import FaultEndpoint

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])

MODES = 5
STAGES = 3


def doctor(base_url: str, model: str = "fault-none", *more: str) -> Result:
    return CliRunner().invoke(app, ["doctor", "--model", model, "--base-url", base_url, *more])


def chat_requests(endpoint: FaultEndpoint) -> list[dict]:
    """The chat requests that were not the context-length probe."""
    return [r for r in endpoint.requests if len(json.dumps(r)) < 100_000]


def test_ready_on_an_endpoint_whose_answers_pass(tmp_path):
    with FaultEndpoint() as endpoint:
        result = doctor(endpoint.base_url)
        sent = chat_requests(endpoint)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Verdict: READY: this model can run factcheck: use --output-mode json_schema" in out
    for mode in ("json_schema", "json_object_schema", "tools", "json", "md_json"):
        assert f"  {mode} " in out
    for stage in ("extract", "merge", "check"):
        assert f"  {stage:<7}  valid" in out
    assert "tok/s" in out and "Speed:" in out
    # One tiny request per mode and per stage, no re-ask, each stage at its own budget.
    assert len(sent) == MODES + STAGES
    budgets = [r["max_tokens"] for r in sent[MODES:]]
    assert budgets == [extract_budget(ARTICLES[0]), merge_budget(len(EXTRACTED)),
                       check_budget(len(CLAIMS))]  # fmt: skip
    # The configured default (json) works but holds nothing to the schema: said, not chosen.
    assert "the configured mode, json, works, but the server does not hold answers" in out
    assert "Context length: the server does not say" in out
    assert "it scores nothing" in out


def test_llama_cpp_python_refuses_json_schema_once_and_json_object_schema_is_named():
    with FaultEndpoint(mimic="llama-cpp-python", n_ctx=4096) as endpoint:
        result = doctor(endpoint.base_url)
        sent = chat_requests(endpoint)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Server: reachable; llama-cpp-python 0.3.36" in out
    assert "Context length: 4,096 tokens (from its refusal of an over-long prompt)" in out
    assert ("json_schema         refused" in out
            and "(HTTP 500: Input should be 'text' or 'json_object')" in out)  # fmt: skip
    assert "Mode to use: json_object_schema" in out
    assert "use --output-mode json_object_schema" in out
    refused = [r for r in sent if (r.get("response_format") or {}).get("type") == "json_schema"]
    assert len(refused) == 1  # refused once, never retried
    assert "fits articles of up to about" in out


def test_answers_that_fail_the_checks_give_a_weak_verdict_and_exit_3():
    with FaultEndpoint() as endpoint:
        result = doctor(endpoint.base_url, "fault-extract-unquoted")
    assert result.exit_code == 3, result.output
    out = result.stdout
    assert "Verdict: RUNS, ANSWERS WEAK" in out and "1 of 3 answers failed its checks" in out
    assert "  extract  invalid" in out and "not verbatim" in out
    assert "not to judge news" in out


def test_an_unreachable_endpoint_cannot_run_and_exits_1():
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    result = doctor(f"http://127.0.0.1:{port}/v1")
    assert result.exit_code == 1, result.output
    assert "Server: not reachable" in result.stdout
    assert "Verdict: CANNOT RUN: factcheck cannot run here: cannot reach" in result.stdout
    assert "Output modes" not in result.stdout  # nothing more was sent


def test_no_mode_that_works_cannot_run():
    with FaultEndpoint() as endpoint:
        result = doctor(endpoint.base_url, "fault-empty-choices")
    assert result.exit_code == 1, result.output
    assert "Mode to use: none works" in result.stdout
    assert "no output mode gave an answer in the schema" in result.stdout
    assert "Stages" not in result.stdout


def test_a_context_too_small_for_the_stages_cannot_run():
    with FaultEndpoint(mimic="llama-cpp-python", n_ctx=1200) as endpoint:
        result = doctor(endpoint.base_url)
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "Context length: 1,200 tokens" in out
    assert "  extract  failed" in out and "maximum context length is 1200 tokens" in out
    assert "the extract request failed" in out
    assert "  merge " not in out  # the endpoint refused: the other stages would say the same


def test_vllm_s_max_model_len_is_the_context_length():
    with FaultEndpoint(mimic="vllm", n_ctx=32768) as endpoint:
        result = doctor(endpoint.base_url)
    assert "Context length: 32,768 tokens (from its model list (max_model_len))" in result.stdout


def test_json_findings_carry_the_verdict_and_the_exit_status():
    with FaultEndpoint(mimic="llama-cpp-python") as endpoint:
        result = doctor(endpoint.base_url, "fault-none", "--json")
    document = json.loads(result.stdout)
    assert document["verdict"] == "ready" and document["exit_code"] == 0
    assert document["mode"] == "json_object_schema"
    assert {m["mode"]: m["outcome"] for m in document["modes"]}["json_schema"] == "refused"
    assert [s["stage"] for s in document["stages"]] == ["extract", "merge", "check"]


def test_the_doctor_uses_no_response_store(tmp_path):
    with FaultEndpoint() as endpoint:
        found = checkup(resolve_config(model="fault-none", base_url=endpoint.base_url, env={}))
        again = checkup(resolve_config(model="fault-none", base_url=endpoint.base_url, env={}))
        sent = chat_requests(endpoint)
    assert found.verdict == again.verdict == "ready"
    assert len(sent) == 2 * (MODES + STAGES)  # the second checkup asked everything again
    assert not list(tmp_path.rglob("*.sqlite3"))


def test_nothing_configured_is_exit_2():
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 2
    assert "no model configured" in result.stderr


def test_the_sample_s_quotes_are_verbatim():
    for claim in EXTRACTED:
        article = next(a for a in ARTICLES if a.id == claim.article_id)
        assert quote_in_article(article, claim.quote.text) is not None
