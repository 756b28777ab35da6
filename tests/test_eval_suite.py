"""Many clusters at once: `factcheck eval DIR...` and `--suite`, pooled rows, one exit status.

The checker here is the model-free baseline (`--backend lexical`): no model is involved, so
these are the baseline's real scores; what the tests check is the harness.
"""

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from factcheck import check_cluster, evaluate_suite, load_suite
from factcheck.cli import app
from factcheck.evaluation.suite import pool
from tests.conftest import EXAMPLE_CLUSTER, ROOT

GOLD_DIR = ROOT / "eval" / "gold"
HARBOUR = ROOT / "examples" / "harbour-fire"
LEXICAL = ["--backend", "lexical"]


def evaluate(*args: str) -> Result:
    return CliRunner().invoke(app, ["eval", *args])


def write_suite(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "suite.yaml"
    path.write_text(yaml.safe_dump({"clusters": rows}), encoding="utf-8")
    return path


def two_clusters(tmp_path: Path, mode: str = "verify") -> Path:
    return write_suite(tmp_path, [
        {"cluster": str(EXAMPLE_CLUSTER), "gold": str(GOLD_DIR / "riverside-bridge.yaml"),
         "mode": mode},
        {"cluster": str(HARBOUR), "gold": str(GOLD_DIR / "harbour-fire.yaml"), "mode": mode},
        {"cluster": str(tmp_path / "not-here"), "gold": str(GOLD_DIR / "nk-russia-arms.yaml"),
         "mode": mode, "name": "absent cluster"},
    ])  # fmt: skip


def test_the_repository_suite_covers_every_gold_file_in_both_modes():
    entries = load_suite(ROOT / "eval" / "suite.yaml")
    named = {(e.gold.resolve(), e.mode) for e in entries}
    for gold in GOLD_DIR.glob("*.yaml"):
        assert {(gold.resolve(), "verify"), (gold.resolve(), "end-to-end")} <= named
    for entry in entries:
        assert entry.gold.is_file() and entry.report is None
        # Every folder is in the repository, except the seed cluster's (../shared, CI only).
        assert entry.cluster.is_dir() or "shared" in entry.cluster.parts


def test_a_suite_prints_one_table_with_the_pooled_row_and_skips_absent_folders(tmp_path):
    suite = two_clusters(tmp_path)
    result = evaluate("--suite", str(suite), *LEXICAL)
    assert result.exit_code == 0, result.output
    assert "factcheck: note: skipped absent cluster: cluster folder" in result.stderr
    for expected in ("riverside-bridge", "harbour-fire", "pooled (2 clusters)", "Summary"):
        assert expected in result.stdout
    doc = json.loads(evaluate("--suite", str(suite), *LEXICAL, "--json").stdout)
    assert [c["cluster"] for c in doc["clusters"]] == ["riverside-bridge", "harbour-fire"]
    assert doc["skipped"] == [
        {"name": "absent cluster", "reason": f"cluster folder {tmp_path / 'not-here'} not found"}
    ]
    [pooled] = doc["pooled"]
    assert pooled["clusters"] == ["riverside-bridge", "harbour-fire"]
    # Pooled over cells: the sums of the two clusters' cells and right cells.
    cells = [c["cells"] for c in doc["clusters"]]
    right = [round(c["accuracy"] * c["cells"]) for c in doc["clusters"]]
    assert pooled["cells"] == sum(cells)
    assert pooled["accuracy"] == pytest.approx(sum(right) / sum(cells))
    low, high = pooled["ci"]["accuracy"]
    assert low <= pooled["accuracy"] <= high
    # Four gold disputes each, none found by the baseline (it makes no disputes yet).
    assert pooled["dispute_recall"] == 0.0 and pooled["dispute_precision"] is None


def test_the_suite_gates_on_the_pooled_row(tmp_path):
    suite = two_clusters(tmp_path)
    passed = evaluate("--suite", str(suite), *LEXICAL, "--min-accuracy", "0.5")
    assert passed.exit_code == 0, passed.output
    failed = evaluate("--suite", str(suite), *LEXICAL, "--min-macro-f1", "1", "--json")
    assert failed.exit_code == 1
    macro = json.loads(failed.stdout)["pooled"][0]["macro_f1"]
    assert failed.stderr.splitlines()[-1] == (
        f"factcheck: eval below threshold: pooled (2 clusters) (verify): macro_f1 {macro:.3f} "
        "< --min-macro-f1 1.0"
    )


@pytest.mark.parametrize(
    "threshold",
    [["--min-claim-recall", "0.5"], ["--max-claims-per-fact", "1.2"], ["--max-noise", "0"]],
)
def test_a_threshold_no_entry_can_produce_is_a_usage_error(tmp_path, threshold):
    result = evaluate("--suite", str(two_clusters(tmp_path)), *LEXICAL, *threshold)
    assert result.exit_code == 2
    assert result.stderr == f"factcheck: error: {threshold[0]} applies only to --mode end-to-end\n"
    assert result.stdout == ""  # found before anything ran


def test_dispute_recall_needs_a_gold_file_listing_disputes(tmp_path):
    text = (GOLD_DIR / "riverside-bridge.yaml").read_text(encoding="utf-8")
    unlabelled = tmp_path / "riverside-bridge.yaml"
    unlabelled.write_text(text.split("\ndisputes:")[0] + "\n", encoding="utf-8")
    args = [str(EXAMPLE_CLUSTER), *LEXICAL, "--min-dispute-recall", "0.5"]
    result = evaluate(*args, "--gold", str(unlabelled))
    assert result.exit_code == 2
    assert result.stderr == (
        "factcheck: error: --min-dispute-recall needs a gold file that lists disputes\n"
    )
    # With the disputes listed it gates: the baseline makes none, so recall 0 misses 0.5.
    listed = evaluate(*args, "--gold", str(GOLD_DIR / "riverside-bridge.yaml"))
    assert listed.exit_code == 1
    assert "dispute_recall 0.000 < --min-dispute-recall 0.5" in listed.stderr


def test_end_to_end_gates_and_several_folders_with_a_gold_folder(tmp_path):
    args = [str(EXAMPLE_CLUSTER), str(HARBOUR), "--gold", str(GOLD_DIR), *LEXICAL]
    result = evaluate(*args, "--mode", "end-to-end", "--json", "--max-claims-per-fact", "0.5")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert [c["mode"] for c in doc["clusters"]] == ["end-to-end", "end-to-end"]
    assert "claims_per_fact" in result.stderr and "> --max-claims-per-fact 0.5" in result.stderr
    missing = evaluate(str(EXAMPLE_CLUSTER), str(tmp_path), "--gold", str(GOLD_DIR), *LEXICAL)
    assert missing.exit_code == 2 and f"no gold file {GOLD_DIR / tmp_path.name}.yaml" in (
        missing.stderr
    )


def test_a_suite_of_saved_reports_runs_nothing(tmp_path):
    report = check_cluster(EXAMPLE_CLUSTER, backend="lexical")
    saved = tmp_path / "riverside.json"
    saved.write_text(json.dumps(report.to_contract()), encoding="utf-8")
    suite = write_suite(tmp_path, [
        {"cluster": str(EXAMPLE_CLUSTER), "gold": str(GOLD_DIR / "riverside-bridge.yaml"),
         "report": "riverside.json"},  # relative to the suite file
    ])  # fmt: skip
    result = evaluate_suite(suite)  # the Python API; no backend, no model
    [scored] = result.results
    assert scored.mode == "end-to-end" and scored.source == str(saved)
    live = json.loads(
        evaluate(str(EXAMPLE_CLUSTER), "--gold", str(GOLD_DIR / "riverside-bridge.yaml"),
                 *LEXICAL, "--mode", "end-to-end", "--json").stdout
    )  # fmt: skip
    assert scored.to_contract()["accuracy"] == live["accuracy"]
    assert scored.to_contract()["claim_recall"] == live["claim_recall"]


def test_a_failing_entry_is_named_and_stops_the_suite(tmp_path):
    suite = write_suite(tmp_path, [
        {"cluster": str(EXAMPLE_CLUSTER), "gold": str(GOLD_DIR / "harbour-fire.yaml"),
         "name": "mislabelled"},
    ])  # fmt: skip
    result = evaluate("--suite", str(suite), *LEXICAL)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("factcheck: error: mislabelled: ")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("clusters: []", "a suite lists its entries under clusters"),
        ("clusters: [{cluster: a}]", "entry 1: missing key gold"),
        ("clusters: [{cluster: a, gold: b, mode: fast}]", "entry 1: unknown mode 'fast'"),
        ("clusters: [{cluster: a, gold: b, model: x}]", "entry 1: unknown key(s) model"),
        ("clusters: [", "not valid YAML"),
    ],
)
def test_a_bad_suite_file_is_one_line_exit_2(tmp_path, content, message):
    path = tmp_path / "suite.yaml"
    path.write_text(content, encoding="utf-8")
    result = evaluate("--suite", str(path))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert message in result.stderr


