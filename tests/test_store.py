"""The response store: keys, second runs that cost nothing, offline runs, secrets, two writers.

HTTP goes through cassettes recorded against the scripted stub (a fixture, not a model).
"""

import asyncio
import json
import multiprocessing
import sqlite3

import httpx2
import pytest
from typer.testing import CliRunner

from factcheck import LLM, ModelConfig, check_cluster
from factcheck.cli import app
from factcheck.errors import ConfigError, MissingAnswers
from factcheck.llm.store import ResponseStore, endpoint_of, request_key
from factcheck.llm.transport import CURRENT_CALL, CallTag, StoreTransport
from factcheck.models import Usage
from tests.conftest import DUMMY_KEY, EXAMPLE_CLUSTER, FAST_RETRY

N_EXAMPLE = 4
CALLS = 2 * N_EXAMPLE + 1


def test_key_ignores_json_key_order_and_depends_on_endpoint_and_body():
    a = {"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 0}
    b = {"temperature": 0, "messages": [{"content": "x", "role": "user"}], "model": "m"}
    url = "http://127.0.0.1:8000/v1/chat/completions"
    assert request_key(url, a) == request_key(url, b)
    assert request_key(url, a) == request_key(url, json.dumps(b).encode())
    assert request_key(url, a) != request_key("https://api.openai.com/v1/chat/completions", a)
    assert request_key(url, a) != request_key(url, {**a, "temperature": 0.7})
    assert request_key(url, a) != request_key(url, {**a, "model": "other"})


def test_endpoint_leaves_out_the_query_string():
    # Some proxies carry credentials in the query string; they must not shape (or enter) keys.
    url = "https://x.example/openai/v1/chat/completions?api-version=1&key=secret"
    assert endpoint_of(url) == "https://x.example/openai/v1/chat/completions"


async def _send(transport: httpx2.AsyncBaseTransport, body: dict, key: str) -> httpx2.Response:
    request = httpx2.Request(
        "POST",
        "http://127.0.0.1:9/v1/chat/completions",
        json=body,
        headers={"Authorization": f"Bearer {key}"},
    )
    return await transport.handle_async_request(request)


def _answering(counter: list[int], status: int = 200) -> httpx2.MockTransport:
    def handler(request: httpx2.Request) -> httpx2.Response:
        counter.append(1)
        document = {
            "id": "chatcmpl-fixture",
            "object": "chat.completion",
            "model": "hand-written-fixture",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "{}"},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 7, "completion_tokens": 3},
        }  # fmt: skip
        return httpx2.Response(status, json=document if status == 200 else {"error": {}})

    return httpx2.MockTransport(handler)


def test_transport_serves_a_stored_answer_without_sending(tmp_path):
    store = ResponseStore(tmp_path / "s.sqlite3")
    sent: list[int] = []
    transport = StoreTransport(_answering(sent), store)
    body = {"model": "hand-written-fixture", "messages": [{"role": "user", "content": "hi"}]}
    usage = Usage()

    async def twice() -> tuple[httpx2.Response, httpx2.Response]:
        CURRENT_CALL.set(CallTag("extract", usage))
        # Another key the second time: the same answer all the same.
        return await _send(transport, body, "sk-one"), await _send(transport, body, "sk-two")

    first, second = asyncio.run(twice())
    assert len(sent) == 1
    assert second.headers["x-factcheck-store"] == "hit"
    assert json.loads(second.content) == json.loads(first.content)
    assert usage.stages["extract"].store_hits == 1
    assert usage.stages["extract"].stored_input_tokens == 7


def test_errors_are_not_stored(tmp_path):
    store = ResponseStore(tmp_path / "s.sqlite3")
    sent: list[int] = []
    transport = StoreTransport(_answering(sent, status=500), store)
    body = {"model": "m", "messages": []}
    for _ in range(2):
        asyncio.run(_send(transport, body, "k"))
    assert len(sent) == 2
    assert list(store.keys()) == []


def test_offline_needs_a_store():
    with pytest.raises(ConfigError, match="response store"):
        LLM(ModelConfig(model="m", base_url="http://127.0.0.1:9/v1"), offline=True)


