"""Batch files as the unit of work: split at the runners' limits, valid for OpenAI's Batch API
and vLLM's batch runner, submitted several at once, and vLLM's output imported back.

Answers come from the scripted stub (a fixture, not a model); the vLLM-shaped output files are
written here by rearranging its answers into the fields vLLM's runner writes.
"""

import asyncio
import json
import uuid
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner, Result

from factcheck import LLM, ModelConfig, load_cluster
from factcheck.bulk.export import FileLimits, aexport, part_paths, split_lines
from factcheck.cli import app
from factcheck.errors import ConfigError, InputError
from factcheck.llm.config import MODES
from factcheck.llm.store import ResponseStore
from tests.batch_schema import BatchRequestLine, validate_batch_file, validate_batch_files
from tests.conftest import EXAMPLE_CLUSTER, FAST_RETRY, IN_PROCESS_STUB_URL, ROOT
from tests.scripted_stub import ScriptedStub

N_EXAMPLE = 4  # articles in the example cluster


def run(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result


def lines_of(*paths: Path) -> list[str]:
    return [line for p in paths for line in p.read_text(encoding="utf-8").splitlines()]


# --- splitting -----------------------------------------------------------------------------


def test_lines_split_at_the_request_and_byte_limits_in_order():
    lines = [b"a" * n + b"\n" for n in (5, 5, 5, 5, 5)]
    assert split_lines(lines, FileLimits(max_requests=2)) == [lines[:2], lines[2:4], lines[4:]]
    assert split_lines(lines, FileLimits(max_bytes=12)) == [lines[:2], lines[2:4], lines[4:]]
    assert split_lines(lines, FileLimits(max_bytes=18)) == [lines[:3], lines[3:]]
    assert split_lines(lines, FileLimits(max_requests=2, max_bytes=6)) == [[x] for x in lines]
    assert split_lines(lines, FileLimits()) == [lines]
    assert split_lines([], FileLimits()) == [[]]
    with pytest.raises(InputError, match="one request is 6 bytes, more than the 5 bytes"):
        split_lines(lines, FileLimits(max_bytes=5))


def test_parts_are_numbered_predictably():
    out = Path("runs/requests.jsonl")
    assert part_paths(out, 1) == [out]
    assert [p.name for p in part_paths(out, 3)] == [
        "requests.001.jsonl", "requests.002.jsonl", "requests.003.jsonl"
    ]  # fmt: skip
    assert part_paths(out, 3)[0].parent == out.parent
    assert part_paths(out, 1200)[-1].name == "requests.1200.jsonl"
    assert part_paths(out, 1200)[0].name == "requests.0001.jsonl"  # names sort in order
    assert part_paths(Path("batch"), 2)[1].name == "batch.002"


def test_export_splits_into_parts_prints_them_and_a_later_export_replaces_them(tmp_path):
    store = ["--store", str(tmp_path / "s.sqlite3")]
    model = ["--model", "scripted-stub", "--base-url", IN_PROCESS_STUB_URL, *store]
    out = tmp_path / "requests.jsonl"
    whole = run("batch", "export", str(EXAMPLE_CLUSTER), "--out", str(out), *model)
    assert f"wrote {N_EXAMPLE} requests to {out}" in whole.stdout
    everything = lines_of(out)

    split = run("batch", "export", str(EXAMPLE_CLUSTER), "--out", str(out), "--max-requests",
                "3", *model)  # fmt: skip
    parts = [tmp_path / "requests.001.jsonl", tmp_path / "requests.002.jsonl"]
    assert sorted(tmp_path.glob("requests*.jsonl")) == parts  # the unsplit file is gone
    assert f"removed {out}, left by an earlier export" in split.stdout
    assert f"wrote {N_EXAMPLE} requests in 2 files" in split.stdout
    assert f"  {parts[0]}: 3 requests, {parts[0].stat().st_size:,} bytes" in split.stdout
    assert f"next: factcheck batch submit {parts[0]} {parts[1]}" in split.stdout
    assert lines_of(*parts) == everything  # the same lines, in the same order

    biggest = max(len(line.encode()) + 1 for line in everything)
    by_bytes = run("batch", "export", str(EXAMPLE_CLUSTER), "--out", str(out), "--max-bytes",
                   str(biggest), *model)  # fmt: skip
    parts = [tmp_path / f"requests.00{n}.jsonl" for n in range(1, N_EXAMPLE + 1)]
    assert sorted(tmp_path.glob("requests*.jsonl")) == parts
    assert all(p.stat().st_size <= biggest for p in parts)
    assert lines_of(*parts) == everything
    assert "removed" not in by_bytes.stdout  # parts 001 and 002 were rewritten, not left over

    again = run("batch", "export", str(EXAMPLE_CLUSTER), "--out", str(out), *model)
    assert sorted(tmp_path.glob("requests*.jsonl")) == [out]
    assert again.stdout.count("left by an earlier export") == N_EXAMPLE
    assert lines_of(out) == everything


def test_a_request_larger_than_a_file_may_be_is_one_line_and_writes_nothing(tmp_path):
    result = run("batch", "export", str(EXAMPLE_CLUSTER), "--out", str(tmp_path / "r.jsonl"),
                 "--max-bytes", "100", "--model", "scripted-stub", "--base-url",
                 IN_PROCESS_STUB_URL, "--store", str(tmp_path / "s.sqlite3"), code=2)  # fmt: skip
    assert "more than the 100 bytes one Batch file may hold" in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.glob("r*.jsonl")) == []


