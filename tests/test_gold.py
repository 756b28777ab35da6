"""The gold-file loader: the contract format, and one clear error for each way a file is wrong."""

from pathlib import Path

import pytest

from factcheck.errors import InputError
from factcheck.evaluation.gold import load_gold
from factcheck.models import Article, Cluster, Label

S, C, N = Label.SUPPORTED, Label.CONTRADICTED, Label.NOT_MENTIONED

GOOD = """\
cluster: demo
articles:
  A: a1
  B: a2
  NO: 001_002        # YAML 1.1 would read NO as false and 001_002 as a number
noise:
  - "See also"
claims:
  - {id: c01, text: "Four  people were injured.", A: S, B: [C, N], NO: null}
  - id: c02
    text: The bridge closed.
    A: [N, N, S]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gold.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def cluster(*ids: str) -> Cluster:
    return Cluster(
        id="demo", name="demo", articles=[Article(id=i, title=i, text="text") for i in ids]
    )


def test_loads_the_contract_format(tmp_path):
    gold = load_gold(write(tmp_path, GOOD))
    assert gold.cluster == "demo"
    assert gold.aliases == {"A": "a1", "B": "a2", "NO": "001_002"}
    assert gold.noise == ["See also"]
    first, second = gold.claims
    assert first.id == "c01" and first.text == "Four people were injured."  # one line, like claims
    assert first.cells == {"a1": (S,), "a2": (C, N), "001_002": None}
    assert first.scored() == {"a1": (S,), "a2": (C, N)}  # null is not scored
    # Order is kept (the first label is the main one) and repeats are dropped.
    assert second.cells == {"a1": (N, S)}
    assert gold.texts == ["Four people were injured.", "The bridge closed."]


def test_aliases_are_checked_against_the_cluster_folder(tmp_path):
    path = write(tmp_path, GOOD)
    assert load_gold(path, cluster("a1", "a2", "001_002")).aliases["B"] == "a2"
    with pytest.raises(InputError) as err:
        load_gold(path, cluster("a1", "001_002"))
    assert str(err.value) == (
        f"{path}: articles: alias B names a2, which is not an article of the cluster folder demo"
    )


def test_noise_may_be_left_out(tmp_path):
    gold = load_gold(write(tmp_path, "cluster: d\narticles: {A: a}\nclaims: [{id: c1, text: T}]"))
    assert gold.noise == [] and gold.claims[0].cells == {}


HEAD = "cluster: demo\narticles: {A: a1, B: a2}\nclaims:\n"
BROKEN = {
    "invalid YAML": ("cluster: [demo\n", "not valid YAML"),
    "not a mapping": ("- just\n- a list\n", "not a gold file (expected a mapping"),
    "missing keys": ("cluster: demo\narticles: {A: a1}\n", "missing key(s) claims"),
    "unknown key": (
        "cluster: d\narticles: {A: a}\nclaims: [{id: c1, text: T}]\nclaim: []\n",
        "unknown key(s) claim",
    ),
    "articles not a mapping": (
        "cluster: d\narticles: [a1, a2]\nclaims: [{id: c1, text: T}]\n",
        "articles must map each alias to an article id",
    ),
    "no claims": ("cluster: d\narticles: {A: a}\nclaims: []\n", "claims must be a list"),
    "claim not a mapping": (HEAD + "  - c01\n", "claim #1: expected a mapping"),
    "claim without id": (HEAD + "  - {text: T, A: S}\n", "claim #1: missing key id"),
    "claim without text": (HEAD + "  - {id: c01, A: S}\n", "claim c01: missing key text"),
    "empty claim text": (HEAD + "  - {id: c01, text: '  ', A: S}\n", "claim c01: empty claim text"),
    "unknown alias": (
        HEAD + "  - {id: c01, text: T, A: S, Z: N}\n",
        "claim c01: unknown article alias Z (the articles section names A, B)",
    ),
    "unknown label": (HEAD + "  - {id: c01, text: T, A: X}\n", "claim c01: A: unknown label 'X'"),
    "unknown label in a list": (
        HEAD + "  - {id: c01, text: T, B: [S, supported]}\n",
        "claim c01: B: unknown label 'supported' (use S, C or N, a list of them, or null)",
    ),
    "null inside a list": (HEAD + "  - {id: c01, text: T, B: [S, null]}\n", "unknown label"),
    "empty label list": (
        HEAD + "  - {id: c01, text: T, A: []}\n",
        "claim c01: A: empty label list (write null to leave it unscored)",
    ),
    "duplicate claim id": (
        HEAD + "  - {id: c01, text: T, A: S}\n  - {id: c01, text: U, A: N}\n",
        "claim c01: duplicate claim id",
    ),
    "duplicate alias targets": (
        "cluster: d\narticles: {A: a1, B: a1}\nclaims: [{id: c1, text: T}]\n",
        "articles: aliases A and B both name article a1",
    ),
    "alias without article": (
        "cluster: d\narticles: {A: null}\nclaims: [{id: c1, text: T}]\n",
        "articles: alias A must name one article id",
    ),
    "noise not a list": (
        "cluster: d\narticles: {A: a}\nnoise: See also\nclaims: [{id: c1, text: T}]\n",
        "noise must be a list of strings",
    ),
    "empty noise entry": (
        "cluster: d\narticles: {A: a}\nnoise: ['See also', '']\nclaims: [{id: c1, text: T}]\n",
        "noise entry 2 is empty",
    ),
}


@pytest.mark.parametrize("text,message", BROKEN.values(), ids=BROKEN.keys())
def test_each_broken_gold_file_gets_one_line_naming_file_and_claim(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        load_gold(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    assert err.value.exit_code == 2


def test_unreadable_gold_file(tmp_path):
    path = tmp_path / "missing.yaml"
    with pytest.raises(InputError, match=r"missing\.yaml: cannot read the gold file"):
        load_gold(path)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputError, match="cannot read the gold file"):
        load_gold(binary)


def _gold_with_disputes(tmp_path, disputes: str):
    path = tmp_path / "gold.yaml"
    path.write_text(
        "cluster: x\narticles: {A: a}\nclaims:\n"
        "  - {id: c01, text: Four were hurt., A: S}\n"
        "  - {id: c02, text: Seven were hurt., A: C}\n" + disputes,
        encoding="utf-8",
    )
    return path


def test_disputes_are_read_with_their_kind_and_versions(tmp_path):
    row = "disputes:\n  - {id: d1, kind: number, claims: [c01, c02]}\n"
    gold = load_gold(_gold_with_disputes(tmp_path, row))
    assert [(d.id, d.kind, d.claims) for d in gold.disputes] == [("d1", "number", ["c01", "c02"])]


def test_a_gold_file_without_disputes_has_none(tmp_path):
    assert load_gold(_gold_with_disputes(tmp_path, "")).disputes == []


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("{id: d1, kind: weather, claims: [c01, c02]}", "unknown kind 'weather'"),
        ("{id: d1, kind: number, claims: [c01, c09]}", "unknown claim id(s) c09"),
        ("{id: d1, kind: number, claims: [c01]}", "two or more gold claim ids"),
        ("{id: d1, kind: number, claims: [c01, c02], note: x}", "unknown key(s) note"),
    ],
)
def test_a_bad_dispute_is_one_line_naming_it(tmp_path, row, message):
    with pytest.raises(InputError) as error:
        load_gold(_gold_with_disputes(tmp_path, f"disputes:\n  - {row}\n"))
    assert message in str(error.value) and "dispute d1" in str(error.value)
    assert "\n" not in str(error.value)


def test_two_disputes_with_one_id_are_refused(tmp_path):
    rows = "disputes:\n" + "  - {id: d1, kind: number, claims: [c01, c02]}\n" * 2
    with pytest.raises(InputError, match="duplicate dispute id"):
        load_gold(_gold_with_disputes(tmp_path, rows))