def _writer(path: str, start: int) -> None:
    store = ResponseStore(path)
    for n in range(start, start + 100):
        store.put(f"{n:064x}", endpoint="e", model="m", stage="extract",
                  document={"choices": [{"n": n}], "usage": {}})  # fmt: skip


def test_two_processes_write_one_store_at_once(tmp_path):
    path = str(tmp_path / "shared.sqlite3")
    ResponseStore(path)
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_writer, args=(path, s)) for s in (0, 100)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert [w.exitcode for w in workers] == [0, 0]
    assert len(list(ResponseStore(path).keys())) == 200
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _report_args(stub_base_url: str, store, *extra: str) -> list[str]:
    return [
        "report", str(EXAMPLE_CLUSTER), "--model", "scripted-stub", "--base-url", stub_base_url,
        "--store", str(store), *extra,
    ]  # fmt: skip


def _without_usage(markdown: str) -> str:
    return "\n".join(line for line in markdown.splitlines() if "Usage:" not in line)


def sent(vcr, record_mode: str) -> int:
    """Requests that reached HTTP: replayed ones when replaying, recorded ones when recording."""
    return vcr.play_count if record_mode == "none" else len(vcr.data)


@pytest.mark.vcr
def test_second_report_makes_no_request_and_prints_the_same_report(
    vcr, record_mode, stub_base_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("OPENAI_API_KEY", DUMMY_KEY)
    store = tmp_path / "answers.sqlite3"
    runner = CliRunner()
    first = runner.invoke(app, _report_args(stub_base_url, store, "-f", "json"))
    assert first.exit_code == 0, first.output
    assert sent(vcr, record_mode) == CALLS
    second = runner.invoke(app, _report_args(stub_base_url, store, "-f", "json"))
    assert second.exit_code == 0, second.output
    assert sent(vcr, record_mode) == CALLS, "the second run sent requests"

    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert one["usage"]["calls"] == CALLS and one["usage"]["store_hits"] == 0
    assert two["usage"]["calls"] == 0 and two["usage"]["store_hits"] == CALLS
    assert two["usage"]["input_tokens"] == 0
    assert {k: v for k, v in one.items() if k != "usage"} == {
        k: v for k, v in two.items() if k != "usage"
    }

    # The key went out in every request's header; it must not be anywhere in the store.
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("answers.sqlite3*"))
    assert DUMMY_KEY.encode() not in raw
    assert b"Bearer" not in raw and b"authorization" not in raw.lower()

    # Offline, the same report again, from the store alone, byte for byte but for usage.
    third = runner.invoke(app, _report_args(stub_base_url, store, "-f", "markdown", "--offline"))
    fourth = runner.invoke(app, _report_args(stub_base_url, store, "-f", "markdown"))
    assert third.exit_code == fourth.exit_code == 0
    assert _without_usage(third.stdout) == _without_usage(fourth.stdout)
    assert "Usage: no paid calls; 9 answers from the response store" in third.stdout


def test_offline_miss_is_one_line_with_the_count_and_exit_2(tmp_path):
    result = CliRunner().invoke(
        app,
        ["report", str(EXAMPLE_CLUSTER), "--model", "gpt-4o-mini", "--offline",
         "--store", str(tmp_path / "empty.sqlite3")],
    )  # fmt: skip
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"{N_EXAMPLE} model answers for the extract stage are not in the response store" in (
        lines[0]
    )
    assert "without --offline" in lines[0] and "factcheck batch export" in lines[0]


def test_offline_miss_names_every_missing_request_of_the_stage(tmp_path):
    store = ResponseStore(tmp_path / "s.sqlite3")
    llm = LLM(ModelConfig(model="m", base_url="http://127.0.0.1:9/v1", retry=FAST_RETRY),
              store=store, offline=True)  # fmt: skip
    with pytest.raises(MissingAnswers) as caught:
        check_cluster(EXAMPLE_CLUSTER, llm=llm)
    assert caught.value.stage == "extract"
    assert len({m.key for m in caught.value.requests}) == N_EXAMPLE
    assert all(m.body["model"] == "m" for m in caught.value.requests)
