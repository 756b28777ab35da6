"""The whole pipeline over HTTP, replayed from cassettes recorded against the scripted stub.

These test plumbing (requests, re-asks, retries, metering, report building); the stub's answers
come from rules, so no accuracy can be read from them.
"""

import json
import shutil

import pytest
from typer.testing import CliRunner

from factcheck import Label, ModelCallError, check_claims, check_cluster, load_cluster
from factcheck.cli import app
from factcheck.models import DISPUTE_KINDS
from factcheck.quotes import quote_in_article
from factcheck.render.markdown import render_markdown
from factcheck.render.view import SINGLE_ARTICLE_NOTE
from tests.conftest import DUMMY_KEY, EXAMPLE_CLUSTER, ROOT
from tests.scripted_stub import FABRICATED_QUOTE

N_EXAMPLE = 4
CONTRACT_KEYS = {"cluster", "model", "prompts", "articles", "claims", "verdicts", "usage"}
# Additions of 2026-11-29 (DESIGN.md): nothing above is renamed.
ADDED_KEYS = {"disputes", "warnings"}
VERDICT_KEYS = {
    "claim_id", "article_id", "label", "evidence", "rationale", "attributed_to", "from_title"
}


def stage_calls(report):
    return {name: s.calls for name, s in report.usage.stages.items()}


def assert_complete_and_grounded(report):
    """One verdict per (claim, article); every quote and evidence found verbatim."""
    cluster_articles = {a.id: a for a in report.articles}
    cells = [(v.claim_id, v.article_id) for v in report.verdicts]
    assert len(cells) == len(set(cells)) == len(report.claims) * len(report.articles)
    for claim in report.claims:
        assert claim.sources, claim
        for source, quote in claim.quotes.items():
            article = cluster_articles[source]
            # A headline quote's span indexes the title.
            text = article.title if quote.in_title else article.text
            assert text[quote.span.start : quote.span.end] == quote.text
    for v in report.verdicts:
        if v.label in (Label.SUPPORTED, Label.CONTRADICTED):
            found = quote_in_article(cluster_articles[v.article_id], v.evidence)
            assert found is not None and found.in_title == v.from_title


# Sealed: the cassette must not carry the seed cluster's news text (see sealed_cassettes.py).
@pytest.mark.vcr(serializer="sealed")
def test_whole_pipeline_on_seed_cluster(shared_cluster, stub_llm):
    report = check_cluster(shared_cluster, llm=stub_llm())
    n = len(report.articles)
    assert n == 5
    assert stage_calls(report) == {"extract": n, "merge": 1, "check": n}
    assert report.usage.calls == 2 * n + 1
    assert report.usage.input_tokens > 0 and report.usage.output_tokens > 0
    # Only what loading said: 004 opens with its first sentence, not a headline.
    assert report.warnings == load_cluster(shared_cluster).warnings
    assert any(len(c.sources) > 1 for c in report.claims), "the merge produced no group"
    assert_complete_and_grounded(report)
    # No claim may come from a boilerplate line (a headline quote is not in the body at all).
    for claim in report.claims:
        for source, quote in claim.quotes.items():
            article = next(a for a in report.articles if a.id == source)
            assert quote.in_title or not any(
                line.span.start <= quote.span.start < line.span.end for line in article.boilerplate
            )


@pytest.mark.vcr
def test_whole_pipeline_in_tools_mode(stub_llm, vcr):
    """Tool calls are what OpenAI and Azure get by default; the answers arrive as arguments."""
    report = check_cluster(EXAMPLE_CLUSTER, llm=stub_llm(mode="tools"))
    assert stage_calls(report) == {"extract": N_EXAMPLE, "merge": 1, "check": N_EXAMPLE}
    assert report.warnings == []
    assert_complete_and_grounded(report)
    bodies = [json.loads(r.body) for r in vcr.requests]
    assert all(b["tools"][0]["function"]["name"].endswith("Answer") for b in bodies)
    assert all("response_format" not in b for b in bodies)


