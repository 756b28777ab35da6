"""``factcheck eval``: score the checker on a cluster against its gold; gate on thresholds."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from factcheck.cli.common import (
    Gateway,
    live_progress,
    load,
    one_line_errors,
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
    SkipBadOpt,
    StoreOpt,
    TimeoutOpt,
    VerboseOpt,
)


class EvalMode(StrEnum):
    """What ``eval`` scores."""

    verify = "verify"
    end_to_end = "end-to-end"


class MatcherName(StrEnum):
    """How ``eval --mode end-to-end`` pairs predicted claims with gold claims."""

    lexical = "lexical"
    llm = "llm"


def eval_command(
    cluster_dir: Annotated[Path, typer.Argument(help="Folder with one file per article")],
    gold_path: Annotated[Path, typer.Option("--gold", help="Gold labels (YAML)")],
    mode: Annotated[
        EvalMode,
        typer.Option(
            "--mode", help="verify: check the gold claims; end-to-end: the whole pipeline"
        ),
    ] = EvalMode.verify,
    matcher: Annotated[
        MatcherName, typer.Option("--matcher", help="end-to-end: how claims are paired")
    ] = MatcherName.lexical,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON contract")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write a Markdown report here")
    ] = None,
    min_macro_f1: Annotated[
        float | None,
        typer.Option("--min-macro-f1", min=0, max=1, help="Exit 1 when macro-F1 is below X"),
    ] = None,
    min_claim_recall: Annotated[
        float | None,
        typer.Option(
            "--min-claim-recall",
            min=0,
            max=1,
            help="Exit 1 when claim recall is below X (end-to-end)",
        ),
    ] = None,
    max_noise: Annotated[
        int | None,
        typer.Option(
            "--max-noise", min=0, help="Exit 1 when more than N claims quote boilerplate"
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
    refresh: RefreshOpt = None,
    skip_bad: SkipBadOpt = False,
    follow_links: FollowLinksOpt = False,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Score the checker on CLUSTER_DIR against hand-labelled gold; exit 1 below a threshold."""
    # Imported here, not above: `factcheck --help` must not pay for the eval.
    from factcheck.evaluation.gold import load_gold
    from factcheck.evaluation.render import render_eval_markdown, render_eval_terminal
    from factcheck.evaluation.result import missed_thresholds
    from factcheck.evaluation.run import evaluate_cluster
    from factcheck.pipeline import choose_backend

    gateway = Gateway()
    with one_line_errors(gateway):
        cluster = load(cluster_dir, skip_bad=skip_bad, follow_links=follow_links)
        gold = load_gold(gold_path, cluster)
        if gold.cluster != cluster.id:
            typer.echo(f"factcheck: note: {gold_path} is gold for '{gold.cluster}', "
                       f"scored on folder '{cluster.id}'", err=True)  # fmt: skip
        chosen = choose_backend(backend.value, model=model)
        llm = None
        if chosen == "llm" or matcher is MatcherName.llm:
            llm = gateway.open(
                model=model, base_url=base_url, mode=output_mode, concurrency=concurrency,
                store=store, offline=offline, prices=prices, verbose=verbose, timeout=timeout,
                max_output_tokens=max_output_tokens,
                refresh=[stage.value for stage in refresh or ()],
            )  # fmt: skip
        with live_progress(quiet) as progress:
            result = evaluate_cluster(
                cluster, gold, mode=mode.value, matcher=matcher.value, llm=llm,
                progress=progress, backend=chosen,
            )  # fmt: skip
    if out is not None:
        write(out, lambda: render_eval_markdown(result), "the eval report (Markdown)")
    if as_json:
        write(None, lambda: json.dumps(result.to_contract(), indent=2) + "\n")
    else:
        write_terminal(None, lambda console: render_eval_terminal(result, console))
    missed = missed_thresholds(
        result, min_macro_f1=min_macro_f1, min_claim_recall=min_claim_recall, max_noise=max_noise
    )
    for line in missed:
        typer.echo(f"factcheck: eval below threshold: {line}", err=True)
    if missed:
        raise typer.Exit(1)