# --- the request schema of OpenAI's Batch API and vLLM's batch runner ----------------------


def test_the_schema_rejects_what_the_runners_refuse():
    good = {"custom_id": "k", "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "m", "messages": [{"role": "user", "content": "Answer in JSON."}],
                     "response_format": {"type": "json_object"}}}  # fmt: skip
    BatchRequestLine.model_validate(good)
    tool = {"type": "function", "function": {"name": "Answer", "parameters": {}}}
    bad_bodies = [
        {"messages": [{"role": "user", "content": "x"}]},  # no model
        {"model": "m", "messages": []},
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": True},
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": []},
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [tool],
         "tool_choice": {"type": "function", "function": {"name": "Other"}}},
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "tool_choice": "required"},
        {"model": "m", "messages": [{"role": "user", "content": "x"}],
         "response_format": {"type": "json_object"}},  # never says JSON
        {"model": "m", "messages": [{"role": "user", "content": "json"}],
         "response_format": {"type": "json_schema"}},  # no schema
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "guided_json": {}},
    ]  # fmt: skip
    for body in bad_bodies:
        with pytest.raises(ValidationError):
            BatchRequestLine.model_validate(good | {"body": body})
    for change in ({"method": "GET"}, {"url": "/v1/completions"}, {"custom_id": ""}):
        with pytest.raises(ValidationError):
            BatchRequestLine.model_validate(good | change)


def stub_llm(store: ResponseStore, mode: str | None = None) -> LLM:
    config = ModelConfig(model="scripted-stub", base_url=IN_PROCESS_STUB_URL, mode=mode,
                         retry=FAST_RETRY)  # fmt: skip
    return LLM(config, store=store)


@pytest.mark.parametrize("mode", ["tools", "json"])
def test_every_line_of_every_round_is_a_valid_batch_request(tmp_path, mode):
    # tools is what OpenAI gets by default, json what a local server such as vLLM gets.
    stub = ScriptedStub()
    store = ResponseStore(tmp_path / "s.sqlite3")
    llm = stub_llm(store, mode)
    cluster = load_cluster(EXAMPLE_CLUSTER)
    limits = FileLimits(max_requests=3)
    stages = []
    for n in range(4):
        exported = asyncio.run(aexport([cluster], llm, tmp_path / f"in{n}.jsonl", limits=limits))
        if not exported.requests:
            break
        stages.append(exported.clusters[0].stage)
        paths = [Path(p) for p in exported.paths]
        lines = validate_batch_files(paths, max_requests=3)
        assert len(lines) == exported.requests
        outputs = []
        for path in paths:
            answered, errors = stub.batch_results(path.read_text(encoding="utf-8"))
            assert errors == []
            outputs += answered
        (tmp_path / f"out{n}.jsonl").write_text("".join(o + "\n" for o in outputs),
                                                encoding="utf-8")  # fmt: skip
        run("batch", "import", str(tmp_path / f"out{n}.jsonl"), "--store", str(store.path))
    assert stages == ["extract", "merge", "check"]


@pytest.mark.parametrize("mode", sorted(set(MODES) - {"tools", "json", "json_object_schema"}))
def test_the_other_output_modes_export_valid_requests_too(tmp_path, mode):
    llm = stub_llm(ResponseStore(tmp_path / "s.sqlite3"), mode)
    exported = asyncio.run(aexport([load_cluster(EXAMPLE_CLUSTER)], llm, tmp_path / "in.jsonl"))
    assert len(validate_batch_file(tmp_path / "in.jsonl")) == exported.requests == N_EXAMPLE


