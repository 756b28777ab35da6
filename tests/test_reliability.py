"""Faults a hostile environment throws at factcheck (issue 13), driven from a fault endpoint.

Every answer here comes from ``tests/fault_endpoint.py``, a fault-injecting OpenAI-compatible
server on 127.0.0.1 that answers by the scripted stub's rules: a fixture, not a model. A full
disk is stood in for by a file-size limit on the factcheck process (writes past it fail as they
do on a full disk); a read-only store by file modes, with root's power to ignore them dropped.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import logging
import os
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest
from typer.testing import CliRunner, Result

from factcheck import LLM, ModelCallError, ModelConfig, check_cluster, load_cluster
from factcheck.bulk.export import aexport
from factcheck.bulk.results import import_file
from factcheck.cli import app
from factcheck.errors import ConfigError
from factcheck.llm.config import redact, resolve_config
from factcheck.llm.store import ResponseStore
from factcheck.llm.transport import RetryingTransport, RetryPolicy
from factcheck.models import Label, Report
from tests.conftest import (
    EXAMPLE_CLUSTER,
    FAST_RETRY,
    LONG_ARTICLE,
    cluster_with_a_long_article,
)
from tests.fault_endpoint import FaultEndpoint

# The fault endpoint listens on 127.0.0.1; every other host stays blocked.
pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])

N_EXAMPLE = 4
CALLS = 2 * N_EXAMPLE + 1


@pytest.fixture(autouse=True)
def no_stale_log_handler() -> Iterator[None]:
    """The CLI logs to the stderr it was given: drop that handler once its runner is gone."""
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == "factcheck"]:
        root.removeHandler(handler)


@pytest.fixture
def endpoint() -> Iterator[FaultEndpoint]:
    """A fault endpoint on a free port (a fixture, not a model)."""
    with FaultEndpoint() as running:
        yield running


def llm_for(endpoint: FaultEndpoint, fault: str, store: ResponseStore | None, **settings) -> LLM:
    settings.setdefault("retry", FAST_RETRY)
    return LLM(ModelConfig(model=fault, base_url=endpoint.base_url, **settings), store=store)


def report(endpoint: FaultEndpoint, fault: str, store: Path, *more: str) -> Result:
    """``factcheck report`` of the bundled example, in process, as JSON."""
    args = ["report", str(EXAMPLE_CLUSTER), "--model", fault, "--base-url", endpoint.base_url,
            "--store", str(store), "-f", "json", *more]  # fmt: skip
    return CliRunner().invoke(app, args)


def factcheck_process(
    args: list[str], preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    """``factcheck ARGS`` in its own process (to limit what it may write)."""
    command = [sys.executable, "-c", "from factcheck.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120,
                          preexec_fn=preexec)  # fmt: skip


def asked(endpoint: FaultEndpoint, answer: str) -> int:
    """Requests the endpoint got for one answer model (ExtractionAnswer, CheckAnswer, ...)."""
    return sum(answer in json.dumps(r) for r in list(endpoint.requests))


def stderr_lines(result: Result) -> list[str]:
    return result.stderr.strip().splitlines()


def filled_store(endpoint: FaultEndpoint, path: Path) -> Report:
    """A store holding every answer the CLI's report of the example asks for."""
    return check_cluster(EXAMPLE_CLUSTER, llm=llm_for(endpoint, "fault-none", ResponseStore(path)))


# --- 2: a failed extraction is visible, and fails the command ----------------------------------


@pytest.mark.parametrize(
    "fault", ["fault-extract-prose", "fault-extract-cut-off", "fault-extract-unquoted"]
)
def test_failed_extraction_is_in_the_json_and_exits_3_unless_partial_is_allowed(
    endpoint, tmp_path, fault
):
    first = report(endpoint, fault, tmp_path / "s.sqlite3")
    assert first.exit_code == 3, first.output
    document = json.loads(first.stdout)  # the report is still written, whole
    assert [a["extraction"] for a in document["articles"]] == ["failed"] * N_EXAMPLE
    assert document["claims"] == []
    assert len([w for w in document["warnings"] if "extraction failed" in w]) == N_EXAMPLE
    last = stderr_lines(first)[-1]
    assert last.startswith("factcheck: error: the extraction of 4 of 4 articles failed")
    assert "--allow-partial" in last

    allowed = report(endpoint, fault, tmp_path / "s.sqlite3", "--allow-partial")
    assert allowed.exit_code == 0, allowed.output
    assert json.loads(allowed.stdout)["articles"] == document["articles"]


