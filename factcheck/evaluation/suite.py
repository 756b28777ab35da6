"""Many clusters at once: a suite file, its run, and the scores pooled over its clusters.

```yaml
# eval/suite.yaml -- paths are relative to this file
clusters:
  - {cluster: ../examples/riverside-bridge, gold: gold/riverside-bridge.yaml, mode: verify}
  - {cluster: ../examples/riverside-bridge, gold: gold/riverside-bridge.yaml, mode: end-to-end}
  - {cluster: ../examples/harbour-fire, gold: gold/harbour-fire.yaml,
     report: runs/some-model/harbour-fire.json}          # score a saved report, run nothing
```

``mode`` is ``verify`` or ``end-to-end`` (default: ``verify`` for a run, detected for a saved
report, see ``detect_mode``). An entry whose cluster folder is absent is skipped with the
reason (the seed cluster lives outside the repository, in CI only); every other problem is an
``InputError`` naming the file and the entry. Each cluster folder is read once per suite run,
however many entries name it, as ``load_cluster`` reads it (``skip_bad``, ``follow_links``).

Pooled scores are over every scored cell and every gold claim of the entries that share a mode
and a model (pooling two models' cells would measure neither): accuracy and macro-F1 over the
pooled cells, claim recall over the pooled gold claims, dispute recall over the pooled gold
disputes, and intervals from a bootstrap that resamples each cluster's claims apart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, Field

from factcheck.errors import FactcheckError, InputError
from factcheck.evaluation.disputes import DisputeScores
from factcheck.evaluation.evaluate import detect_mode
from factcheck.evaluation.gold import load_gold
from factcheck.evaluation.intervals import bootstrap
from factcheck.evaluation.result import ClaimRef, EvalResult
from factcheck.evaluation.run import Matcher, Mode, aevaluate_cluster, aevaluate_report
from factcheck.evaluation.saved import load_report
from factcheck.evaluation.scoring import score_cells
from factcheck.models import Cluster
from factcheck.pipeline import Backend, ProgressListener
from factcheck.stages.load import load_cluster

# The model stack loads only where a model is used: a suite scored with the baseline and the
# lexical matcher never imports it.
if TYPE_CHECKING:
    from factcheck.llm.config import ModelConfig
    from factcheck.llm.gateway import LLM

MODES = ("verify", "end-to-end")
ENTRY_KEYS = ("cluster", "gold", "mode", "report", "name")


class SuiteEntry(BaseModel):
    """One line of a suite: a cluster folder, its gold, a mode, and maybe a saved report.

    ``cluster`` may be None only with a ``report``: the report is then scored without its
    folder (article ids unchecked, noise not judged).
    """

    cluster: Path | None
    gold: Path
    mode: Mode | None = None
    report: Path | None = None
    name: str | None = None

    @property
    def label(self) -> str:
        """How the entry is named in tables and messages."""
        if self.name:
            return self.name
        what = self.cluster.name if self.cluster else str(self.report)
        return f"{what} ({self.mode or ('detected mode' if self.report else 'verify')})"

    def planned_mode(self) -> Mode:
        """The mode this entry will be scored in, known before anything runs.

        A saved report without a mode is read (no model, no cluster folder) to detect it.
        """
        if self.mode is not None:
            return self.mode
        if self.report is None:
            return "verify"
        return detect_mode(load_report(self.report), load_gold(self.gold))


class SkippedEntry(BaseModel):
    """An entry left out, and why."""

    name: str
    reason: str


class SuiteResult(BaseModel):
    """Every entry's result, the pooled results, and what was skipped."""

    results: list[EvalResult]
    pooled: list[EvalResult] = Field(description="One per (mode, model) with two or more entries.")
    skipped: list[SkippedEntry] = Field(default_factory=list)

    def to_contract(self) -> dict:
        """``eval --json`` for several clusters: each entry's document, pooled ones, skipped."""
        return {
            "clusters": [r.to_contract() for r in self.results],
            "pooled": [{**p.to_contract(), "clusters": p.clusters} for p in self.pooled],
            "skipped": [s.model_dump() for s in self.skipped],
        }


