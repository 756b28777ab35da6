"""An output budget per call (issue 18): max_tokens sized from each request, cut-offs counted.

Answers come from hand-written fixtures (``tests/fakes.py``) and from the fault endpoint's
runaway model (``tests/fault_endpoint.py``: a fixture that never closes its JSON), not a model.
"""

import asyncio
import json

import httpx2
import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from factcheck import LLM, ModelConfig, Usage, check_cluster, load_cluster, resolve_config
from factcheck.cli import app
from factcheck.cli.common import as_flags
from factcheck.errors import ConfigError
from factcheck.llm.failures import unreported_cut_off
from factcheck.llm.gateway import DEFAULT_OUTPUT_BUDGET
from factcheck.llm.store import ResponseStore
from factcheck.models import Label
from factcheck.stages.budget import CEILING, check_budget, extract_budget, merge_budget
from factcheck.stages.check import check_article
from factcheck.stages.extract import extract_article
from tests.conftest import EXAMPLE_CLUSTER, FAST_RETRY
from tests.fakes import FakeEndpoint, articles, completion
from tests.fault_endpoint import RUNAWAY_TOKENS, FaultEndpoint

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])

N_EXAMPLE = 4


class Answer(BaseModel):
    value: int


def ask(llm: LLM, usage: Usage | None = None, **kwargs) -> Answer:
    return asyncio.run(
        llm.structured(stage="extract", response_model=Answer,
                       messages=[{"role": "user", "content": "json"}], context={},
                       usage=usage or Usage(), **kwargs)
    )  # fmt: skip


# --- the sizing rule -------------------------------------------------------------------------


def test_budgets_grow_with_what_is_asked_and_stop_at_the_ceiling():
    short, long = articles("a", "b")
    short.text, long.text = "One sentence here.", "A longer sentence. " * 200
    assert extract_budget(short) < extract_budget(long) <= CEILING
    assert extract_budget(long) > 0.8 * len(long.text)  # room to quote and restate it all
    assert check_budget(1) < check_budget(10) < check_budget(40)
    assert check_budget(10) >= 10 * 55  # every claim answered in full still fits
    assert merge_budget(2) < merge_budget(60)
    assert check_budget(10_000) == merge_budget(10_000) == CEILING


def test_each_stage_sends_its_own_budget():
    cluster = load_cluster(EXAMPLE_CLUSTER)
    article = cluster.articles[0]
    fake = FakeEndpoint([
        {"claims": []},
        {"found": [], "not_mentioned": ["c1", "c2", "c3"]},
    ])  # fmt: skip
    llm = fake.llm()
    asyncio.run(extract_article(llm, article, Usage()))
    claims = [c.model_copy(update={"id": f"c{n}"}) for n, c in enumerate(_claims(3), 1)]
    asyncio.run(check_article(llm, article, claims, Usage()))
    assert [r["max_tokens"] for r in fake.requests] == [extract_budget(article), check_budget(3)]


def _claims(n):
    from factcheck.models import CanonicalClaim

    return [CanonicalClaim(id=f"c{i}", text=f"Claim {i}.", sources=[]) for i in range(n)]


def test_a_call_without_a_stage_budget_still_has_one():
    fake = FakeEndpoint([{"value": 1}])
    ask(fake.llm())
    assert fake.requests[0]["max_tokens"] == DEFAULT_OUTPUT_BUDGET


def test_max_output_tokens_replaces_every_stage_budget():
    fake = FakeEndpoint([{"value": 1}])
    ask(fake.llm(max_output_tokens=321), max_tokens=5000)
    assert fake.requests[0]["max_tokens"] == 321


def test_openai_gets_max_completion_tokens():
    config = ModelConfig(model="gpt-4o-mini", api_key="sk-test-0123456789abcdef", mode="json")
    fake = FakeEndpoint([{"value": 1}])
    llm = LLM(config, transport=httpx2.MockTransport(fake.handle))
    ask(llm, max_tokens=700)
    assert fake.requests[0]["max_completion_tokens"] == 700
    assert "max_tokens" not in fake.requests[0]


def test_max_output_tokens_from_the_environment_and_checked():
    env = {"FACTCHECK_MAX_OUTPUT_TOKENS": "900"}
    assert resolve_config(model="m", base_url="http://x/v1", env=env).max_output_tokens == 900
    flag = resolve_config(model="m", base_url="http://x/v1", env=env, max_output_tokens=50)
    assert flag.max_output_tokens == 50
    with pytest.raises(ConfigError, match="whole number of tokens"):
        resolve_config(model="m", base_url="http://x/v1", env={"FACTCHECK_MAX_OUTPUT_TOKENS": "x"})
    # The Python API names the argument; the command line names the flag.
    with pytest.raises(ConfigError) as error:
        resolve_config(model="m", base_url="http://x/v1", env={}, max_output_tokens=0)
    assert str(error.value) == "max_output_tokens=... must be at least 1"
    assert as_flags(str(error.value)) == "--max-output-tokens must be at least 1"
    # The old name still configures it.
    assert ModelConfig(model="m", max_tokens=77).max_output_tokens == 77


# --- cut-offs --------------------------------------------------------------------------------


