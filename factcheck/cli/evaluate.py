"""``factcheck eval``: score the checker against gold, one cluster or many; gate on thresholds.

Three ways to say what to score, one exit status:

- ``eval CLUSTER_DIR... --gold GOLD``: run the checker on each folder (``--gold`` once per
  folder, or one folder holding ``<cluster>.yaml`` files);
- ``eval --report REPORT.json --gold GOLD.yaml [CLUSTER_DIR]``: score a saved JSON report, no
  model and no run (the folder, when given, checks the article ids and lets noise be judged);
- ``eval --suite SUITE.yaml``: every entry of a suite file (``factcheck.evaluation.suite``).

One entry prints its full scores; several print one summary table with the pooled rows.
The evaluation package is imported when the command runs, not above: ``factcheck --help``
must not pay for it.
"""

from __future__ import annotations

import asyncio
import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from factcheck.cli.common import (
    Gateway,
    fail,
    live_progress,
    one_line_errors,
    say_warning,
    write,
    write_terminal,
)
from factcheck.cli.options import (
    BackendName,
    BackendOpt,
    BaseUrlOpt,
    ConcurrencyOpt,
    FollowLinksOpt,
    MaxOutputTokensOpt,
    ModelOpt,
    OfflineOpt,
    OutputModeOpt,
    PricesOpt,
    QuietOpt,
    RefreshOpt,
    RequestTokensOpt,
    SkipBadOpt,
    StoreOpt,
    TimeoutOpt,
    VerboseOpt,
)

if TYPE_CHECKING:
    from factcheck.evaluation.suite import SuiteEntry, SuiteResult
    from factcheck.evaluation.thresholds import Thresholds


class EvalMode(StrEnum):
    """What ``eval`` scores."""

    verify = "verify"
    end_to_end = "end-to-end"


class MatcherName(StrEnum):
    """How ``eval --mode end-to-end`` pairs predicted claims with gold claims."""

    lexical = "lexical"
    llm = "llm"


def _score_option(name: str, help: str) -> typer.models.OptionInfo:
    return typer.Option(name, min=0, max=1, show_default=False, help=help)