def test_extraction_status_per_article_on_the_report(endpoint, tmp_path):
    store = ResponseStore(tmp_path / "s.sqlite3")
    partial = check_cluster(EXAMPLE_CLUSTER, llm=llm_for(endpoint, "fault-extract-one-unquoted",
                                                         store))  # fmt: skip
    assert set(partial.extraction.values()) == {"partial"}
    assert partial.failed_extractions == []
    assert partial.claims  # the verifiable claims were kept
    whole = check_cluster(EXAMPLE_CLUSTER, llm=llm_for(endpoint, "fault-none", store))
    assert whole.extraction == {a.id: "ok" for a in whole.articles}
    assert report(endpoint, "fault-none", tmp_path / "t.sqlite3").exit_code == 0


# --- 3: a full disk -------------------------------------------------------------------------------


def disk_full_at(size: int) -> Callable[[], None]:
    """For a child process: no file may grow past ``size`` bytes, as on a disk that is full."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


def test_a_full_disk_is_said_at_once_and_the_run_finishes_from_memory(endpoint, tmp_path):
    store = tmp_path / "s.sqlite3"
    ResponseStore(store)  # an empty store; then the disk fills a few answers into the run
    args = ["report", str(EXAMPLE_CLUSTER), "--model", "fault-none", "--base-url",
            endpoint.base_url, "--store", str(store), "-f", "json"]  # fmt: skip
    full = factcheck_process(args, disk_full_at(store.stat().st_size + 12_000))
    assert full.returncode == 0, full.stderr
    said = [line for line in full.stderr.splitlines() if "cannot keep answers" in line]
    assert len(said) == 1 and said[0].startswith("factcheck: warning:"), full.stderr
    assert "WARNING" not in full.stderr  # said as a warning to the user, not a log line
    document = json.loads(full.stdout)
    assert len(document["claims"]) > 0 and document["usage"]["calls"] == CALLS
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        kept = db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    assert 0 < kept < CALLS  # some answers were lost to the full disk, the report was not

    # Room again: the next run pays only for what the full disk lost.
    before = len(endpoint.requests)
    again = check_cluster(EXAMPLE_CLUSTER, llm=llm_for(endpoint, "fault-none",
                                                       ResponseStore(store)))  # fmt: skip
    assert len(endpoint.requests) - before == CALLS - kept
    assert [c.text for c in again.claims] == [c["text"] for c in document["claims"]]


def test_a_full_store_stays_readable_and_offline_works(endpoint, tmp_path):
    store = tmp_path / "s.sqlite3"
    first = filled_store(endpoint, store)
    args = ["report", str(EXAMPLE_CLUSTER), "--model", "fault-none", "--base-url",
            endpoint.base_url, "--store", str(store), "-f", "json", "--offline"]  # fmt: skip
    offline = factcheck_process(args, disk_full_at(1))
    assert offline.returncode == 0, offline.stderr
    (line,) = offline.stderr.strip().splitlines()  # no error: one line on how it is served
    assert line.startswith(f"factcheck: warning: the response store {store} is read-only")
    document = json.loads(offline.stdout)
    assert [c["text"] for c in document["claims"]] == [c.text for c in first.claims]
    assert document["usage"]["store_hits"] == CALLS


# --- 4: deadlines ---------------------------------------------------------------------------------


def test_a_trickling_server_cannot_hold_a_run_past_timeout(tmp_path):
    # One byte every 0.05 s: no read timeout ever fires, and a whole answer takes minutes.
    with FaultEndpoint(trickle_seconds=0.05) as endpoint:
        started = time.monotonic()
        result = report(endpoint, "fault-trickle", tmp_path / "s.sqlite3", "--timeout", "1.5")
        took = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert took < 10
    line = stderr_lines(result)[-1]
    assert "within the request's 1.5 s deadline" in line and "--timeout" in line
    assert "cannot reach" not in line


def test_a_hung_server_fails_in_bounded_time_and_says_which_timeout_fired(
    endpoint, tmp_path, caplog
):
    llm = llm_for(endpoint, "fault-hang", None, read_timeout=0.3, timeout=1.5,
                  retry=RetryPolicy(attempts=6, initial_wait=0.01, max_wait=0.05))  # fmt: skip
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="factcheck"), pytest.raises(ModelCallError) as e:
        check_cluster(EXAMPLE_CLUSTER, llm=llm)
    assert time.monotonic() - started < 5
    assert "1.5 s deadline" in str(e.value) and "read timeout" in str(e.value)
    retries = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert retries and all("(read timeout: no data for 0.3 s)" in m for m in retries), retries


def test_timeout_comes_from_the_flag_or_the_environment():
    env = {"FACTCHECK_TIMEOUT": "42"}
    assert resolve_config(model="m", base_url="http://x/v1", env=env).timeout == 42
    assert resolve_config(model="m", base_url="http://x/v1", env=env, timeout=7).timeout == 7
    assert resolve_config(model="m", base_url="http://x/v1", env={}).timeout == 600
    with pytest.raises(ConfigError, match="FACTCHECK_TIMEOUT must be a number of seconds"):
        resolve_config(model="m", base_url="http://x/v1", env={"FACTCHECK_TIMEOUT": "soon"})


# --- 5: oversized input ---------------------------------------------------------------------------


def claims_of(document: dict, article: str) -> set[str]:
    """The claims an article states (its cells are supported by construction)."""
    return {c["id"] for c in document["claims"] if article in c["sources"]}


def test_a_request_longer_than_the_context_leaves_that_article_unresolved_not_a_dead_run(
    tmp_path,
):
    cluster = cluster_with_a_long_article(tmp_path)
    LONG = LONG_ARTICLE
    # A llama-cpp-python server with a 4,096-token context refuses longer prompts (HTTP 400).
    with FaultEndpoint(mimic="llama-cpp-python", n_ctx=4096) as endpoint:
        store = str(tmp_path / "s.sqlite3")
        args = ["report", str(cluster), "--model", "fault-none", "--store", store,
                "--base-url", endpoint.base_url, "-f", "json"]  # fmt: skip
        refused = CliRunner().invoke(app, args)
        # The long article's extraction goes in parts (its output budget alone is over the
        # 8,000-token default); its check, with every other article's claims, is refused.
        assert refused.exit_code == 0, refused.output
        document = json.loads(refused.stdout)
        assert {a["extraction"] for a in document["articles"]} == {"ok"}
        [why] = [w for w in document["warnings"] if w.startswith(f"check of {LONG} failed")]
        assert "refused the request as too long (HTTP 400)" in why and "--request-tokens" in why
        assert "maximum context length is 4096 tokens" in why and "such as 3,072" in why
        cells = [v for v in document["verdicts"] if v["article_id"] == LONG
                 and v["claim_id"] not in claims_of(document, LONG)]  # fmt: skip
        assert cells and {v["label"] for v in cells} == {"unresolved"}
        assert all("maximum context length is 4096 tokens" in v["rationale"] for v in cells)
        others = [v for v in document["verdicts"] if v["article_id"] != LONG]
        assert others and "unresolved" not in {v["label"] for v in others}
        refusals = {name: s["too_long"] for name, s in document["usage"]["stages"].items()}
        assert refusals == {"extract": 0, "merge": 0, "check": 1}
        assert "1 request(s) were refused as longer than the model's context window: their " \
            "cells are unresolved or their claims missing (see above); a smaller " \
            "--request-tokens splits them" in document["warnings"]

        # The budget the message suggests splits those requests, and the run completes.
        fits = CliRunner().invoke(app, [*args, "--request-tokens", "3072"])
        assert fits.exit_code == 0, fits.output
        document = json.loads(fits.stdout)
        assert {a["extraction"] for a in document["articles"]} == {"ok"}
        assert "unresolved" not in {v["label"] for v in document["verdicts"]}
        assert any(v["article_id"] == LONG and v["label"] == "supported"
                   for v in document["verdicts"])  # fmt: skip


# --- 6: our own failures are not network failures -------------------------------------------------


def test_a_damaged_store_names_itself_not_the_network(endpoint, tmp_path):
    store = tmp_path / "s.sqlite3"
    filled_store(endpoint, store)
    data = bytearray(store.read_bytes())
    data[8192:] = b"\xde\xad" * ((len(data) - 8192) // 2)  # every page after the schema
    store.write_bytes(bytes(data))
    result = report(endpoint, "fault-none", store)
    assert result.exit_code == 2, result.output
    (line,) = stderr_lines(result)
    assert "cannot reach" not in line
    assert f"the response store {store} is damaged" in line and "malformed" in line


def test_a_foreign_sqlite_file_is_refused_and_left_alone(endpoint, tmp_path):
    foreign = tmp_path / "notes.sqlite3"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE answers (question TEXT, reply TEXT)")
    before = foreign.read_bytes()
    result = report(endpoint, "fault-none", foreign)
    assert result.exit_code == 2, result.output
    (line,) = stderr_lines(result)
    assert "not a factcheck response store" in line and "cannot reach" not in line
    assert foreign.read_bytes() == before and len(endpoint.requests) == 0


def test_non_numeric_usage_is_named_and_the_run_goes_on(endpoint, tmp_path):
    result = report(endpoint, "fault-usage-words", tmp_path / "s.sqlite3")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["claims"] and document["usage"]["calls"] == CALLS
    assert any("token counts that are not numbers" in w for w in document["warnings"])


def test_a_200_that_is_no_chat_completion_is_named(endpoint):
    with pytest.raises(ModelCallError) as raised:
        check_cluster(EXAMPLE_CLUSTER, llm=llm_for(endpoint, "fault-extract-html", None))
    message = str(raised.value)
    assert "cannot reach" not in message
    assert "status 200 but no chat completion" in message and "text/html, not JSON" in message


# --- 7: credentials in the endpoint URL -----------------------------------------------------------


def test_url_credentials_never_reach_a_message_a_log_the_report_or_the_store(endpoint, tmp_path):
    secret_url = endpoint.base_url.replace("http://", "http://editor:pa55word-1@")
    store = tmp_path / "s.sqlite3"

    def run(model: str, url: str, *more: str) -> Result:
        args = ["report", str(EXAMPLE_CLUSTER), "--model", model, "--base-url", url, "--store",
                str(store), *more]  # fmt: skip
        return CliRunner().invoke(app, args)

    ran = run("fault-usage-words", secret_url, "-f", "json", "-v")
    refused = run("no-such-model", secret_url)
    query = run("fault-none", f"{endpoint.base_url}?api-key=qwerty-77&v=1")
    assert ran.exit_code == 0 and refused.exit_code == 1 and query.exit_code == 1
    assert "http://[redacted]@127.0.0.1" in refused.stderr
    assert "api-key=[redacted]" in query.stderr
    texts = [ran.stdout, ran.stderr, refused.stderr, query.stderr]
    texts += [p.read_bytes().decode("utf-8", "replace") for p in tmp_path.glob("s.sqlite3*")]
    for text in texts:
        assert "pa55word" not in text and "qwerty-77" not in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://u:p4ss@h.example/v1 failed", "https://[redacted]@h.example/v1 failed"),
        ("x?api-key=abc&key=def&token=ghi&sig=jkl&v=2", "x?api-key=[redacted]&key=[redacted]"
         "&token=[redacted]&sig=[redacted]&v=2"),
        ("GET /o?X-Amz-Signature=zz&access_token=t&apiKey=k", "GET /o?X-Amz-Signature=[redacted]"
         "&access_token=[redacted]&apiKey=[redacted]"),
        ("api-version=2024-10-21 stays", "api-version=2024-10-21 stays"),
    ],
)
def test_redaction_of_url_credentials(text, expected):
    assert redact(text) == expected


# --- 8: invalid answers are not kept forever -------------------------------------------------


def test_an_answer_that_failed_is_asked_again_by_the_next_run(endpoint, tmp_path):
    store = ResponseStore(tmp_path / "s.sqlite3")
    fault = "fault-check-cut-off-once"
    first = check_cluster(EXAMPLE_CLUSTER, llm=llm_for(endpoint, fault, store))
    assert any(v.label is Label.UNRESOLVED for v in first.verdicts)  # every check cut off
    checks = asked(endpoint, "CheckAnswer")
    second = check_cluster(EXAMPLE_CLUSTER, llm=llm_for(endpoint, fault, store))
    assert asked(endpoint, "CheckAnswer") == 2 * checks  # asked again, not replayed
    assert asked(endpoint, "ExtractionAnswer") == N_EXAMPLE  # good answers are not
    assert not any(v.label is Label.UNRESOLVED for v in second.verdicts)


def test_a_failed_answer_is_asked_again_once_then_kept(endpoint, tmp_path):
    store = ResponseStore(tmp_path / "s.sqlite3")
    for _ in range(3):
        run = check_cluster(EXAMPLE_CLUSTER, llm=llm_for(endpoint, "fault-extract-cut-off", store))
        assert run.failed_extractions == [a.id for a in run.articles]
    # Cut off every time: asked twice, then the third run replays it instead of paying again.
    assert asked(endpoint, "ExtractionAnswer") == 2 * N_EXAMPLE
    offline = LLM(llm_for(endpoint, "fault-extract-cut-off", store).config, store=store,
                  offline=True)  # fmt: skip
    assert check_cluster(EXAMPLE_CLUSTER, llm=offline).failed_extractions  # served, as it was


def test_refresh_asks_a_stage_again_through_the_store(endpoint, tmp_path):
    store = tmp_path / "s.sqlite3"
    first = report(endpoint, "fault-none", store)
    refreshed = report(endpoint, "fault-none", store, "--refresh", "check")
    assert first.exit_code == refreshed.exit_code == 0, refreshed.output
    usage = json.loads(refreshed.stdout)["usage"]
    assert usage["stages"]["check"]["calls"] == N_EXAMPLE
    assert usage["calls"] == N_EXAMPLE and usage["store_hits"] == N_EXAMPLE + 1
    # The new answers went into the store: the next run pays for nothing.
    assert json.loads(report(endpoint, "fault-none", store).stdout)["usage"]["calls"] == 0
    both = report(endpoint, "fault-none", store, "--refresh", "all", "--offline")
    assert both.exit_code == 2 and "--offline" in stderr_lines(both)[-1]


def test_batch_export_asks_again_for_imported_answers_that_failed(endpoint, tmp_path):
    llm = llm_for(endpoint, "fault-extract-cut-off-once", ResponseStore(tmp_path / "s.sqlite3"))
    cluster = load_cluster(EXAMPLE_CLUSTER)
    stages = []
    for n in range(6):
        exported = asyncio.run(aexport([cluster], llm, tmp_path / f"in{n}.jsonl"))
        stages.append(exported.clusters[0].stage)
        if not exported.requests:
            break
        outputs, errors = endpoint.batch_results((tmp_path / f"in{n}.jsonl").read_text())
        (tmp_path / f"out{n}.jsonl").write_text("\n".join(outputs + errors) + "\n")
        assert import_file(llm.store, tmp_path / f"out{n}.jsonl").errors == []
    # The first extraction answers came back cut off: the next export asks for them again.
    assert stages == ["extract", "extract", "merge", "check", None]
    offline = LLM(llm.config, store=llm.store, offline=True)
    assert check_cluster(cluster, llm=offline).failed_extractions == []


# --- 9: a read-only store ------------------------------------------------------------------------


def without_write_permission_override() -> None:
    """For a child process: file modes bind even root (drop CAP_DAC_OVERRIDE and kin)."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for capability in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        if libc.prctl(pr_capbset_drop, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot drop root's file capabilities")


