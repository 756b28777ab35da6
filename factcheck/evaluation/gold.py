"""Read a gold file: the hand-made answer key of one cluster (format fixed in DESIGN.md).

```yaml
cluster: riverside-bridge
articles: {A: 001_valley_courier, B: 002_northgate_times}   # alias -> article id
noise: ["See also"]                                          # boilerplate substrings
claims:
  - {id: c01, text: "Four people were injured.", A: S, B: [C, N]}
  - {id: c02, text: "Seven people were injured.", A: C, B: [S, N]}
disputes:                                                    # optional
  - {id: d1, kind: number, claims: [c01, c02]}               # the competing versions
```

A file without ``disputes:`` has not been labelled for disputes (the eval leaves dispute scores
out); ``disputes: []`` says the cluster has none.

Labels are ``S`` supported, ``C`` contradicted, ``N`` not mentioned. A list accepts any of its
labels (its first label is the one a wrong prediction is scored against, see ``scoring.py``);
``null`` leaves the cell unscored, and so does an article missing from a claim's row.
Every problem is an ``InputError`` with one line naming the file and the claim.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from factcheck.errors import InputError
from factcheck.models import DISPUTE_KINDS, ClaimText, Cluster, DisputeKind, Label

GOLD_LABELS: dict[str, Label] = {
    "S": Label.SUPPORTED,
    "C": Label.CONTRADICTED,
    "N": Label.NOT_MENTIONED,
}
TOP_KEYS = ("cluster", "articles", "noise", "claims", "disputes")
REQUIRED_KEYS = ("cluster", "articles", "claims")
# Every scalar is read as text (see _read_yaml), so YAML's spellings of null arrive as strings.
NULLS = frozenset({"", "~", "null", "Null", "NULL"})

GoldCell = tuple[Label, ...] | None


class GoldClaim(BaseModel):
    """One cluster-level claim and the accepted labels of each scored article."""

    id: str
    text: ClaimText
    cells: dict[str, GoldCell] = Field(
        default_factory=dict,
        description="Article id -> accepted labels, in the file's order (the first is the main "
        "one); None when the file says null. Articles absent here are not scored either.",
    )

    def scored(self) -> dict[str, tuple[Label, ...]]:
        """The cells that count: article id -> accepted labels."""
        return {article: labels for article, labels in self.cells.items() if labels}


class GoldDispute(BaseModel):
    """A known disagreement of the cluster: the gold claims that are its competing versions."""

    id: str
    kind: DisputeKind
    claims: list[str] = Field(description="Gold claim ids, two or more.")


class Gold(BaseModel):
    """A whole gold file, with aliases already resolved to article ids in every claim."""

    cluster: str
    aliases: dict[str, str] = Field(description="Alias -> article id, as the file gives them.")
    noise: list[str] = Field(default_factory=list)
    claims: list[GoldClaim]
    disputes: list[GoldDispute] = Field(default_factory=list)
    disputes_listed: bool = Field(
        default=False,
        description="The file has a disputes key (even an empty one): its disputes were labelled.",
    )

    @property
    def texts(self) -> list[str]:
        """The claim texts in file order: what verify mode hands to the checker."""
        return [claim.text for claim in self.claims]


def load_gold(path: str | Path, cluster: Cluster | None = None) -> Gold:
    """Read and check the gold file at ``path``.

    With ``cluster``, every alias must name one of its articles. Raises ``InputError`` for an
    unreadable or invalid file, a missing key, an unknown alias or label, a duplicate claim id,
    an empty claim text, or two aliases naming the same article.
    """
    path = Path(path)
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a gold file (expected a mapping with {', '.join(TOP_KEYS)})")
    missing = [key for key in REQUIRED_KEYS if _is_null(data.get(key))]
    if missing:
        raise InputError(f"{path}: missing key(s) {', '.join(missing)}")
    unknown = [key for key in data if key not in TOP_KEYS]
    if unknown:
        raise InputError(f"{path}: unknown key(s) {', '.join(unknown)} (use {', '.join(TOP_KEYS)})")
    if not isinstance(data["cluster"], str):
        raise InputError(f"{path}: cluster must be the cluster's id, not a list or mapping")
    aliases = _aliases(path, data["articles"], cluster)
    noise = _noise(path, data.get("noise"))
    rows = data["claims"]
    if not isinstance(rows, list) or not rows:
        raise InputError(f"{path}: claims must be a list of {{id, text, <alias>: <label>}} rows")
    claims: list[GoldClaim] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, 1):
        claim = _claim(path, n, row, aliases)
        if claim.id in seen:
            raise InputError(f"{path}: claim {claim.id}: duplicate claim id")
        seen.add(claim.id)
        claims.append(claim)
    disputes = _disputes(path, data.get("disputes"), seen)
    return Gold(
        cluster=data["cluster"], aliases=aliases, noise=noise, claims=claims, disputes=disputes,
        disputes_listed="disputes" in data,
    )  # fmt: skip


def _read_yaml(path: Path) -> Any:
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the gold file ({_first_line(exc)})") from exc
    try:
        # Every scalar of a gold file is an id, an alias, a text or a label: read them all as
        # text, so that an alias NO, an article id 001_002 or a cluster 2024 stay as written
        # instead of becoming a boolean or a number.
        return yaml.load(raw, Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({_first_line(exc)})") from exc


def _aliases(path: Path, raw: Any, cluster: Cluster | None) -> dict[str, str]:
    if not isinstance(raw, dict) or not raw:
        raise InputError(f"{path}: articles must map each alias to an article id (A: 000_ab12)")
    aliases: dict[str, str] = {}
    named_by: dict[str, str] = {}
    for alias, article_id in raw.items():
        if not isinstance(article_id, str) or _is_null(article_id):
            raise InputError(f"{path}: articles: alias {alias} must name one article id")
        if article_id in named_by:
            raise InputError(
                f"{path}: articles: aliases {named_by[article_id]} and {alias} "
                f"both name article {article_id}"
            )
        if cluster is not None and article_id not in {a.id for a in cluster.articles}:
            raise InputError(
                f"{path}: articles: alias {alias} names {article_id}, which is not an article "
                f"of the cluster folder {cluster.id}"
            )
        named_by[article_id] = alias
        aliases[alias] = article_id
    return aliases


def _noise(path: Path, raw: Any) -> list[str]:
    if _is_null(raw):
        return []
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise InputError(f"{path}: noise must be a list of strings")
    for n, item in enumerate(raw, 1):
        # An empty string is on every line: every quote would count as boilerplate.
        if not item.strip():
            raise InputError(f"{path}: noise entry {n} is empty")
    return list(raw)


def _claim(path: Path, n: int, row: Any, aliases: dict[str, str]) -> GoldClaim:
    if not isinstance(row, dict):
        raise InputError(
            f"{path}: claim #{n}: expected a mapping like {{id: c01, text: ..., A: S}}"
        )
    claim_id = row.get("id")
    if not isinstance(claim_id, str) or _is_null(claim_id):
        raise InputError(f"{path}: claim #{n}: missing key id")
    where = f"{path}: claim {claim_id}"
    text = row.get("text")
    if text is None:
        raise InputError(f"{where}: missing key text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{where}: empty claim text")
    cells: dict[str, GoldCell] = {}
    for key, value in row.items():
        if key in ("id", "text"):
            continue
        if key not in aliases:
            raise InputError(
                f"{where}: unknown article alias {key} (the articles section names "
                f"{', '.join(aliases) or 'none'})"
            )
        cells[aliases[key]] = _labels(where, key, value)
    return GoldClaim(id=claim_id, text=text, cells=cells)


def _disputes(path: Path, raw: Any, claim_ids: set[str]) -> list[GoldDispute]:
    if _is_null(raw):
        return []
    if not isinstance(raw, list):
        raise InputError(f"{path}: disputes must be a list of {{id, kind, claims}} rows")
    disputes: list[GoldDispute] = []
    seen: set[str] = set()
    for n, row in enumerate(raw, 1):
        if not isinstance(row, dict) or _is_null(row.get("id")):
            raise InputError(f"{path}: dispute #{n}: expected {{id: d1, kind: ..., claims: [...]}}")
        where = f"{path}: dispute {row['id']}"
        if row["id"] in seen:
            raise InputError(f"{where}: duplicate dispute id")
        seen.add(row["id"])
        unknown = sorted(set(row) - {"id", "kind", "claims"})
        if unknown:
            raise InputError(f"{where}: unknown key(s) {', '.join(unknown)} (use id, kind, claims)")
        if row.get("kind") not in DISPUTE_KINDS:
            raise InputError(
                f"{where}: unknown kind {row.get('kind')!r} (use {', '.join(DISPUTE_KINDS)})"
            )
        ids = row.get("claims")
        if not isinstance(ids, list) or len(set(ids)) < 2:
            raise InputError(f"{where}: claims must list two or more gold claim ids")
        missing = [c for c in ids if c not in claim_ids]
        if missing:
            raise InputError(f"{where}: unknown claim id(s) {', '.join(map(str, missing))}")
        disputes.append(GoldDispute(id=row["id"], kind=row["kind"], claims=list(ids)))
    return disputes


def _labels(where: str, alias: str, value: Any) -> GoldCell:
    if isinstance(value, str) and _is_null(value):
        return None
    items = value if isinstance(value, list) else [value]
    if not items:
        raise InputError(f"{where}: {alias}: empty label list (write null to leave it unscored)")
    labels: list[Label] = []
    for item in items:
        if not isinstance(item, str) or item not in GOLD_LABELS:
            raise InputError(
                f"{where}: {alias}: unknown label {item!r} (use S, C or N, a list of them, or null)"
            )
        if GOLD_LABELS[item] not in labels:
            labels.append(GOLD_LABELS[item])
    return tuple(labels)


def _is_null(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value in NULLS)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
