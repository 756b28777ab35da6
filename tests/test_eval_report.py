"""`factcheck eval --report`: score a saved JSON report with no model and no run.

The reports come from the scripted stub (a fixture): what is checked is that a saved report
scores exactly as the live run that made it, old contract or new, and that bad input is one
line and exit 2. None of these numbers says anything about a model.
"""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from factcheck import (
    check_claims,
    check_cluster,
    evaluate_report,
    load_cluster,
    load_gold,
    load_report,
)
from factcheck.cli import app
from factcheck.llm.store import ResponseStore
from factcheck.models import (
    Article,
    CanonicalClaim,
    Dispute,
    DisputeVersion,
    Quote,
    Report,
    Span,
    Usage,
    stated_verdict,
)
from tests.conftest import EXAMPLE_CLUSTER, IN_PROCESS_STUB_URL, ROOT, in_process_stub_llm

GOLD = ROOT / "eval" / "gold" / "riverside-bridge.yaml"
MODEL = ["--model", "scripted-stub", "--base-url", IN_PROCESS_STUB_URL]
# Added to the report contract on 2026-11-29; a report written before has none of them.
NEW_REPORT_KEYS = ("disputes", "warnings")
NEW_VERDICT_KEYS = ("attributed_to", "from_title")
NEW_ARTICLE_KEYS = ("extraction",)
SCORES = ("cells", "accuracy", "macro_f1", "labels_scored", "claim_recall", "claims_predicted",
          "claims_per_fact", "duplicates", "ci", "noise_violations", "dispute_recall")  # fmt: skip


def evaluate(*args: str) -> Result:
    return CliRunner().invoke(app, ["eval", *args])


@pytest.fixture
def saved(tmp_path) -> tuple[Path, Path]:
    """A full run of the bundled example, in the store and as a JSON report."""
    store = tmp_path / "answers.sqlite3"
    report = check_cluster(EXAMPLE_CLUSTER, llm=in_process_stub_llm(ResponseStore(store)))
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report.to_contract()), encoding="utf-8")
    return path, store


def old_contract(path: Path, tmp_path: Path) -> Path:
    doc = json.loads(path.read_text(encoding="utf-8"))
    for key in NEW_REPORT_KEYS:
        del doc[key]
    for verdict in doc["verdicts"]:
        for key in NEW_VERDICT_KEYS:
            del verdict[key]
    for article in doc["articles"]:
        for key in NEW_ARTICLE_KEYS:
            del article[key]
    old = tmp_path / "old-report.json"
    old.write_text(json.dumps(doc), encoding="utf-8")
    return old


def test_a_saved_report_scores_as_the_live_run_that_made_it(saved, tmp_path):
    path, store = saved
    live = evaluate(str(EXAMPLE_CLUSTER), "--gold", str(GOLD), "--mode", "end-to-end", "--json",
                    "--offline", "--store", str(store), *MODEL)  # fmt: skip
    assert live.exit_code == 0, live.output
    expected = json.loads(live.stdout)
    # No model options, no store: nothing but the file is read.
    scored = evaluate("--report", str(path), "--gold", str(GOLD), str(EXAMPLE_CLUSTER), "--json")
    assert scored.exit_code == 0, scored.output
    got = json.loads(scored.stdout)
    assert got["mode"] == "end-to-end"  # detected: its claims are not the gold texts
    assert {k: got[k] for k in SCORES} == {k: expected[k] for k in SCORES}
    assert got["confusion"] == expected["confusion"] and got["model"] == "scripted-stub"
    # A report written before the 2026-11-29 additions scores the same.
    old = evaluate("--report", str(old_contract(path, tmp_path)), "--gold", str(GOLD),
                   str(EXAMPLE_CLUSTER), "--json")  # fmt: skip
    assert old.exit_code == 0, old.output
    assert {k: json.loads(old.stdout)[k] for k in SCORES} == {k: expected[k] for k in SCORES}


def test_a_saved_report_keeps_each_articles_extraction_status(saved, tmp_path):
    path, _ = saved
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert {a["extraction"] for a in doc["articles"]} == {"ok"}
    doc["articles"][1]["extraction"] = "failed"
    path.write_text(json.dumps(doc), encoding="utf-8")
    report = load_report(path)
    assert report.extraction == {a["id"]: a["extraction"] for a in doc["articles"]}
    assert report.failed_extractions == [doc["articles"][1]["id"]]
    # A report written before extraction statuses has none, not "ok" made up for it.
    assert load_report(old_contract(path, tmp_path)).extraction == {}


def test_without_the_cluster_folder_noise_is_left_unjudged(saved):
    path, _ = saved
    with_folder = evaluate("--report", str(path), "--gold", str(GOLD), str(EXAMPLE_CLUSTER),
                           "--json")  # fmt: skip
    alone = evaluate("--report", str(path), "--gold", str(GOLD), "--json")
    assert alone.exit_code == 0, alone.output
    a, b = json.loads(with_folder.stdout), json.loads(alone.stdout)
    assert b["noise_violations"] is None and a["noise_violations"] == 0
    assert {k: a[k] for k in SCORES if k != "noise_violations"} == {
        k: b[k] for k in SCORES if k != "noise_violations"
    }
    md = path.with_suffix(".md")
    assert evaluate("--report", str(path), "--gold", str(GOLD), "--out", str(md)).exit_code == 0
    text = md.read_text(encoding="utf-8")
    assert "noise violations not judged" in text and "Report: " in text and path.name in text