def test_a_read_only_store_is_served_and_never_written(endpoint, tmp_path):
    try:
        subprocess.run([sys.executable, "-c", "pass"], check=True,
                       preexec_fn=without_write_permission_override)  # fmt: skip
    except subprocess.SubprocessError:
        pytest.skip("root cannot give up CAP_DAC_OVERRIDE here, so no file is read-only to it")
    folder = tmp_path / "shared-cache"
    folder.mkdir()
    store = folder / "s.sqlite3"
    first = filled_store(endpoint, store)
    args = ["report", str(EXAMPLE_CLUSTER), "--model", "fault-none", "--base-url",
            endpoint.base_url, "--store", str(store), "-f", "json"]  # fmt: skip
    store.chmod(0o444)
    folder.chmod(0o555)
    try:
        before = {p.name: p.read_bytes() for p in folder.iterdir()}
        for extra in (["--offline"], []):
            served = factcheck_process([*args, *extra], without_write_permission_override)
            assert served.returncode == 0, served.stderr
            (line,) = served.stderr.strip().splitlines()
            assert line.startswith(f"factcheck: warning: the response store {store} is read-only")
            assert "served" in line
            document = json.loads(served.stdout)
            assert [c["text"] for c in document["claims"]] == [c.text for c in first.claims]
            assert document["usage"]["store_hits"] == CALLS and document["usage"]["calls"] == 0
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    finally:
        folder.chmod(0o755)
        store.chmod(0o644)


