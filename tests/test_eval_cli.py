"""`factcheck eval` end to end, offline, on every gold cluster, in both modes.

The answers come from the scripted stub (a fixture): the scores printed here measure nothing
about any model. What is checked is the harness: contract keys, every scored gold cell counted,
metrics consistent with the confusion matrix, thresholds and exit codes.
"""

import json
from pathlib import Path

import lxml.html
import pytest
import yaml
from typer.testing import CliRunner, Result

from factcheck import check_claims, check_cluster, load_cluster
from factcheck.cli import app
from factcheck.evaluation.gold import load_gold
from factcheck.llm.store import ResponseStore
from tests.conftest import (
    EXAMPLE_CLUSTER,
    IN_PROCESS_STUB_URL,
    ROOT,
    find_cluster,
    gold_cluster_name,
    in_process_stub_llm,
)

GOLD_DIR = ROOT / "eval" / "gold"
CONTRACT_KEYS = {
    "mode", "cells", "unresolved", "accuracy", "macro_f1", "per_label", "confusion",
    "claim_recall", "claims_predicted", "noise_violations",
    # The 2026-11-29 additions.
    "cluster", "model", "labels_scored", "claims_per_fact", "duplicates", "ci", "dispute_recall",
    "dispute_precision", "dispute_kind_accuracy", "contradicted_cells_outside_disputes",
}  # fmt: skip
LABELS = ("supported", "contradicted", "not_mentioned")
MODEL = ["--model", "scripted-stub", "--base-url", IN_PROCESS_STUB_URL]


def cluster_dir(gold: Path) -> Path:
    return find_cluster(gold_cluster_name(gold))


def filled_store(tmp_path: Path, folder: Path, gold: Path, mode: str) -> Path:
    """A store holding the stub's answers for what ``eval --mode`` will ask."""
    path = tmp_path / "answers.sqlite3"
    llm = in_process_stub_llm(ResponseStore(path))
    if mode == "verify":
        check_claims(folder, load_gold(gold, load_cluster(folder)).texts, llm=llm)
    else:
        check_cluster(folder, llm=llm)
    return path


def evaluate(*args: str) -> Result:
    return CliRunner().invoke(app, ["eval", *args])


def scored_cells(gold: Path) -> int:
    data = yaml.safe_load(gold.read_text(encoding="utf-8"))
    aliases = set(data["articles"])
    return sum(1 for claim in data["claims"] for alias in aliases if claim.get(alias) is not None)