def test_a_report_of_the_gold_claims_is_scored_as_verify(tmp_path):
    cluster = load_cluster(EXAMPLE_CLUSTER)
    gold = load_gold(GOLD, cluster)
    store = ResponseStore(tmp_path / "answers.sqlite3")
    report = check_claims(cluster, gold.texts, llm=in_process_stub_llm(store))
    path = tmp_path / "verify.json"
    path.write_text(json.dumps(report.to_contract()), encoding="utf-8")
    result = evaluate_report(path, gold)  # the Python API
    assert result.mode == "verify" and result.source == str(path)
    assert result.scores.cells == sum(len(c.scored()) for c in gold.claims)
    # Forced end to end, the same claims are aligned to themselves instead: every claim found.
    forced = evaluate_report(path, gold, mode="end-to-end")
    assert forced.mode == "end-to-end" and forced.claim_recall == 1.0
    cli = evaluate("--report", str(path), "--gold", str(GOLD), "--mode", "end-to-end", "--json")
    assert json.loads(cli.stdout)["claim_recall"] == 1.0


def test_verify_forced_on_a_full_run_is_one_line_exit_2(saved):
    path, _ = saved
    result = evaluate("--report", str(path), "--gold", str(GOLD), "--mode", "verify")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "verify needs a report of the gold claim texts" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a JSON report"),
        ("[1, 2]", "not a factcheck JSON report (expected an object)"),
        ('{"cluster": "x", "model": "m", "articles": [], "claims": []}',
         "verdicts: Field required"),
        ('{"cluster": "x", "model": "m", "articles": [{"id": "a"}], "claims": [], "verdicts": '
         '[{"claim_id": "c9", "article_id": "a", "label": "supported"}]}', "names claim c9"),
        ('{"cluster": "x", "model": "m", "articles": [{"id": "a"}], "claims": [{"id": "c1", '
         '"text": "T."}], "verdicts": [{"claim_id": "c1", "article_id": "a", "label": "maybe"}]}',
         "label"),
    ],
)  # fmt: skip
def test_a_bad_report_is_one_line_exit_2(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    result = evaluate("--report", str(path), "--gold", str(GOLD))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"factcheck: error: {path}: ")
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_the_cluster_folder_checks_the_reports_article_ids(saved, tmp_path):
    path, _ = saved
    other = ROOT / "examples" / "harbour-fire"
    result = evaluate("--report", str(path), "--gold", str(GOLD), str(other))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "not a report of the cluster folder harbour-fire" in result.stderr
    assert "001_valley_courier" in result.stderr
    # Without the folder, gold of another cluster is caught by its article ids.
    wrong_gold = ROOT / "eval" / "gold" / "harbour-fire.yaml"
    result = evaluate("--report", str(path), "--gold", str(wrong_gold))
    assert result.exit_code == 2 and "is it the gold of another cluster?" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --gold GOLD.yaml"),
        (["--gold", str(GOLD)], "give CLUSTER_DIR(s), --report REPORT.json or --suite"),
        (["--report", "r.json", "--gold", str(GOLD), "a", "b"], "--report scores one report"),
        (["--suite", "s.yaml", "--gold", str(GOLD)], "--suite takes no CLUSTER_DIR"),
        ([str(EXAMPLE_CLUSTER), "examples/harbour-fire", "--gold", str(GOLD)],
         "2 CLUSTER_DIR(s) and 1 --gold file(s)"),
    ],
)  # fmt: skip
def test_usage_errors_are_one_line_exit_2(args, message):
    result = evaluate(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("factcheck: error: ") and message in result.stderr


def test_a_new_contract_report_keeps_its_attributions_and_disputes(tmp_path):
    """Whom each article credits travels in the verdicts; the matcher and disputes use it."""
    gold_path = tmp_path / "gold.yaml"
    gold_path.write_text(
        "cluster: demo\narticles: {A: a, D: d}\nclaims:\n"
        '  - {id: g1, text: "Fire chief Dana Whitlock said: \\"We were lucky.\\"",'
        " A: S, D: [S, C]}\n"
        '  - {id: g2, text: "Mayor Helena Roque said: \\"We were lucky.\\"", A: [S, C], D: S}\n'
        "disputes:\n  - {id: d1, kind: attribution, claims: [g1, g2]}\n",
        encoding="utf-8",
    )
    lucky = CanonicalClaim(
        id="c1", text="We were lucky.", sources=["a", "d"],
        quotes={x: Quote(text="We were lucky.", span=Span(start=0, end=14)) for x in "ad"},
        attributed_to={"a": "fire chief Dana Whitlock", "d": "Mayor Helena Roque"},
    )  # fmt: skip
    report = Report(
        cluster="demo", cluster_name="demo", model="hand-written-fixture", prompts={},
        articles=[Article(id=x, title=x, text="We were lucky.") for x in "ad"], claims=[lucky],
        verdicts=[stated_verdict(lucky, x) for x in "ad"],
        disputes=[Dispute(id="d1", question="Who said it?", kind="attribution", versions=[
            DisputeVersion(claim_id="c1", articles=["a"]),
            DisputeVersion(claim_id="c1", articles=["d"]),
        ])],
        usage=Usage(),
    )  # fmt: skip
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report.to_contract()), encoding="utf-8")
    result = evaluate_report(path, load_gold(gold_path))
    assert [(p.gold_id, p.predicted_id) for p in result.alignment.pairs] == [
        ("g1", "c1"), ("g2", "c1"),
    ]  # fmt: skip
    doc = result.to_contract()
    assert (doc["accuracy"], doc["dispute_recall"], doc["dispute_kind_accuracy"]) == (1.0, 1.0, 1.0)
    assert doc["claims_per_fact"] == 0.5  # one row for two speech acts