def test_llama_cpp_s_own_mode_is_not_exported_for_batch_runners(tmp_path):
    llm = stub_llm(ResponseStore(tmp_path / "s.sqlite3"), "json_object_schema")
    with pytest.raises(ConfigError, match='export with mode="json_schema"'):
        asyncio.run(aexport([load_cluster(EXAMPLE_CLUSTER)], llm, tmp_path / "in.jsonl"))
    assert not (tmp_path / "in.jsonl").exists()
    # The Python API names the argument; the command line names the flag.
    result = run("batch", "export", str(EXAMPLE_CLUSTER), "--out", str(tmp_path / "in.jsonl"),
                 "--output-mode", "json_object_schema", "--model", "scripted-stub", "--base-url",
                 IN_PROCESS_STUB_URL, "--store", str(tmp_path / "s.sqlite3"), code=2)  # fmt: skip
    assert "export with --output-mode json_schema" in result.output
    assert 'mode="' not in result.output
    assert not (tmp_path / "in.jsonl").exists()


def test_a_verify_export_from_gold_is_valid(tmp_path):
    gold = ROOT / "eval" / "gold" / f"{EXAMPLE_CLUSTER.name}.yaml"
    out = tmp_path / "verify.jsonl"
    run("batch", "export", str(EXAMPLE_CLUSTER), "--gold", str(gold), "--out", str(out),
        "--model", "gpt-4o-mini", "--store", str(tmp_path / "s.sqlite3"))  # fmt: skip
    lines = validate_batch_file(out)
    assert len(lines) == N_EXAMPLE and {x.body.model for x in lines} == {"gpt-4o-mini"}


# --- several files submitted at once -------------------------------------------------------


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_submit_takes_every_part_of_a_split_export(tmp_path):
    store = str(tmp_path / "s.sqlite3")
    with ScriptedStub() as stub:
        model = ["--model", "scripted-stub", "--base-url", stub.base_url, "--store", store]
        exported = run("batch", "export", str(EXAMPLE_CLUSTER), "--out",
                       str(tmp_path / "r.jsonl"), "--max-requests", "2", *model)  # fmt: skip
        parts = [str(tmp_path / "r.001.jsonl"), str(tmp_path / "r.002.jsonl")]
        assert f"next: factcheck batch submit {' '.join(parts)}" in exported.stdout
        submitted = run("batch", "submit", *parts, *model)
        assert submitted.stdout.count("submitted batch batch_scripted_") == 2
        assert f"({parts[1]})" in submitted.stdout
        collected = run("batch", "collect", "--wait", "--poll-seconds", "0", *model)
    assert collected.stdout.count(": completed") == 2
    assert collected.stdout.count("stored 2 answers (0 were already stored); 0 failed") == 2
    assert f"{EXAMPLE_CLUSTER.name}: 1 requests for merge" in run(
        "batch", "export", str(EXAMPLE_CLUSTER), "--out", str(tmp_path / "r.jsonl"), *model
    ).stdout


def test_submit_checks_every_file_before_uploading_any(tmp_path):
    good = tmp_path / "good.jsonl"
    run("batch", "export", str(EXAMPLE_CLUSTER), "--out", str(good), "--model", "gpt-4o-mini",
        "--store", str(tmp_path / "s.sqlite3"))  # fmt: skip
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    # Nothing listens on port 9: had an upload been tried, the error would say so.
    model = ["--model", "gpt-4o-mini", "--base-url", "http://127.0.0.1:9/v1",
             "--store", str(tmp_path / "s.sqlite3")]  # fmt: skip
    result = run("batch", "submit", str(good), str(empty), *model, code=2)
    assert f"{empty} holds no requests" in result.output
    result = run("batch", "submit", str(good), *model, "--max-requests", "3", code=2)
    assert f"{good} holds {N_EXAMPLE} requests in" in result.output
    assert "export again, and `batch export` splits it" in result.output
    assert "submitted" not in result.output


# --- results from vLLM's batch runner ------------------------------------------------------


def vllm_output_line(custom_id: str, completion: dict, model: str) -> str:
    """A success line as `vllm run-batch` writes it (BatchRequestOutput of a chat completion)."""
    message = completion["choices"][0]["message"]
    body = {
        "id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": 0,
        "model": model,
        "choices": [{
            "index": 0,
            # vLLM drops tool_calls when empty and adds its own fields
            "message": {"role": "assistant", "content": message["content"], "refusal": None,
                        "annotations": None, "audio": None, "function_call": None,
                        "reasoning": None},
            "logprobs": None, "finish_reason": "stop", "stop_reason": None, "token_ids": None,
        }],
        "service_tier": None, "system_fingerprint": None,
        "usage": completion["usage"] | {"prompt_tokens_details": None},
        "prompt_logprobs": None, "prompt_token_ids": None, "kv_transfer_params": None,
    }  # fmt: skip
    return json.dumps({
        "id": f"vllm-{uuid.uuid4().hex}", "custom_id": custom_id,
        "response": {"status_code": 200, "request_id": f"vllm-batch-{uuid.uuid4().hex}",
                     "body": body},
        "error": None,
    })  # fmt: skip