# --- 11: small ones -------------------------------------------------------------------------------


def test_empty_choices_give_a_real_reason(endpoint):
    with pytest.raises(ModelCallError) as raised:
        check_cluster(EXAMPLE_CLUSTER, llm=llm_for(endpoint, "fault-empty-choices", None))
    message = str(raised.value)
    assert "the 'choices' list is empty" in message
    assert "list index out of range" not in message and "cannot reach" not in message


def test_concurrent_429s_do_not_all_come_back_at_once():
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    with FaultEndpoint(retry_after=2) as endpoint:
        transport = RetryingTransport(
            httpx2.AsyncHTTPTransport(), RetryPolicy(attempts=3, initial_wait=0.5), sleep=sleep
        )

        async def ask(client: httpx2.AsyncClient, n: int) -> int:
            body = {"model": "fault-rate-limited", "messages": [
                {"role": "user", "content": f'<article id="a{n}"><title>T</title>\nOne two '
                 'three four five six seven.\n</article>'}]}  # fmt: skip
            response = await client.post(f"{endpoint.base_url}/chat/completions", json=body)
            return response.status_code

        async def together() -> list[int]:
            async with httpx2.AsyncClient(transport=transport) as client:
                return await asyncio.gather(*(ask(client, n) for n in range(6)))

        assert asyncio.run(together()) == [200] * 6
    assert len(waits) == 6
    assert all(2 <= w <= 2.5 for w in waits), waits  # Retry-After honoured, jitter on top
    assert len(set(waits)) == 6, waits