@pytest.mark.vcr
def test_cli_json_on_example_cluster_matches_the_contract(vcr, stub_base_url):
    result = CliRunner().invoke(
        app,
        [
            "report",
            str(EXAMPLE_CLUSTER),
            "--format",
            "json",
            "--model",
            "scripted-stub",
            "--base-url",
            stub_base_url,
        ],
    )
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) == CONTRACT_KEYS | ADDED_KEYS
    assert all(set(v) == VERDICT_KEYS for v in doc["verdicts"])
    assert isinstance(doc["disputes"], list) and isinstance(doc["warnings"], list)
    assert doc["cluster"] == "riverside-bridge" and doc["model"] == "scripted-stub"
    assert set(doc["prompts"]) == {"system", "extract", "merge", "check"}
    assert doc["usage"]["calls"] == 2 * N_EXAMPLE + 1
    ids = {c["id"] for c in doc["claims"]}
    assert {v["claim_id"] for v in doc["verdicts"]} == ids
    assert len(doc["verdicts"]) == len(ids) * N_EXAMPLE
    # Plumbing, not accuracy: the stub's one contradiction reaches the JSON as one dispute,
    # and its headline quotes as from_title verdicts.
    article_ids = {a["id"] for a in doc["articles"]}
    assert [d["id"] for d in doc["disputes"]] == ["d1"]
    for dispute in doc["disputes"]:
        assert dispute["kind"] in DISPUTE_KINDS and len(dispute["versions"]) >= 2
        for version in dispute["versions"]:
            assert version["claim_id"] in ids and set(version["articles"]) <= article_ids
    assert any(v["from_title"] for v in doc["verdicts"])
    # The article with "{{ bridge_name }}" went out verbatim: never rendered as a template.
    assert any("{{ bridge_name }}" in r.body.decode() for r in vcr.requests)


@pytest.mark.vcr
def test_hallucinated_quote_is_reasked_and_never_kept(stub_llm):
    report = check_cluster(EXAMPLE_CLUSTER, llm=stub_llm("scripted-stub-hallucinated-quote"))
    assert stage_calls(report)["extract"] == 2 * N_EXAMPLE  # one re-ask per article
    assert report.warnings == []
    assert all(FABRICATED_QUOTE not in q.text for c in report.claims for q in c.quotes.values())


@pytest.mark.vcr
def test_quote_that_stays_invalid_is_dropped_with_a_warning(stub_llm):
    report = check_cluster(EXAMPLE_CLUSTER, llm=stub_llm("scripted-stub-always-hallucinates"))
    assert stage_calls(report)["extract"] == 3 * N_EXAMPLE  # first try plus two re-asks
    dropped = [w for w in report.warnings if "dropped claim" in w]
    assert len(dropped) == N_EXAMPLE
    assert all(FABRICATED_QUOTE not in c.text for c in report.claims)
    assert report.claims
    assert_complete_and_grounded(report)


@pytest.mark.vcr
def test_rate_limit_then_success(stub_llm, vcr):
    report = check_cluster(EXAMPLE_CLUSTER, llm=stub_llm("scripted-stub-rate-limited"))
    assert report.usage.calls == 2 * N_EXAMPLE + 1  # the 429s were retried, not billed
    assert len(vcr.requests) == 2 * report.usage.calls
    assert vcr.all_played or vcr.record_mode != "none"
    assert report.warnings == []


@pytest.mark.vcr
def test_persistent_server_errors_end_in_one_clear_error(stub_llm, vcr):
    # One call at a time keeps the recording deterministic: the first call gives up after all
    # its attempts and the run stops before any other call is sent.
    llm = stub_llm("scripted-stub-server-error", concurrency=1)
    with pytest.raises(ModelCallError) as raised:
        check_cluster(EXAMPLE_CLUSTER, llm=llm)
    message = str(raised.value)
    assert "kept failing: HTTP 500 on all 4 attempts" in message and "\n" not in message
    bodies = [r.body for r in vcr.requests]
    assert len(bodies) == 4 and len(set(bodies)) == 1