def test_only_one_mode_and_one_model_pool():
    # riverside-bridge and harbour-fire, each in both modes.
    entries = load_suite(ROOT / "eval" / "suite.yaml")[:4]
    results = evaluate_suite(entries, backend="lexical").results
    with pytest.raises(ValueError, match="one mode and one model"):
        pool(results)
    verify = [r for r in results if r.mode == "verify"]
    pooled = pool(verify)
    assert pooled.claim_recall is None and pooled.clusters == ["riverside-bridge", "harbour-fire"]
    assert pooled.scores.cells == sum(r.scores.cells for r in verify)


def test_a_suite_whose_every_folder_is_absent_scores_nothing_and_fails(tmp_path):
    suite = write_suite(tmp_path, [
        {"cluster": "not-here", "gold": str(GOLD_DIR / "riverside-bridge.yaml")},
    ])  # fmt: skip
    result = evaluate("--suite", str(suite), *LEXICAL, "--min-macro-f1", "0.5")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "factcheck: error: nothing was scored: every entry of the suite was skipped"
    )


def test_folders_are_read_as_report_reads_them_each_once(tmp_path):
    folder = tmp_path / "riverside-bridge"
    shutil.copytree(EXAMPLE_CLUSTER, folder)
    (folder / "zz_bad.txt").write_text("Only a title\n", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("Elsewhere\n\nA text kept outside the cluster folder.\n", encoding="utf-8")
    (folder / "zz_link.txt").symlink_to(outside)
    gold = str(GOLD_DIR / "riverside-bridge.yaml")
    suite = write_suite(tmp_path, [
        {"cluster": str(folder), "gold": gold, "mode": "verify"},
        {"cluster": str(folder), "gold": gold, "mode": "end-to-end"},
    ])  # fmt: skip
    stopped = evaluate("--suite", str(suite), *LEXICAL)
    assert stopped.exit_code == 2 and stopped.stderr.count("\n") == 1
    assert "zz_bad.txt: the article has no text" in stopped.stderr
    result = evaluate("--suite", str(suite), *LEXICAL, "--skip-bad", "--json")
    assert result.exit_code == 0, result.output
    # Both entries read one folder: each warning is said once, in the CLI's words.
    assert result.stderr.count("zz_bad.txt: the article has no text: set aside") == 1
    assert result.stderr.count("zz_link.txt: not read") == 1
    assert "pass --follow-links" in result.stderr and "follow_links=True" not in result.stderr
    pristine = evaluate("--suite", str(two_modes(tmp_path)), *LEXICAL, "--json")
    cells = [c["cells"] for c in json.loads(pristine.stdout)["clusters"]]
    assert [c["cells"] for c in json.loads(result.stdout)["clusters"]] == cells
    followed = evaluate("--suite", str(suite), *LEXICAL, "--skip-bad", "--follow-links")
    assert followed.exit_code == 0 and "zz_link.txt" not in followed.stderr
    told: list[str] = []
    entries = load_suite(suite)
    evaluate_suite(entries, backend="lexical", skip_bad=True, follow_links=True, notify=told.append)
    assert len(told) == 1 and "zz_bad.txt" in told[0] and "skip_bad" not in told[0]


def two_modes(tmp_path: Path) -> Path:
    gold = str(GOLD_DIR / "riverside-bridge.yaml")
    (tmp_path / "pristine").mkdir()
    return write_suite(tmp_path / "pristine", [
        {"cluster": str(EXAMPLE_CLUSTER), "gold": gold, "mode": "verify"},
        {"cluster": str(EXAMPLE_CLUSTER), "gold": gold, "mode": "end-to-end"},
    ])  # fmt: skip