def eval_command(
    cluster_dirs: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Cluster folder(s) to run the checker on; with --report, the report's folder",
            show_default=False,
        ),
    ] = None,
    gold_paths: Annotated[
        list[Path] | None,
        typer.Option(
            "--gold",
            help="Gold labels (YAML): once per CLUSTER_DIR, or a folder of <cluster>.yaml files",
            show_default=False,
        ),
    ] = None,
    report_path: Annotated[
        Path | None,
        typer.Option("--report", help="Score this saved JSON report; run nothing"),
    ] = None,
    suite_path: Annotated[
        Path | None,
        typer.Option("--suite", help="Score every entry of a suite file (eval/suite.yaml)"),
    ] = None,
    mode: Annotated[
        EvalMode | None,
        typer.Option(
            "--mode",
            help="verify: check the gold claims (the default for a run); end-to-end: the "
            "whole pipeline; a saved report's is detected",
            show_default=False,
        ),
    ] = None,
    matcher: Annotated[
        MatcherName, typer.Option("--matcher", help="end-to-end: how claims are paired")
    ] = MatcherName.lexical,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON contract")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write a Markdown report here")
    ] = None,
    min_accuracy: Annotated[
        float | None, _score_option("--min-accuracy", "Exit 1 when accuracy is below X")
    ] = None,
    min_macro_f1: Annotated[
        float | None, _score_option("--min-macro-f1", "Exit 1 when macro-F1 is below X")
    ] = None,
    min_claim_recall: Annotated[
        float | None,
        _score_option("--min-claim-recall", "Exit 1 when claim recall is below X (end-to-end)"),
    ] = None,
    max_noise: Annotated[
        int | None,
        typer.Option(
            "--max-noise",
            min=0,
            show_default=False,
            help="Exit 1 when more than N claims quote boilerplate (end-to-end)",
        ),
    ] = None,
    max_claims_per_fact: Annotated[
        float | None,
        typer.Option(
            "--max-claims-per-fact",
            min=0,
            show_default=False,
            help="Exit 1 when claims per paired gold fact exceed X (end-to-end)",
        ),
    ] = None,
    min_dispute_recall: Annotated[
        float | None,
        _score_option(
            "--min-dispute-recall",
            "Exit 1 when dispute recall is below X (a gold file must list disputes)",
        ),
    ] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    output_mode: OutputModeOpt = None,
    concurrency: ConcurrencyOpt = 8,
    store: StoreOpt = None,
    offline: OfflineOpt = False,
    prices: PricesOpt = None,
    backend: BackendOpt = BackendName.auto,
    timeout: TimeoutOpt = None,
    max_output_tokens: MaxOutputTokensOpt = None,
    request_tokens: RequestTokensOpt = None,
    refresh: RefreshOpt = None,
    skip_bad: SkipBadOpt = False,
    follow_links: FollowLinksOpt = False,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Score the checker against hand-labelled gold; exit 1 when a threshold is missed.

    Run it on CLUSTER_DIR(s), score a saved --report, or a whole --suite. A threshold on a
    score the run cannot produce (claim recall in verify mode) is a usage error, exit 2.
    """
    from factcheck.evaluation.gold import load_gold
    from factcheck.evaluation.suite import aevaluate_suite
    from factcheck.evaluation.thresholds import Thresholds
    from factcheck.pipeline import choose_backend

    gateway = Gateway()
    thresholds = Thresholds(
        min_accuracy=min_accuracy, min_macro_f1=min_macro_f1, min_claim_recall=min_claim_recall,
        max_noise=max_noise, max_claims_per_fact=max_claims_per_fact,
        min_dispute_recall=min_dispute_recall,
    )  # fmt: skip
    with one_line_errors(gateway):
        entries, skip_absent = _entries(
            cluster_dirs or [], gold_paths or [], report_path, suite_path, mode
        )
        planned = [e for e in entries if not (skip_absent and _absent(e))]
        problems = thresholds.usage_problems(
            (e.planned_mode() for e in planned),
            (load_gold(e.gold).disputes_listed for e in planned),
        )
        if problems:
            fail(problems[0], 2)
        chosen = choose_backend(backend.value, model=model)
        runs = any(e.report is None for e in planned)
        llm = None
        if (runs and chosen == "llm") or matcher is MatcherName.llm:
            llm = gateway.open(
                model=model, base_url=base_url, mode=output_mode, concurrency=concurrency,
                store=store, offline=offline, prices=prices, verbose=verbose, timeout=timeout,
                max_output_tokens=max_output_tokens, request_tokens=request_tokens,
                refresh=[stage.value for stage in refresh or ()],
            )  # fmt: skip
        with live_progress(quiet) as progress:
            suite = asyncio.run(
                aevaluate_suite(
                    entries, matcher=matcher.value, llm=llm, progress=progress, backend=chosen,
                    skip_absent=skip_absent, skip_bad=skip_bad, follow_links=follow_links,
                    notify=say_warning,
                )
            )  # fmt: skip
    for skipped in suite.skipped:
        typer.echo(f"factcheck: note: skipped {skipped.name}: {skipped.reason}", err=True)
    if not suite.results:
        # A gate on nothing must not pass.
        fail("nothing was scored: every entry of the suite was skipped", 2)
    single = len(entries) == 1 and len(suite.results) == 1
    _print(suite, single, as_json, out)
    missed = _missed(suite, thresholds)
    for line in missed:
        typer.echo(f"factcheck: eval below threshold: {line}", err=True)
    if missed:
        raise typer.Exit(1)


def _entries(
    dirs: list[Path],
    golds: list[Path],
    report: Path | None,
    suite: Path | None,
    mode: EvalMode | None,
) -> tuple[list[SuiteEntry], bool]:
    """What to score, from the command's arguments; usage errors exit 2."""
    from factcheck.evaluation.suite import SuiteEntry, load_suite

    chosen = mode.value if mode else None
    if suite is not None:
        if dirs or golds or report or mode:
            fail("--suite takes no CLUSTER_DIR, --gold, --report or --mode: its lines give them", 2)
        return load_suite(suite), True
    if not golds:
        fail("give --gold GOLD.yaml (or --suite SUITE.yaml)", 2)
    if report is not None:
        if len(dirs) > 1 or len(golds) > 1:
            fail("--report scores one report: give at most one CLUSTER_DIR and one --gold", 2)
        cluster = dirs[0] if dirs else None
        return [SuiteEntry(cluster=cluster, gold=golds[0], mode=chosen, report=report)], False
    if not dirs:
        fail("give CLUSTER_DIR(s), --report REPORT.json or --suite SUITE.yaml", 2)
    if len(golds) == 1 and golds[0].is_dir():
        golds = [_gold_in(golds[0], folder) for folder in dirs]
    elif len(golds) != len(dirs):
        fail(
            f"{len(dirs)} CLUSTER_DIR(s) and {len(golds)} --gold file(s): give one per folder, "
            "or one --gold folder holding <cluster>.yaml",
            2,
        )
    entries = [SuiteEntry(cluster=d, gold=g, mode=chosen) for d, g in zip(dirs, golds, strict=True)]
    if len(entries) == 1:
        _note_other_cluster(entries[0])
    return entries, False