def load_suite(path: str | Path) -> list[SuiteEntry]:
    """Read a suite file; paths in it are relative to the file's folder."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the suite file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from exc
    rows = data.get("clusters") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise InputError(f"{path}: a suite lists its entries under clusters: [{{cluster, gold}}]")
    return [_entry(path, n, row) for n, row in enumerate(rows, 1)]


def _entry(path: Path, n: int, row: Any) -> SuiteEntry:
    where = f"{path}: entry {n}"
    if not isinstance(row, dict):
        raise InputError(f"{where}: expected a mapping like {{cluster: DIR, gold: FILE}}")
    unknown = sorted(set(row) - set(ENTRY_KEYS))
    if unknown:
        known = ", ".join(ENTRY_KEYS)
        raise InputError(f"{where}: unknown key(s) {', '.join(unknown)} (use {known})")
    for key in ("cluster", "gold"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise InputError(f"{where}: missing key {key}")
    mode = row.get("mode")
    if mode is not None and mode not in MODES:
        raise InputError(f"{where}: unknown mode {mode!r} (use verify or end-to-end)")
    home = path.parent
    return SuiteEntry(
        cluster=home / row["cluster"],
        gold=home / row["gold"],
        mode=mode,
        report=home / row["report"] if row.get("report") else None,
        name=str(row["name"]) if row.get("name") else None,
    )


def evaluate_suite(
    entries: Sequence[SuiteEntry] | str | Path,
    *,
    matcher: Matcher = "lexical",
    llm: LLM | None = None,
    config: ModelConfig | None = None,
    progress: ProgressListener | None = None,
    backend: Backend = "auto",
    skip_absent: bool = True,
    skip_bad: bool = False,
    follow_links: bool = False,
    notify: Callable[[str], None] | None = None,
) -> SuiteResult:
    """Score a suite (its entries, or the path of a suite file); see :func:`aevaluate_suite`."""
    if isinstance(entries, str | Path):
        entries = load_suite(entries)
    return asyncio.run(
        aevaluate_suite(
            entries, matcher=matcher, llm=llm, config=config, progress=progress,
            backend=backend, skip_absent=skip_absent, skip_bad=skip_bad,
            follow_links=follow_links, notify=notify,
        )
    )  # fmt: skip


async def aevaluate_suite(
    entries: Sequence[SuiteEntry],
    *,
    matcher: Matcher = "lexical",
    llm: LLM | None = None,
    config: ModelConfig | None = None,
    progress: ProgressListener | None = None,
    backend: Backend = "auto",
    skip_absent: bool = True,
    skip_bad: bool = False,
    follow_links: bool = False,
    notify: Callable[[str], None] | None = None,
) -> SuiteResult:
    """Score every entry (running the checker, or reading its saved report) and pool them.

    With ``skip_absent``, an entry whose cluster folder does not exist is skipped and listed;
    otherwise, like every other failure, it names its entry and stops the suite: a gate must
    not pass on what it could not score. Cluster folders are read as ``load_cluster`` reads
    them with ``skip_bad`` and ``follow_links``, each once; ``notify`` is told each warning of
    the reading (a file set aside, an encoding guessed), which also reaches the run's report.
    """
    results: list[EvalResult] = []
    skipped: list[SkippedEntry] = []
    folders = _Folders(skip_bad=skip_bad, follow_links=follow_links, notify=notify)
    for entry in entries:
        if skip_absent and entry.cluster is not None and not entry.cluster.exists():
            reason = f"cluster folder {entry.cluster} not found"
            skipped.append(SkippedEntry(name=entry.label, reason=reason))
            continue
        try:
            results.append(
                await _evaluate_entry(entry, folders, matcher, llm, config, progress, backend)
            )
        except FactcheckError as exc:
            # Keep the error's type (its exit status, MissingAnswers' requests); name the entry.
            exc.args = (f"{entry.label}: {exc}",)
            raise
    return SuiteResult(results=results, pooled=pool_by_mode_and_model(results), skipped=skipped)


class _Folders:
    """The cluster folders of one suite run, each read once, its warnings told once.

    A suite names most folders twice, once per mode.
    """

    def __init__(
        self, *, skip_bad: bool, follow_links: bool, notify: Callable[[str], None] | None
    ) -> None:
        self.skip_bad = skip_bad
        self.follow_links = follow_links
        self.notify = notify
        self.read: dict[Path, Cluster] = {}

    def load(self, folder: Path) -> Cluster:
        key = folder.resolve()
        if key not in self.read:
            cluster = load_cluster(folder, skip_bad=self.skip_bad, follow_links=self.follow_links)
            if self.notify is not None:
                for warning in cluster.warnings:
                    self.notify(warning)
            self.read[key] = cluster
        return self.read[key]


async def _evaluate_entry(
    entry: SuiteEntry,
    folders: _Folders,
    matcher: Matcher,
    llm: LLM | None,
    config: ModelConfig | None,
    progress: ProgressListener | None,
    backend: Backend,
) -> EvalResult:
    cluster = folders.load(entry.cluster) if entry.cluster is not None else None
    if entry.report is not None:
        # The report against its folder first: a report of another folder is the likelier
        # mistake, and the gold's aliases would only say so less plainly.
        report = load_report(entry.report, cluster)
        result = await aevaluate_report(
            report, load_gold(entry.gold, cluster), cluster=cluster, mode=entry.mode,
            matcher=matcher, llm=llm, config=config,
        )  # fmt: skip
        result.source = str(entry.report)
        return result
    gold = load_gold(entry.gold, cluster)
    if cluster is None:
        raise InputError(f"{entry.label}: give the cluster folder to run, or a saved report")
    return await aevaluate_cluster(
        cluster, gold, mode=entry.mode or "verify", matcher=matcher, llm=llm, config=config,
        progress=progress, backend=backend,
    )  # fmt: skip


def pool_by_mode_and_model(results: Sequence[EvalResult]) -> list[EvalResult]:
    """One pooled result per (mode, model) shared by two or more results, in first-seen order."""
    groups: dict[tuple[str, str], list[EvalResult]] = {}
    for result in results:
        groups.setdefault((result.mode, result.model), []).append(result)
    return [pool(group) for group in groups.values() if len(group) > 1]


def pool(results: Sequence[EvalResult]) -> EvalResult:
    """The results of several clusters (one mode, one model) scored as one."""
    first = results[0]
    if any(r.mode != first.mode or r.model != first.model for r in results):
        raise ValueError("only results of one mode and one model pool")
    end_to_end = first.mode == "end-to-end"
    cells = [cell for r in results for claim in r.claim_cells for cell in claim.cells]
    gold_claims = sum(r.gold_claims for r in results)
    paired = sum(r.facts_paired or 0 for r in results)

    def summed(field: str) -> int | None:
        values = [getattr(r, field) for r in results]
        return None if any(v is None for v in values) else sum(values)

    noise = None
    if all(r.noise is not None for r in results):
        noise = [violation for r in results for violation in r.noise or []]
    duplicates = None
    if end_to_end:
        duplicates = [
            ClaimRef(id=f"{r.cluster}/{c.id}", text=c.text)
            for r in results
            for c in r.duplicate_claims or []
        ]
    return EvalResult(
        mode=first.mode,
        cluster=f"pooled ({len(results)} clusters)",
        model=first.model,
        prompts=dict(first.prompts),
        scores=score_cells(cells),
        worst_cells=[],
        gold_claims=gold_claims,
        claim_recall=paired / gold_claims if end_to_end and gold_claims else None,
        claims_predicted=summed("claims_predicted"),
        noise=noise,
        ci=bootstrap([r.claim_cells for r in results], with_recall=end_to_end),
        facts_paired=summed("facts_paired"),
        claims_on_facts=summed("claims_on_facts"),
        duplicate_claims=duplicates,
        disputes=_pooled_disputes(results),
        disputes_predicted=sum(r.disputes_predicted for r in results),
        contradicted_cells=sum(r.contradicted_cells for r in results),
        contradicted_outside=[c for r in results for c in r.contradicted_outside],
        clusters=[r.cluster for r in results],
    )


def _pooled_disputes(results: Sequence[EvalResult]) -> DisputeScores | None:
    scored = [r for r in results if r.disputes is not None]
    if not scored:
        return None
    # Predicted disputes of clusters whose gold lists none cannot be judged: left out, as there.
    return DisputeScores(
        gold=sum(r.disputes.gold for r in scored if r.disputes),
        predicted=sum(r.disputes.predicted for r in scored if r.disputes),
        found=[
            m.model_copy(
                update={
                    "gold_id": f"{r.cluster}/{m.gold_id}",
                    "predicted_id": f"{r.cluster}/{m.predicted_id}",
                }
            )
            for r in scored
            if r.disputes
            for m in r.disputes.found
        ],
        missed=[f"{r.cluster}/{d}" for r in scored if r.disputes for d in r.disputes.missed],
        spurious=[f"{r.cluster}/{d}" for r in scored if r.disputes for d in r.disputes.spurious],
    )
