"""The Batch loop (export → answers → import, stage by stage), resume after kill -9, dry runs.

Answers come from the scripted stub (a fixture, not a model): in process for the export/import
loop, and as a live server on 127.0.0.1 where the Batch API's upload and polling, or a killed
process, are the point.
"""

import asyncio
import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from factcheck import LLM, ModelConfig, check_cluster, load_cluster
from factcheck.bulk.estimate import CHECK_TOKENS_PER_CLAIM, aestimate
from factcheck.bulk.export import aexport
from factcheck.bulk.results import import_file
from factcheck.cli import app
from factcheck.llm.prices import PriceTable
from factcheck.llm.store import ResponseStore
from tests.conftest import (
    DUMMY_KEY,
    EXAMPLE_CLUSTER,
    FAST_RETRY,
    IN_PROCESS_STUB_URL,
    in_process_stub_llm,
)
from tests.scripted_stub import ScriptedStub

N_EXAMPLE = 4
STUB_URL = IN_PROCESS_STUB_URL


def stub_config() -> ModelConfig:
    return ModelConfig(model="scripted-stub", base_url=STUB_URL, retry=FAST_RETRY)


def answer_file(stub: ScriptedStub, requests: Path, results: Path) -> int:
    outputs, errors = stub.batch_results(requests.read_text(encoding="utf-8"))
    results.write_text("".join(line + "\n" for line in outputs + errors), encoding="utf-8")
    return len(outputs)


def test_batch_round_trip_restores_exactly_the_answers_a_live_run_uses(tmp_path):
    stub = ScriptedStub()
    live_store = ResponseStore(tmp_path / "live.sqlite3")
    live = check_cluster(EXAMPLE_CLUSTER, llm=in_process_stub_llm(live_store, stub))

    batch_store = ResponseStore(tmp_path / "batch.sqlite3")
    llm = LLM(stub_config(), store=batch_store)
    cluster = load_cluster(EXAMPLE_CLUSTER)
    rounds = []
    for n in range(5):
        exported = asyncio.run(aexport([cluster], llm, tmp_path / f"in{n}.jsonl"))
        if not exported.requests:
            break
        rounds.append((exported.clusters[0].stage, exported.requests))
        answer_file(stub, tmp_path / f"in{n}.jsonl", tmp_path / f"out{n}.jsonl")
        result = import_file(batch_store, tmp_path / f"out{n}.jsonl")
        assert result.stored == exported.requests and result.errors == []
    assert rounds == [("extract", N_EXAMPLE), ("merge", 1), ("check", N_EXAMPLE)]

    offline = check_cluster(cluster, llm=LLM(stub_config(), store=batch_store, offline=True))
    assert set(batch_store.keys()) == set(live_store.keys())
    assert offline.claims == live.claims
    assert offline.verdicts == live.verdicts
    assert offline.usage.calls == 0 and offline.usage.store_hits == 2 * N_EXAMPLE + 1
    with sqlite3.connect(batch_store.path) as db:
        origins = {row[0] for row in db.execute("SELECT origin FROM answers")}
    assert origins == {"batch"}


def run(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_batch_loop_on_the_seed_cluster_ends_in_a_full_offline_report(shared_cluster, tmp_path):
    stub = ScriptedStub()
    store = str(tmp_path / "s.sqlite3")
    model = ["--model", "scripted-stub", "--base-url", STUB_URL, "--store", store]
    for n in range(5):
        requests = tmp_path / f"in{n}.jsonl"
        exported = run("batch", "export", str(shared_cluster), "--out", str(requests), *model)
        if "nothing to export" in exported.stdout:
            break
        answer_file(stub, requests, tmp_path / f"out{n}.jsonl")
        imported = run("batch", "import", str(tmp_path / f"out{n}.jsonl"), "--store", store)
        assert "0 failed" in imported.stdout
    else:
        pytest.fail("the batch loop did not finish in 5 rounds")
    assert n == 3  # extract, merge, check, then nothing left

    offline = run("report", str(shared_cluster), "-f", "json", "--offline", *model)
    report = json.loads(offline.stdout)
    assert report["usage"]["calls"] == 0 and report["usage"]["store_hits"] == 11
    assert len(report["verdicts"]) == len(report["claims"]) * 5
    assert all(v["label"] != "unresolved" for v in report["verdicts"])


def test_import_reports_failed_lines_and_stores_none_of_them(tmp_path):
    key = "a" * 64
    ok = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "{}"}}],
          "usage": {"prompt_tokens": 1, "completion_tokens": 1}}  # fmt: skip
    lines = [
        {"custom_id": key, "response": {"status_code": 200, "body": ok}, "error": None},
        {"custom_id": "b" * 64, "response": {"status_code": 429,
         "body": {"error": {"message": "Rate limit reached"}}}, "error": None},
        {"custom_id": "c" * 64, "response": None,
         "error": {"code": "batch_expired", "message": "This request could not be executed"}},
        {"custom_id": "not-a-key", "response": {"status_code": 200, "body": ok}},
    ]  # fmt: skip
    path = tmp_path / "results.jsonl"
    path.write_text("\n".join([*map(json.dumps, lines), "{broken"]) + "\n", encoding="utf-8")
    store = tmp_path / "s.sqlite3"
    result = CliRunner().invoke(app, ["batch", "import", str(path), "--store", str(store)])
    assert result.exit_code == 0
    assert "stored 1 answers (0 were already stored); 4 failed" in result.stdout
    assert "HTTP 429: Rate limit reached" in result.stderr
    assert "could not be executed" in result.stderr
    assert "results.jsonl:4: custom_id is not a factcheck request key" in result.stderr
    assert "results.jsonl:5: not JSON" in result.stderr
    assert list(ResponseStore(store).keys()) == [key]


