"""docs/ci-eval.md: the workflow's evaluate commands, run as written, against a filled store.

The store is filled by the scripted stub (a test fixture, not a model): the scores it yields
mean nothing, so the thresholds here are set to pass or to fail on purpose. What is checked is
the recipe: its offline command finds every answer, gates on thresholds, and says so when an
answer is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from factcheck import check_claims, check_cluster, load_cluster, load_gold, load_suite
from factcheck.llm.store import ResponseStore
from tests.conftest import IN_PROCESS_STUB_URL, ROOT, in_process_stub_llm

DOC = ROOT / "docs" / "ci-eval.md"


def workflow() -> dict:
    block = re.search(r"```yaml\n(.+?)\n```", DOC.read_text(encoding="utf-8"), re.S)
    assert block, "docs/ci-eval.md holds no yaml block"
    return yaml.safe_load(block.group(1))


def steps() -> dict[str, dict]:
    job = workflow()["jobs"]["eval"]
    return {step.get("name", step.get("uses")): step for step in job["steps"]}


def test_the_workflow_restores_the_store_runs_offline_when_nothing_changed_and_saves_it():
    job = workflow()["jobs"]["eval"]
    by_name = steps()
    restore = by_name["Restore the response store"]
    assert restore["uses"].startswith("actions/cache/restore@")
    assert restore["with"]["path"] == job["env"]["FACTCHECK_STORE"]
    offline = by_name["Evaluate (nothing changed, answers from the store only)"]
    assert offline["if"] == "steps.store.outputs.cache-hit == 'true'"
    assert "--offline" in offline["run"] and "OPENAI_API_KEY" not in str(offline)
    online = by_name["Evaluate (something changed, asks the model what the store lacks)"]
    assert online["if"] == "steps.store.outputs.cache-hit != 'true'"
    assert "--offline" not in online["run"] and "secrets.OPENAI_API_KEY" in str(online)
    save = by_name["Save the response store"]
    assert save["uses"].startswith("actions/cache/save@") and "always()" in save["if"]
    for command in (offline["run"], online["run"]):
        for gate in ("--min-macro-f1", "--min-claim-recall", "--max-claims-per-fact"):
            assert gate in command


def fill_store(path: Path) -> None:
    """Answer, with the scripted stub, every request the suite's present entries will make."""
    llm = in_process_stub_llm(ResponseStore(path))
    for entry in load_suite(ROOT / "eval" / "suite.yaml"):
        if not entry.cluster.is_dir():
            continue
        if entry.mode == "verify":
            cluster = load_cluster(entry.cluster)
            check_claims(cluster, load_gold(entry.gold, cluster).texts, llm=llm)
        else:
            check_cluster(entry.cluster, llm=llm)


def run(command: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    job_env = {k: str(v) for k, v in workflow()["jobs"]["eval"]["env"].items()}
    full = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("FACTCHECK_", "OPENAI_"))},
        **job_env,
        # The installed console script, as the workflow's `pip install` leaves it on PATH.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "RUNNER_TEMP": str(tmp_path),
        "FACTCHECK_STORE": str(tmp_path / "answers.sqlite3"),
        # The scripted stub stands in for the model; its requests name it.
        "FACTCHECK_MODEL": "scripted-stub",
        "FACTCHECK_BASE_URL": IN_PROCESS_STUB_URL,
        **env,
    }
    return subprocess.run(
        ["bash", "-c", command], cwd=ROOT, env=full, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ci")
    fill_store(folder / "answers.sqlite3")
    return folder


def test_the_offline_command_gates_on_thresholds(filled, tmp_path):
    if shutil.which("factcheck", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("the factcheck console script is not installed next to this Python")
    shutil.copy(filled / "answers.sqlite3", tmp_path / "answers.sqlite3")
    command = steps()["Evaluate (nothing changed, answers from the store only)"]["run"]
    lenient = {"MIN_MACRO_F1": "0", "MIN_CLAIM_RECALL": "0", "MAX_CLAIMS_PER_FACT": "100"}
    passed = run(command, tmp_path, **lenient)
    assert passed.returncode == 0, passed.stderr
    summary = (tmp_path / "eval.md").read_text(encoding="utf-8")
    assert "pooled" in summary and "scripted-stub" in summary
    # The job fails when a gate is missed: exit 1, one line per missed threshold.
    strict = run(command, tmp_path, **{**lenient, "MIN_MACRO_F1": "1"})
    assert strict.returncode == 1
    assert "factcheck: eval below threshold: pooled" in strict.stderr
    assert "< --min-macro-f1 1" in strict.stderr


def test_the_offline_command_names_a_missing_answer(tmp_path):
    command = steps()["Evaluate (nothing changed, answers from the store only)"]["run"]
    lenient = {"MIN_MACRO_F1": "0", "MIN_CLAIM_RECALL": "0", "MAX_CLAIMS_PER_FACT": "100"}
    empty = run(command, tmp_path, **lenient)
    assert empty.returncode == 2
    assert "are not in the response store" in empty.stderr
    assert empty.stderr.startswith("factcheck: error: ") and empty.stderr.count("\n") == 1