def test_eval_takes_the_deadline_and_refresh_of_report(tmp_path):
    store = tmp_path / "s.sqlite3"
    gold = EXAMPLE_CLUSTER.parents[1] / "eval" / "gold" / f"{EXAMPLE_CLUSTER.name}.yaml"

    def evaluate(endpoint: FaultEndpoint, fault: str, *more: str) -> Result:
        args = ["eval", str(EXAMPLE_CLUSTER), "--gold", str(gold), "--model", fault,
                "--base-url", endpoint.base_url, "--store", str(store), *more]  # fmt: skip
        return CliRunner().invoke(app, args)

    with FaultEndpoint() as endpoint:
        assert evaluate(endpoint, "fault-none").exit_code == 0
    # The endpoint is gone: stored answers still score, and --refresh asks it all the same,
    # within the --timeout deadline.
    assert evaluate(endpoint, "fault-none").exit_code == 0
    started = time.monotonic()
    refreshed = evaluate(endpoint, "fault-none", "--refresh", "check", "--timeout", "1.5")
    assert refreshed.exit_code == 1, refreshed.output
    assert time.monotonic() - started < 10
    assert "1.5 s deadline" in stderr_lines(refreshed)[-1]
    both = evaluate(endpoint, "fault-none", "--refresh", "check", "--offline")
    assert both.exit_code == 2 and "--offline" in stderr_lines(both)[-1]
    with FaultEndpoint(trickle_seconds=0.05) as slow:
        trickled = evaluate(slow, "fault-trickle", "--timeout", "1.5")
    assert trickled.exit_code == 1, trickled.output
    assert "within the request's 1.5 s deadline" in stderr_lines(trickled)[-1]