@pytest.mark.vcr
def test_cli_model_error_is_one_line_and_exit_1(stub_base_url):
    result = CliRunner().invoke(
        app,
        ["report", str(EXAMPLE_CLUSTER), "--model", "no-such-model", "--base-url", stub_base_url],
    )
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"factcheck: error: {stub_base_url} has no model 'no-such-model' (404): check --model"
    ]


@pytest.mark.vcr
def test_malformed_json_is_reasked(stub_llm):
    report = check_cluster(EXAMPLE_CLUSTER, llm=stub_llm("scripted-stub-malformed-json"))
    assert stage_calls(report) == {"extract": 2 * N_EXAMPLE, "merge": 1, "check": N_EXAMPLE}
    assert report.warnings == []


@pytest.mark.vcr
def test_truncated_answers_leave_cells_unresolved_never_not_mentioned(stub_llm):
    report = check_cluster(EXAMPLE_CLUSTER, llm=stub_llm("scripted-stub-truncated"))
    checked = [
        v
        for v in report.verdicts
        if v.article_id not in next(c for c in report.claims if c.id == v.claim_id).sources
    ]
    assert checked and all(v.label is Label.UNRESOLVED for v in checked)
    assert all("cut off" in v.rationale for v in checked)
    doc = report.to_contract()
    assert {v["label"] for v in doc["verdicts"]} == {"supported", "unresolved"}


@pytest.mark.vcr
def test_check_with_wrong_claim_ids_is_reasked(stub_llm):
    report = check_cluster(EXAMPLE_CLUSTER, llm=stub_llm("scripted-stub-wrong-ids"))
    assert stage_calls(report)["check"] == 2 * N_EXAMPLE
    assert report.warnings == []
    assert_complete_and_grounded(report)


@pytest.mark.vcr
def test_editor_claims_are_checked_against_every_article(stub_llm):
    claims = [
        "Fire chief Dana Whitlock said four people were injured.",
        "The bridge was repainted in gold last spring.",
    ]
    report = check_claims(EXAMPLE_CLUSTER, claims, llm=stub_llm())
    assert stage_calls(report) == {"check": N_EXAMPLE}
    assert [c.text for c in report.claims] == claims
    assert len(report.verdicts) == 2 * N_EXAMPLE
    assert all(not c.sources for c in report.claims)
    assert set(report.prompts) == {"system", "check"}


@pytest.mark.vcr
def test_one_article_cluster_still_gets_a_report(tmp_path, stub_llm):
    folder = tmp_path / "solo"
    folder.mkdir()
    shutil.copy(EXAMPLE_CLUSTER / "001_valley_courier.txt", folder)
    report = check_cluster(load_cluster(folder), llm=stub_llm())
    assert stage_calls(report) == {"extract": 1}
    assert report.claims and report.warnings == []
    assert SINGLE_ARTICLE_NOTE in render_markdown(report)
    assert all(v.label is Label.SUPPORTED for v in report.verdicts)


# Every cassette folder says what answered: the scripted stub (a fixture), or a real model
# whose README names it, its quantisation, the server and their versions.
CASSETTE_FOLDERS = {"scripted-stub": None, "llama-cpp-smollm2-135m": "SmolLM2-135M-Instruct"}


def test_cassettes_hold_no_credentials_or_headers():
    cassettes = list((ROOT / "cassettes").rglob("*.yaml"))
    assert cassettes, "no cassettes found"
    for path in cassettes:
        text = path.read_text()
        assert DUMMY_KEY not in text and "sk-" not in text, path
        assert "authorization" not in text.lower(), path
        folder = path.relative_to(ROOT / "cassettes").parts[0]
        assert folder in CASSETTE_FOLDERS, f"{path}: the folder must say who answered"
        model = CASSETTE_FOLDERS[folder]
        if model is not None:
            readme = (ROOT / "cassettes" / folder / "README.md").read_text(encoding="utf-8")
            assert model in readme and "llama-cpp-python" in readme and "Q4_1" in readme
            assert "never accuracy" in readme
        # The seed cluster's articles are never copied into the project, not even here.
        assert "Korean Central News Agency" not in text, path