def test_import_of_a_missing_file_is_one_line(tmp_path):
    result = CliRunner().invoke(
        app, ["batch", "import", str(tmp_path / "nope.jsonl"), "--store", str(tmp_path / "s")]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("factcheck: error: cannot read") and result.stderr.count(
        "\n"
    ) == 1


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_submit_and_collect_through_the_batch_api_until_the_report_is_complete(tmp_path):
    store = str(tmp_path / "s.sqlite3")
    with ScriptedStub() as stub:
        model = ["--model", "scripted-stub", "--base-url", stub.base_url, "--store", store]
        for n in range(5):
            requests = tmp_path / f"in{n}.jsonl"
            exported = run("batch", "export", str(EXAMPLE_CLUSTER), "--out", str(requests), *model)
            if "nothing to export" in exported.stdout:
                break
            submitted = run("batch", "submit", str(requests), *model)
            assert "submitted batch batch_scripted_" in submitted.stdout
            first = run("batch", "collect", *model)  # not finished yet: nothing imported
            assert ": validating" in first.stdout or ": in_progress" in first.stdout
            collected = run("batch", "collect", "--wait", "--poll-seconds", "0", *model)
            assert ": completed" in collected.stdout and "0 failed" in collected.stdout
        assert n == 3
        chat_requests = [r for r in stub.requests if "messages" in r]
        assert len(chat_requests) == 2 * N_EXAMPLE + 1  # each answered once, inside batches
        report = json.loads(
            run("report", str(EXAMPLE_CLUSTER), "-f", "json", "--offline", *model).stdout
        )
    assert report["usage"]["calls"] == 0
    assert len(report["verdicts"]) == len(report["claims"]) * N_EXAMPLE
    assert "no open batches" in run("batch", "collect", "--store", store, "--model", "m",
                                    "--base-url", "http://127.0.0.1:9/v1").stdout  # fmt: skip


def _stored(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path) as db:
            return db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    except sqlite3.Error:
        return 0


def _asked(stub: ScriptedStub, schema: str) -> int:
    return sum(schema in json.dumps(r) for r in list(stub.requests))


def test_a_run_killed_mid_check_resumes_and_pays_only_for_what_it_lacked(tmp_path):
    store = tmp_path / "s.sqlite3"
    with ScriptedStub() as stub:
        stub.hold_stages = {"CheckAnswer"}  # checks hang until released: the run is killed then
        command = [
            sys.executable, "-c", "from factcheck.cli import main; main()",
            "report", str(EXAMPLE_CLUSTER), "--model", "scripted-stub",
            "--base-url", stub.base_url, "--store", str(store), "-f", "json",
        ]  # fmt: skip
        env = {**os.environ, "OPENAI_API_KEY": DUMMY_KEY}
        first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while not (_stored(store) == N_EXAMPLE + 1 and _asked(stub, "CheckAnswer") == N_EXAMPLE):
            assert time.monotonic() < deadline, "the first run never reached the checks"
            assert first.poll() is None, first.communicate()
            time.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)
        first.communicate()
        assert first.returncode == -signal.SIGKILL

        before = len(stub.requests)
        stub.hold_stages = set()
        stub.release.set()
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 0, second.stderr
        again = stub.requests[before:]
    assert len(again) == N_EXAMPLE
    assert all("CheckAnswer" in json.dumps(r) for r in again)
    usage = json.loads(second.stdout)["usage"]
    assert usage["calls"] == N_EXAMPLE and usage["store_hits"] == N_EXAMPLE + 1


