"""CI gate: the lexical baseline scores what the README says, on every gold cluster.

The README's score table (between the ``lexical-scores`` markers) is the source of truth: a
drop of more than ``MARGIN`` below a stated score fails, and so does a gain the README does not
state yet, so the published numbers stay the measured ones. No model is involved: these are
real scores of the baseline.
"""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from factcheck.cli import app
from tests.conftest import ROOT, find_cluster, gold_cluster_name

MARGIN = 0.02
# Three decimals in the README: a gain below rounding is not news.
ROUNDING = 0.0005
GOLD_FILES = sorted((ROOT / "eval" / "gold").glob("*.yaml"))
_ROW = re.compile(
    r"^\| `?(?P<cluster>[\w-]+)`? \| (?P<mode>verify|end-to-end) \| [^|]+ \| (?P<cells>\d+) "
    r"\| (?P<accuracy>[\d.]+) \| (?P<macro_f1>[\d.]+) \| (?P<claim_recall>[\d.]+|–) \|"
)


def readme_scores() -> list[dict[str, str]]:
    """The rows of the README's lexical score table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("<!-- lexical-scores -->")[1].split("<!-- /lexical-scores -->")[0]
    return [m.groupdict() for line in table.splitlines() if (m := _ROW.match(line))]


def test_the_readme_states_both_modes_for_every_gold_cluster():
    stated = {(row["cluster"], row["mode"]) for row in readme_scores()}
    clusters = {gold_cluster_name(gold) for gold in GOLD_FILES}
    assert stated == {(c, m) for c in clusters for m in ("verify", "end-to-end")}


@pytest.mark.parametrize("row", readme_scores(), ids=lambda row: f"{row['cluster']}-{row['mode']}")
def test_lexical_scores_match_the_readme(row):
    folder = find_cluster(row["cluster"])
    gold = ROOT / "eval" / "gold" / f"{row['cluster']}.yaml"
    args = ["eval", str(folder), "--gold", str(gold), "--backend", "lexical"]
    result = CliRunner().invoke(app, [*args, "--mode", row["mode"], "--json"])
    assert result.exit_code == 0, result.output
    measured = json.loads(result.stdout)
    assert measured["cells"] == int(row["cells"])
    for metric in ("accuracy", "macro_f1", "claim_recall"):
        if row[metric] == "–":
            assert measured[metric] is None
            continue
        stated, got = float(row[metric]), measured[metric]
        assert got >= stated - MARGIN, f"{metric} fell to {got:.3f}, the README says {stated}"
        assert got <= stated + ROUNDING, (
            f"{metric} rose to {got:.3f}: update the README's table (it says {stated})"
        )