def _gold_in(folder: Path, cluster: Path) -> Path:
    gold = folder / f"{cluster.resolve().name}.yaml"
    if not gold.is_file():
        fail(f"no gold file {gold} for cluster folder {cluster}", 2)
    return gold


def _absent(entry: SuiteEntry) -> bool:
    return entry.cluster is not None and not entry.cluster.exists()


def _note_other_cluster(entry: SuiteEntry) -> None:
    from factcheck.evaluation.gold import load_gold

    if entry.cluster is None or not entry.gold.is_file() or not entry.cluster.is_dir():
        return
    gold = load_gold(entry.gold)
    name = entry.cluster.resolve().name
    if gold.cluster != name:
        typer.echo(
            f"factcheck: note: {entry.gold} is gold for '{gold.cluster}', scored on folder "
            f"'{name}'",
            err=True,
        )


def _print(suite: SuiteResult, single: bool, as_json: bool, out: Path | None) -> None:
    from factcheck.evaluation.render import (
        render_eval_markdown,
        render_eval_terminal,
        render_suite_markdown,
        render_suite_terminal,
    )

    if single:
        result = suite.results[0]
        if out is not None:
            write(out, lambda: render_eval_markdown(result), "the eval report (Markdown)")
        if as_json:
            write(None, lambda: json.dumps(result.to_contract(), indent=2) + "\n")
        else:
            write_terminal(None, lambda console: render_eval_terminal(result, console))
        return
    if out is not None:
        write(out, lambda: render_suite_markdown(suite), "the eval summary (Markdown)")
    if as_json:
        write(None, lambda: json.dumps(suite.to_contract(), indent=2) + "\n")
    else:
        write_terminal(None, lambda console: render_suite_terminal(suite, console))


def _missed(suite: SuiteResult, thresholds: Thresholds) -> list[str]:
    """Gate each (mode, model) group on its pooled result, a lone entry on its own."""
    pooled = {(p.mode, p.model) for p in suite.pooled}
    gated = list(suite.pooled)
    gated += [r for r in suite.results if (r.mode, r.model) not in pooled]
    named = len(suite.results) > 1
    return [
        line
        for result in gated
        for line in thresholds.missed(
            result, f"{result.cluster} ({result.mode})" if named else None
        )
    ]