def vllm_results(stub: ScriptedStub, requests: Path) -> list[str]:
    """The stub's answers to a Batch file, as vLLM's runner would write them."""
    lines = []
    for line in requests.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        served = entry["body"]["model"]
        # The stub picks its behaviour by model name: ask it as its normal scenario.
        body = entry["body"] | {"model": "scripted-stub"}
        _, completion, _ = stub.answer(json.dumps(body).encode())
        lines.append(vllm_output_line(entry["custom_id"], completion, served))
    return lines


def test_vllm_run_batch_results_import_and_make_the_whole_report(tmp_path):
    stub = ScriptedStub()
    # The names a vLLM user would give: the served model, the server they would otherwise use.
    model = ["--model", "Qwen/Qwen2.5-7B-Instruct", "--base-url", "http://gpu-box:8000/v1",
             "--store", str(tmp_path / "s.sqlite3")]  # fmt: skip
    for n in range(4):
        requests = tmp_path / f"requests{n}.jsonl"
        exported = run("batch", "export", str(EXAMPLE_CLUSTER), "--out", str(requests), *model)
        if "nothing to export" in exported.stdout:
            break
        for line in validate_batch_file(requests):
            assert line.body.response_format is not None  # JSON mode, which vLLM serves
        results = tmp_path / f"results{n}.jsonl"
        results.write_text("\n".join(vllm_results(stub, requests)) + "\n", encoding="utf-8")
        imported = run("batch", "import", str(results), "--store", model[-1])
        assert imported.stdout.startswith(f"stored {len(lines_of(requests))} answers")
        assert "0 failed" in imported.stdout
    else:
        pytest.fail("the loop did not finish in 4 rounds")
    assert n == 3
    report = json.loads(run("report", str(EXAMPLE_CLUSTER), "--offline", "-f", "json",
                            *model).stdout)  # fmt: skip
    assert report["usage"]["calls"] == 0 and report["usage"]["store_hits"] == 2 * N_EXAMPLE + 1
    assert report["model"] == "Qwen/Qwen2.5-7B-Instruct"
    assert len(report["verdicts"]) == len(report["claims"]) * N_EXAMPLE
    assert all(v["label"] != "unresolved" for v in report["verdicts"])


def test_vllm_error_lines_are_named_and_not_stored(tmp_path):
    key = "d" * 64
    lines = [
        # a request vLLM's runner could not run: status 400, no body, the reason as a string
        {"id": "vllm-1", "custom_id": "a" * 64, "error": "Request must not be sent in stream mode",
         "response": {"status_code": 400, "request_id": "vllm-batch-1", "body": None}},
        # the engine's error response, as newer vLLM writes it
        {"id": "vllm-2", "custom_id": "b" * 64,
         "response": {"status_code": 404, "request_id": "vllm-batch-2", "body": None},
         "error": {"error": {"message": "The model `gpt-4o-mini` does not exist.",
                             "type": "NotFoundError", "param": None, "code": 404}}},
        # and as older vLLM wrote it
        {"id": "vllm-3", "custom_id": "c" * 64,
         "response": {"status_code": 400, "request_id": "vllm-batch-3", "body": None},
         "error": {"object": "error", "message": "maximum context length is 8192 tokens",
                   "type": "BadRequestError", "param": None, "code": 400}},
        json.loads(vllm_output_line(key, {"usage": {"prompt_tokens": 1, "completion_tokens": 1,
            "total_tokens": 2}, "choices": [{"message": {"content": "{}"}}]}, "m")),
    ]  # fmt: skip
    path = tmp_path / "results.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    result = run("batch", "import", str(path), "--store", str(tmp_path / "s.sqlite3"))
    assert "stored 1 answers (0 were already stored); 3 failed" in result.stdout
    assert f"request {'a' * 12} failed: Request must not be sent in stream mode" in result.output
    assert f"request {'b' * 12} failed: The model `gpt-4o-mini` does not exist." in result.output
    assert f"request {'c' * 12} failed: maximum context length is 8192 tokens" in result.output
    assert list(ResponseStore(tmp_path / "s.sqlite3").keys()) == [key]
