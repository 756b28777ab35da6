"""``--dry-run`` says which tokenizer counted, and whether the largest request fits the context."""

import json
from math import ceil

from typer.testing import CliRunner, Result

from factcheck.cli import app
from factcheck.llm.tokens import tokenizer_for
from tests.conftest import EXAMPLE_CLUSTER, IN_PROCESS_STUB_URL, cluster_with_a_long_article


def run(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def dry_run(tmp_path, *model: str, cluster=EXAMPLE_CLUSTER) -> tuple[str, dict]:
    args = ["report", str(cluster), "--dry-run", "--store", str(tmp_path / "s.sqlite3"),
            *model]  # fmt: skip
    return run(*args).stdout, json.loads(run(*args, "-f", "json").stdout)


def exported_bodies(tmp_path, *model: str, cluster=EXAMPLE_CLUSTER) -> list[dict]:
    out = tmp_path / "requests.jsonl"
    run("batch", "export", str(cluster), "--out", str(out), "--store",
        str(tmp_path / "export.sqlite3"), *model)  # fmt: skip
    return [json.loads(line)["body"] for line in out.read_text(encoding="utf-8").splitlines()]


def test_an_openai_model_is_counted_with_its_encoding_and_checked_against_its_context(tmp_path):
    text, estimate = dry_run(tmp_path, "--model", "gpt-4o-mini")
    assert "Tokens: o200k_base (tiktoken): exact counts for gpt-4o-mini." in text
    assert "context window of gpt-4o-mini: 128,000 tokens." in text
    assert "Warning" not in text
    assert estimate["tokenizer"] == "o200k_base" and estimate["context_window"] == 128_000
    assert estimate["warnings"] == []
    assert not any(a.startswith("tokens ≈") for a in estimate["assumptions"])
    # The measured stage's prompts are the requests a batch export writes, counted exactly.
    extract = estimate["stages"][0]
    bodies = exported_bodies(tmp_path, "--model", "gpt-4o-mini")
    counts = [tokenizer_for("gpt-4o-mini").count_request(b) for b in bodies]
    assert extract["measured"] and extract["input_tokens"] == sum(counts)
    assert extract["largest_input_tokens"] == max(counts)


def test_a_request_larger_than_the_context_window_is_warned_about(tmp_path):
    table = tmp_path / "models.yaml"
    table.write_text("context_windows: {gpt-4o-mini: 1500}\n", encoding="utf-8")
    text, estimate = dry_run(tmp_path, "--model", "gpt-4o-mini", "--prices", str(table))
    assert "context window of gpt-4o-mini: 1,500 tokens." in text
    [warning] = estimate["warnings"]
    # The request that needs most: its prompt plus the answer expected of one call of its stage.
    need = max(s["largest_input_tokens"] + ceil(s["output_tokens"] / s["calls"])
               for s in estimate["stages"] if s["calls"])  # fmt: skip
    assert need > 1500 and f"needs ~{need:,} tokens" in warning
    assert "more than gpt-4o-mini's context window of 1,500" in warning
    # Even the smallest request budget (3,000) would not fit such a window.
    assert warning.endswith("use a model with a longer context")
    assert "the smallest budget; gpt-4o-mini's window of 1,500 is too small" in text
    assert f"Warning: {warning}." in text
    # A window the budget can fit: the advice is the budget to set, as a flag.
    table.write_text("context_windows: {gpt-4o-mini: 4000}\n", encoding="utf-8")
    long = cluster_with_a_long_article(tmp_path)
    _, estimate = dry_run(tmp_path, "--model", "gpt-4o-mini", "--prices", str(table),
                          "--request-tokens", "8000", cluster=long)  # fmt: skip
    [warning] = estimate["warnings"]
    assert warning.endswith("a request budget of 3,000 (now 8,000; --request-tokens) sends "
                            "smaller requests")  # fmt: skip


def test_an_unknown_model_is_estimated_and_its_context_called_unknown(tmp_path):
    model = ["--model", "llama3.1:8b", "--base-url", IN_PROCESS_STUB_URL]
    text, estimate = dry_run(tmp_path, *model)
    assert "Tokens: estimate (characters ÷ 4): no tokenizer known for llama3.1:8b" in text
    assert "Context window of llama3.1:8b: unknown, so no check that each request fits" in text
    assert estimate["tokenizer"] == "estimate" and estimate["context_window"] is None
    assert "tokens ≈ characters / 4" in estimate["assumptions"]
    bodies = exported_bodies(tmp_path, *model)
    # JSON mode: the messages, 3 tokens of framing each and 3 for the reply, and the
    # response_format field as compact JSON.
    total = sum(
        3
        + sum(3 + ceil(len(m["content"]) / 4) for m in b["messages"])
        + ceil(len(json.dumps({"response_format": b["response_format"]}).replace(" ", "")) / 4)
        for b in bodies
    )
    assert estimate["stages"][0]["input_tokens"] == total


def test_a_named_context_window_makes_a_local_model_checked(tmp_path):
    table = tmp_path / "models.yaml"
    table.write_text("context_windows: {llama3.1:8b: 131072}\n", encoding="utf-8")
    text, estimate = dry_run(tmp_path, "--model", "llama3.1:8b", "--base-url",
                             IN_PROCESS_STUB_URL, "--prices", str(table))  # fmt: skip
    assert estimate["context_window"] == 131_072 and estimate["warnings"] == []
    assert "context window of llama3.1:8b: 131,072 tokens." in text


def test_the_dry_run_names_its_request_budget_and_splits_as_a_run_would(tmp_path):
    text, _ = dry_run(tmp_path, "--model", "gpt-4o-mini")
    assert ("Request budget: 16,000 tokens per request (prompt and output budget): the "
            "default, well within gpt-4o-mini's window of 128,000; bigger requests are split."
            in text)  # fmt: skip
    cluster = cluster_with_a_long_article(tmp_path)
    budget = ["--model", "gpt-4o-mini", "--request-tokens", "3000"]
    text, small = dry_run(tmp_path, *budget, cluster=cluster)
    assert "Request budget: 3,000 tokens per request (prompt and output budget): as set " \
        "(--request-tokens); bigger requests are split." in text
    _, whole = dry_run(tmp_path, "--model", "gpt-4o-mini", cluster=cluster)
    assert (whole["request_tokens"], small["request_tokens"]) == (16_000, 3_000)
    calls = {s["stage"]: s["calls"] for s in small["stages"]}
    before = {s["stage"]: s["calls"] for s in whole["stages"]}
    assert (before["extract"], before["merge"]) == (5, 1)  # each article whole, one merge
    assert all(calls[stage] > before[stage] for stage in before), calls
    # The measured stage's requests are the parts a batch export with that budget writes.
    bodies = exported_bodies(tmp_path, *budget, cluster=cluster)
    assert len(bodies) == calls["extract"] and any('part=\\"1 of' in json.dumps(b) for b in bodies)
    counts = [tokenizer_for("gpt-4o-mini").count_request(b) for b in bodies]
    assert small["stages"][0]["largest_input_tokens"] == max(counts) < 3000