@pytest.mark.parametrize("mode", ["verify", "end-to-end"])
@pytest.mark.parametrize("gold", sorted(GOLD_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_gold_cluster_evaluates_offline_with_consistent_metrics(gold, mode, tmp_path):
    folder = cluster_dir(gold)
    store = filled_store(tmp_path, folder, gold, mode)
    result = evaluate(str(folder), "--gold", str(gold), "--mode", mode, "--json", "--offline",
                      "--store", str(store), *MODEL)  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) == CONTRACT_KEYS
    assert doc["mode"] == mode
    confusion = doc["confusion"]
    assert sum(n for row in confusion.values() for n in row.values()) == doc["cells"]
    assert sum(row["unresolved"] for row in confusion.values()) == doc["unresolved"]
    right = sum(confusion[label][label] for label in LABELS)
    assert doc["accuracy"] == pytest.approx(right / doc["cells"])
    f1s = []
    for label in LABELS:
        predicted = sum(confusion[g][label] for g in LABELS)
        actual = sum(confusion[label].values())
        tp = confusion[label][label]
        scores = doc["per_label"][label]
        assert scores["precision"] == pytest.approx(tp / predicted if predicted else 0)
        assert scores["recall"] == pytest.approx(tp / actual if actual else 0)
        if predicted or actual:
            f1s.append(scores["f1"])
            assert label in doc["labels_scored"]
        else:
            assert label not in doc["labels_scored"]
    assert doc["macro_f1"] == pytest.approx(sum(f1s) / len(f1s))
    assert doc["cluster"] == gold_cluster_name(gold) and doc["model"] == "scripted-stub"
    for metric in ("accuracy", "macro_f1", "claim_recall"):
        if doc["ci"][metric] is not None:
            low, high = doc["ci"][metric]
            assert low <= doc[metric] <= high
    disputes = load_gold(gold).disputes
    if disputes:
        assert 0 <= doc["dispute_recall"] <= 1
    else:
        assert doc["dispute_recall"] is None
    if mode == "verify":
        assert doc["cells"] == scored_cells(gold)
        assert doc["claim_recall"] is doc["claims_predicted"] is doc["noise_violations"] is None
        assert doc["claims_per_fact"] is doc["duplicates"] is doc["ci"]["claim_recall"] is None
    else:
        assert 0 <= doc["claim_recall"] <= 1 and doc["claims_predicted"] > 0
        assert doc["noise_violations"] >= 0 and doc["duplicates"] >= 0


@pytest.fixture
def example_store(tmp_path):
    gold = GOLD_DIR / "riverside-bridge.yaml"
    return gold, filled_store(tmp_path, EXAMPLE_CLUSTER, gold, "verify")


def test_thresholds_set_the_exit_status(example_store, tmp_path):
    gold, store = example_store
    base = [str(EXAMPLE_CLUSTER), "--gold", str(gold), "--offline", "--store", str(store), *MODEL]
    passed = evaluate(*base, "--min-macro-f1", "0")
    assert passed.exit_code == 0, passed.output
    failed = evaluate(*base, "--json", "--min-macro-f1", "1")
    assert failed.exit_code == 1
    macro = json.loads(failed.stdout)["macro_f1"]
    assert f"macro_f1 {macro:.3f} < --min-macro-f1 1.0" in failed.stderr
    # A gate on a metric verify does not produce must not pass silently: a usage error, exit 2
    # (issue 15), found before anything runs.
    recall = evaluate(*base, "--min-claim-recall", "0.1")
    assert recall.exit_code == 2
    assert recall.stderr == (
        "factcheck: error: --min-claim-recall applies only to --mode end-to-end\n"
    )


def test_markdown_report_is_written(example_store, tmp_path):
    gold, store = example_store
    out = tmp_path / "eval.md"
    result = evaluate(str(EXAMPLE_CLUSTER), "--gold", str(gold), "--offline", "--store",
                      str(store), "--out", str(out), *MODEL)  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "scripted-stub" in text and "macro" in text.lower() and "|" in text


def test_eval_offline_without_answers_is_one_line_exit_2(tmp_path):
    gold = GOLD_DIR / "riverside-bridge.yaml"
    result = evaluate(str(EXAMPLE_CLUSTER), "--gold", str(gold), "--offline", "--store",
                      str(tmp_path / "empty.sqlite3"), *MODEL)  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "4 model answers for the check stage are not in the response store" in result.stderr


def test_a_gold_error_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "cluster: riverside-bridge\narticles: {A: 001_valley_courier}\n"
        "claims:\n  - {id: c01, text: A claim., Z: S}\n",
        encoding="utf-8",
    )
    result = evaluate(str(EXAMPLE_CLUSTER), "--gold", str(bad), *MODEL)
    assert result.exit_code == 2
    assert result.stderr.startswith("factcheck: error:") and result.stderr.count("\n") == 1
    assert "Z" in result.stderr


def test_html_report_from_the_store(tmp_path):
    store = tmp_path / "answers.sqlite3"
    check_cluster(EXAMPLE_CLUSTER, llm=in_process_stub_llm(ResponseStore(store)))
    out = tmp_path / "report.html"
    args = ["report", str(EXAMPLE_CLUSTER), "-f", "html", "--out", str(out), "--offline"]
    result = CliRunner().invoke(app, [*args, "--store", str(store), *MODEL])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") or html.lower().startswith("<!doctype html>")
    assert html.count('class="cell') >= 4 and "scripted-stub" in html


def test_html_of_the_seed_cluster_shows_every_claim_and_fetches_nothing(shared_cluster, tmp_path):
    store = tmp_path / "answers.sqlite3"
    report = check_cluster(shared_cluster, llm=in_process_stub_llm(ResponseStore(store)))
    out = tmp_path / "nk.html"
    args = ["report", str(shared_cluster), "-f", "html", "--out", str(out), "--offline"]
    result = CliRunner().invoke(app, [*args, "--store", str(store), *MODEL])
    assert result.exit_code == 0, result.output
    page = lxml.html.fromstring(out.read_text(encoding="utf-8"))
    rows = {row.get("data-claim") for row in page.xpath("//tr[contains(@class, 'claim-row')]")}
    assert rows == {claim.id for claim in report.claims}
    cells = page.xpath("//td[contains(concat(' ', @class, ' '), ' cell ')]")
    assert len(cells) == len(report.claims) * len(report.articles)
    assert not page.xpath("//script[@src] | //link[@href] | //img | //iframe")
    csp = page.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert csp and "default-src 'none'" in csp[0]
