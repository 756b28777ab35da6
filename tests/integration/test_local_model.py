"""factcheck on a real model: what a weak model must never make factcheck break.

SmolLM2-135M (llama-cpp-python's server, 127.0.0.1) invents quotes, loops, and answers in the
schema's shape with nothing true in it. None of that may become a traceback, a kept quote that
is not in its article, a cell filled in without an answer, or a usage figure not the server's
own. Nothing here scores anything: the model is for plumbing, never for accuracy.

The cluster is ``tests/clusters/holm-ferry``, two short articles written for these tests.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from factcheck import LLM, Label, Report, check_claims, check_cluster
from factcheck.llm.config import resolve_config
from factcheck.llm.store import ResponseStore
from factcheck.quotes import quote_in_article
from tests.conftest import ROOT
from tests.local_server import ALIAS, N_CTX, LocalServer

pytestmark = [pytest.mark.local_model, pytest.mark.block_network(allowed_hosts=["127.0.0.1"])]

CLUSTER = ROOT / "tests" / "clusters" / "holm-ferry"
MODE = "json_object_schema"  # the mode this server holds answers to the schema in
EDITOR_CLAIMS = [
    "The ferry to Holm Island sailed again on Monday.",
    "The first crossing carried 42 passengers.",
    "The ferry sank in the storm.",
]
DROPPED = "dropped claim whose quote is not in the article: "


@dataclass
class Run:
    """One ``factcheck report`` process against the server."""

    process: subprocess.CompletedProcess[str]
    doc: dict
    store: Path
    posts: int  # chat completions the server received during the run


def factcheck(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """``factcheck ARGS`` in its own process, with none of the developer's settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FACTCHECK_", "OPENAI_", "AZURE_OPENAI_"))}  # fmt: skip
    env |= {"HOME": str(home), "XDG_CACHE_HOME": str(home / "cache")}
    command = [sys.executable, "-c", "from factcheck.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=1200, env=env)


def config_for(server: LocalServer):
    return resolve_config(model=ALIAS, base_url=server.base_url, mode=MODE, concurrency=1,
                          env={})  # fmt: skip


@pytest.fixture(scope="module")
def first_run(local_server: LocalServer, tmp_path_factory: pytest.TempPathFactory) -> Run:
    home = tmp_path_factory.mktemp("home")
    store = home / "answers.sqlite3"
    before = local_server.chat_posts()
    process = factcheck(
        "report", str(CLUSTER), "--model", ALIAS, "--base-url", local_server.base_url,
        "--output-mode", MODE, "--store", str(store), "--concurrency", "1", "-f", "json",
        home=home,
    )  # fmt: skip
    assert process.stdout, f"no report (exit {process.returncode}):\n{process.stderr}"
    return Run(process, json.loads(process.stdout), store, local_server.chat_posts() - before)


@pytest.fixture(scope="module")
def rerun(first_run: Run, local_server: LocalServer) -> tuple[Report, int]:
    """The same report again from the Python API, online, on the first run's store.

    ``reask_failed=False``: a default rerun asks once more for answers whose call failed
    (README, "Paying for each answer once"), which the scripted-stub tests cover.
    """
    before = local_server.chat_posts()
    llm = LLM(config_for(local_server), store=ResponseStore(first_run.store), reask_failed=False)
    report = check_cluster(CLUSTER, llm=llm)
    return report, local_server.chat_posts() - before


@pytest.fixture(scope="module")
def editor_check(local_server: LocalServer, tmp_path_factory: pytest.TempPathFactory) -> Report:
    """The check stage on the real model: claims an editor brings, against both articles."""
    store = ResponseStore(tmp_path_factory.mktemp("check") / "answers.sqlite3")
    return check_claims(CLUSTER, EDITOR_CLAIMS, llm=LLM(config_for(local_server), store=store))


def test_the_run_ends_in_a_report_never_a_traceback(first_run: Run):
    process, doc = first_run.process, first_run.doc
    # 3: written, but an extraction failed (its claims are missing): expected of this model.
    assert process.returncode in (0, 3), process.stderr
    assert "Traceback" not in process.stderr
    assert all(line.startswith("factcheck: ") for line in process.stderr.splitlines())
    assert {"cluster", "model", "claims", "verdicts", "usage", "warnings"} <= set(doc)
    assert doc["model"] == ALIAS
    if process.returncode == 3:
        assert any(a["extraction"] == "failed" for a in doc["articles"])


def test_usage_is_the_server_s_own_count(first_run: Run):
    usage = first_run.doc["usage"]
    assert usage["calls"] == first_run.posts > 0  # every request the server saw, paid for
    with sqlite3.connect(first_run.store) as db:
        stored = db.execute("SELECT SUM(input_tokens), SUM(output_tokens), COUNT(*) "
                            "FROM answers").fetchone()  # fmt: skip
    # The store keeps the server's bodies: their usage is what the report added up.
    assert (usage["input_tokens"], usage["output_tokens"]) == (stored[0], stored[1])
    assert usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    # Each call's answer was bounded by its budget: no runaway answer.
    with sqlite3.connect(first_run.store) as db:
        rows = [json.loads(r) for (r,) in db.execute("SELECT response FROM answers")]
    assert all(r["usage"]["completion_tokens"] <= 8192 for r in rows)
    cut = sum(1 for r in rows if r["choices"][0]["finish_reason"] == "length")
    assert usage["cut_off"] <= cut  # a call is counted cut off only when an answer was


def test_every_kept_quote_and_evidence_is_in_its_article(rerun: tuple[Report, int]):
    report, _ = rerun
    articles = {a.id: a for a in report.articles}
    for claim in report.claims:
        for source, quote in claim.quotes.items():
            article = articles[source]
            text = article.title if quote.in_title else article.text
            assert text[quote.span.start : quote.span.end] == quote.text
    for verdict in report.verdicts:
        if verdict.label in (Label.SUPPORTED, Label.CONTRADICTED):
            assert quote_in_article(articles[verdict.article_id], verdict.evidence or "")


def test_invented_quotes_are_dropped_with_a_warning(first_run: Run, rerun: tuple[Report, int]):
    report, _ = rerun
    articles = {a.id: a for a in report.articles}
    dropped = [w for w in first_run.doc["warnings"] if DROPPED in w]
    assert dropped, (
        "this model invented no quote this time, so the drop was not exercised: "
        f"{first_run.doc['warnings']}"
    )
    kept = {q.text for c in report.claims for q in c.quotes.values()}
    for warning in dropped:
        article_id, _, rest = warning.partition(": ")
        quote = rest.removeprefix(DROPPED).strip('"')
        assert quote_in_article(articles[article_id], quote) is None, warning
        assert not any(k.startswith(quote) for k in kept), warning


def test_cells_are_unresolved_with_reasons_never_invented(editor_check: Report):
    report = editor_check
    assert len(report.verdicts) == len(EDITOR_CLAIMS) * len(report.articles)
    articles = {a.id: a for a in report.articles}
    for v in report.verdicts:
        if v.label is Label.UNRESOLVED:
            assert v.rationale and ("failed" in v.rationale or "not a verbatim" in v.rationale
                                    or "more than once" in v.rationale), v  # fmt: skip
        elif v.label in (Label.SUPPORTED, Label.CONTRADICTED):
            assert v.evidence and quote_in_article(articles[v.article_id], v.evidence), v
        else:
            assert v.label is Label.NOT_MENTIONED  # listed by the answer itself
    unresolved = [v for v in report.verdicts if v.label is Label.UNRESOLVED]
    assert len(report.warnings) >= (1 if unresolved else 0)
    assert report.usage.stages["check"].calls >= len(report.articles)
    assert report.usage.input_tokens > 0


def test_a_rerun_is_served_from_the_store_with_no_call(first_run: Run, rerun: tuple[Report, int]):
    report, posts = rerun
    assert posts == 0, "the rerun reached the server"
    assert report.usage.calls == 0
    assert report.usage.store_hits == first_run.doc["usage"]["calls"]
    again = report.to_contract()
    for key in ("claims", "verdicts", "disputes"):
        assert again[key] == first_run.doc[key]


def test_doctor_names_the_mode_that_works(local_server: LocalServer, tmp_path: Path):
    process = factcheck("doctor", "--model", ALIAS, "--base-url", local_server.base_url,
                        "--json", home=tmp_path)  # fmt: skip
    found = json.loads(process.stdout)
    assert process.returncode == found["exit_code"], process.stderr
    assert found["software"] == "llama-cpp-python 0.3.36"
    assert found["context_length"] == N_CTX
    outcomes = {m["mode"]: m for m in found["modes"]}
    assert outcomes["json_schema"]["outcome"] == "refused"
    assert "Input should be 'text' or 'json_object'" in outcomes["json_schema"]["detail"]
    assert outcomes["json_object_schema"]["outcome"] == "works"
    assert outcomes["tools"]["outcome"] == "works"
    # Taken, but held to nothing: the answer may or may not come out in the schema.
    assert outcomes["json"]["outcome"] in ("works", "invalid")
    assert outcomes["md_json"]["outcome"] in ("works", "invalid")
    assert found["mode"] == MODE
    assert [s["stage"] for s in found["stages"]] == ["extract", "merge", "check"]
    assert all(s["outcome"] in ("valid", "invalid") for s in found["stages"])
    assert found["verdict"] in ("weak", "ready")


def test_a_refused_format_is_one_line_and_never_retried(local_server: LocalServer, tmp_path: Path):
    before = local_server.chat_posts()
    process = factcheck(
        "report", str(CLUSTER), "--model", ALIAS, "--base-url", local_server.base_url,
        "--output-mode", "json_schema", "--store", str(tmp_path / "s.sqlite3"),
        "--concurrency", "1", home=tmp_path,
    )  # fmt: skip
    assert process.returncode == 1
    assert process.stderr.splitlines() == [
        f"factcheck: error: {local_server.base_url} refused the request's response_format "
        "(HTTP 500: Input should be 'text' or 'json_object'): output mode json_schema does "
        "not work with this server; use --output-mode json_object_schema ('factcheck doctor' "
        "tries every mode)"
    ]
    assert local_server.chat_posts() - before == 1  # one request, no retry storm