def test_a_cut_off_answer_is_named_with_its_budget_and_counted():
    fake = FakeEndpoint([completion('{"value": ', finish_reason="length", tokens=(10, 64))])
    usage = Usage()
    with pytest.raises(Exception, match="cut off at its output budget of 64 tokens"):
        ask(fake.llm(), usage, max_tokens=64)
    assert usage.cut_off == 1 and usage.stages["extract"].cut_off == 1
    assert len(fake.requests) == 1  # a cut-off is not re-asked at the same budget


def _tool_answer(arguments: str, used: int) -> httpx2.Response:
    """What llama.cpp sends for a tool call cut at max_tokens: finish_reason 'tool_calls'."""
    return httpx2.Response(200, json={
        "id": "x", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": None,
            "tool_calls": [{"id": "call_1", "type": "function",
                            "function": {"name": "Answer", "arguments": arguments}}]}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": used, "total_tokens": 10 + used},
    })  # fmt: skip


def test_a_tool_call_cut_off_as_llama_cpp_reports_it_is_a_cut_off_not_a_reask():
    fake = FakeEndpoint([_tool_answer('{"val', 6)] * 3)
    usage = Usage()
    with pytest.raises(Exception, match="cut off at its output budget of 6 tokens"):
        ask(fake.llm(mode="tools"), usage, max_tokens=6)
    assert len(fake.requests) == 1
    assert usage.cut_off == 1


def test_a_whole_answer_that_ends_at_the_budget_is_kept():
    fake = FakeEndpoint([_tool_answer('{"value": 4}', 6)])
    assert ask(fake.llm(mode="tools"), max_tokens=6).value == 4


@pytest.mark.parametrize(
    ("request_body", "finish", "used", "text", "cut"),
    [
        ({"max_tokens": 6}, "tool_calls", 6, '{"city":', True),
        ({"max_completion_tokens": 6}, "stop", 6, '{"city":', True),
        ({"max_tokens": 6}, "tool_calls", 5, '{"city":', False),  # stopped before the budget
        ({"max_tokens": 6}, "tool_calls", 6, '{"city": "P"}', False),  # whole JSON
        ({"max_tokens": 6}, "length", 6, '{"city":', False),  # said so already
        ({}, "stop", 6000, '{"city":', False),  # no budget asked
    ],
)
def test_unreported_cut_offs(request_body, finish, used, text, cut):
    document = {
        "choices": [{"finish_reason": finish, "message": {"content": text}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": used},
    }
    assert unreported_cut_off(request_body, document) is cut


def _report(endpoint, model, tmp_path, *more):
    args = ["report", str(EXAMPLE_CLUSTER), "--model", model, "--base-url", endpoint.base_url,
            "--store", str(tmp_path / "s.sqlite3"), "-f", "json", *more]  # fmt: skip
    return CliRunner().invoke(app, args)


@pytest.mark.parametrize(
    ("fault", "mode"), [("fault-runaway", "json"), ("fault-runaway-tool-calls", "tools")]
)
def test_a_runaway_model_stops_at_each_budget_and_the_run_says_so(tmp_path, fault, mode):
    """The unbounded answer of issue 18: no max_tokens anywhere, 7,220 tokens an extraction."""
    cluster = load_cluster(EXAMPLE_CLUSTER)
    budgets = [extract_budget(a) for a in cluster.articles]
    with FaultEndpoint() as endpoint:
        result = _report(endpoint, fault, tmp_path, "--output-mode", mode)
        sent = [r for r in endpoint.requests if r.get("model") == fault]
    assert result.exit_code == 3, result.output  # every extraction failed, the report is out
    doc = json.loads(result.stdout)
    assert sorted(r["max_tokens"] for r in sent) == sorted(budgets)  # one call each, no re-ask
    assert doc["usage"]["output_tokens"] <= sum(budgets) < N_EXAMPLE * RUNAWAY_TOKENS
    assert doc["usage"]["cut_off"] == N_EXAMPLE
    assert doc["usage"]["stages"]["extract"]["cut_off"] == N_EXAMPLE
    failed = [w for w in doc["warnings"] if "cut off at its output budget of" in w]
    assert len(failed) == N_EXAMPLE
    assert any("--max-output-tokens raises it" in w for w in doc["warnings"])


def test_a_cut_off_check_leaves_its_cells_unresolved_with_the_reason(tmp_path):
    with FaultEndpoint() as endpoint:
        config = ModelConfig(model="fault-check-cut-off-once", base_url=endpoint.base_url,
                             retry=FAST_RETRY)  # fmt: skip
        report = check_cluster(
            EXAMPLE_CLUSTER, llm=LLM(config, store=ResponseStore(tmp_path / "s.sqlite3"))
        )
    unresolved = [v for v in report.verdicts if v.label is Label.UNRESOLVED]
    assert unresolved and all("cut off at its output budget" in v.rationale for v in unresolved)
    assert report.usage.stages["check"].cut_off == N_EXAMPLE
    # The Python API's warning names the argument (the CLI's, the flag: see above).
    advice = [w for w in report.warnings if "raises it" in w]
    assert advice and all("max_output_tokens=... raises it" in w for w in advice)
    assert not any("--max-output-tokens" in w for w in report.warnings)


def test_the_cli_flag_reaches_every_request(tmp_path):
    with FaultEndpoint() as endpoint:
        result = _report(endpoint, "fault-none", tmp_path, "--max-output-tokens", "3000")
        budgets = {r["max_tokens"] for r in endpoint.requests}
    assert result.exit_code == 0, result.output
    assert budgets == {3000}