def test_dry_run_counts_calls_and_prices_them_without_a_network(tmp_path):
    store = str(tmp_path / "s.sqlite3")
    args = ["report", str(EXAMPLE_CLUSTER), "--model", "gpt-4o-mini", "--dry-run",
            "--store", store]  # fmt: skip
    text = run(*args).stdout
    assert "nothing was sent" in text and "Total: 9 calls" in text
    estimate = json.loads(run(*args, "-f", "json").stdout)
    assert [(s["stage"], s["calls"], s["measured"]) for s in estimate["stages"]] == [
        ("extract", N_EXAMPLE, True), ("merge", 1, False), ("check", N_EXAMPLE, False)
    ]  # fmt: skip
    price = PriceTable.load().price("gpt-4o-mini")
    expected = (estimate["input_tokens"] * price.input + estimate["output_tokens"] * price.output)
    assert estimate["cost_usd"] == pytest.approx(expected / 1e6)
    assert estimate["batch_cost_usd"] == pytest.approx(expected / 2e6)
    assert list(ResponseStore(store).keys()) == []  # a dry run stores nothing


def test_dry_run_counts_only_what_the_store_lacks(tmp_path):
    store = ResponseStore(tmp_path / "s.sqlite3")
    check_cluster(EXAMPLE_CLUSTER, llm=in_process_stub_llm(store))
    result = run("report", str(EXAMPLE_CLUSTER), "--model", "scripted-stub", "--base-url",
                 STUB_URL, "--store", str(store.path), "--dry-run", "-f", "json")  # fmt: skip
    estimate = json.loads(result.stdout)
    assert estimate["stored_stages"] == ["extract", "merge", "check"]
    assert estimate["calls"] == 0


def test_dry_run_estimates_compact_check_answers_from_the_claims_each_request_lists(tmp_path):
    stub = ScriptedStub()
    live_store = ResponseStore(tmp_path / "live.sqlite3")
    live = check_cluster(EXAMPLE_CLUSTER, llm=in_process_stub_llm(live_store, stub))
    store = ResponseStore(tmp_path / "s.sqlite3")
    llm = LLM(stub_config(), store=store)
    cluster = load_cluster(EXAMPLE_CLUSTER)
    for n in range(2):  # extract, then merge: the check is what the store lacks
        asyncio.run(aexport([cluster], llm, tmp_path / f"in{n}.jsonl"))
        answer_file(stub, tmp_path / f"in{n}.jsonl", tmp_path / f"out{n}.jsonl")
        import_file(store, tmp_path / f"out{n}.jsonl")
    estimate = asyncio.run(aestimate(cluster, llm))
    (check,) = estimate.stages
    assert (check.stage, check.calls, check.measured) == ("check", N_EXAMPLE, True)
    listed = sum(a.id not in c.sources for c in live.claims for a in live.articles)
    assert check.output_tokens == math.ceil(listed * CHECK_TOKENS_PER_CLAIM)
    # A verdict with evidence and a rationale for every claim cost about 45 tokens a claim.
    assert CHECK_TOKENS_PER_CLAIM < 45 / 2.5
    assert any("in full" in line for line in estimate.assumptions)


def test_price_table_override_and_dated_model_names(tmp_path, monkeypatch):
    table = PriceTable.load()
    assert table.price("gpt-4o-mini-2024-07-18") == table.price("gpt-4o-mini")
    assert table.price("gpt-4o-2024-08-06") == table.price("gpt-4o")
    assert table.price("llama3.1:8b") is None
    assert table.cost("llama3.1:8b", 10, 10) is None
    override = tmp_path / "prices.yaml"
    override.write_text("models:\n  llama3.1:8b: {input: 0, output: 0}\n  gpt-4o: {input: 1, "
                        "output: 2}\n", encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("FACTCHECK_PRICES", str(override))
    table = PriceTable.load()
    assert table.cost("llama3.1:8b", 1000, 1000) == 0
    assert table.cost("gpt-4o", 1_000_000, 1_000_000) == 3
    assert table.cost("gpt-4o", 1_000_000, 1_000_000, batch=True) == 1.5
    assert table.price("gpt-4o-mini") is not None  # shipped entries stay


def test_submit_of_a_file_that_is_not_a_batch_input_is_one_line(tmp_path):
    bad = tmp_path / "notes.jsonl"
    bad.write_text("hello\n", encoding="utf-8")
    args = ["--model", "m", "--base-url", "http://127.0.0.1:9/v1", "--store", str(tmp_path / "s")]
    result = CliRunner().invoke(app, ["batch", "submit", str(bad), *args])
    assert result.exit_code == 2
    assert "is not a Batch input file" in result.stderr and result.stderr.count("\n") == 1
