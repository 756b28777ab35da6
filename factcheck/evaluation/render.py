"""Render an eval result: a terminal summary (rich) or a Markdown report (``--out FILE.md``).

A suite (several clusters) renders as one summary table: a row per cluster, then the pooled
rows, every score with its 95% interval.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from rich.text import Text

from factcheck.evaluation.result import CellMiss, EvalResult
from factcheck.evaluation.scoring import PREDICTED_LABELS, SCORED_LABELS
from factcheck.evaluation.suite import SuiteResult
from factcheck.models import Label
from factcheck.render.markdown import md_inert

# Wrong cells listed under the tables; the JSON and the result keep every one.
WORST_SHOWN = 10


def _number(value: float | int | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _labels(labels: tuple[Label, ...]) -> str:
    return " or ".join(label.value for label in labels)


def _interval(ends: tuple[float, float] | None) -> str:
    return "" if ends is None else f"{ends[0]:.3f}–{ends[1]:.3f}"


def _with_interval(value: float | None, ends: tuple[float, float] | None) -> str:
    """A score and its 95% interval in one cell: ``0.912 (0.871–0.948)``."""
    if value is None:
        return "n/a"
    return f"{value:.3f} ({_interval(ends)})" if ends else f"{value:.3f}"


def _summary(result: EvalResult) -> list[tuple[str, str, str]]:
    s = result.scores
    ci = result.ci
    labels = ", ".join(label.value for label in s.labels_scored) or "none"
    rows = [
        ("mode", result.mode, ""),
        ("cells scored", str(s.cells), ""),
        ("correct", str(s.correct), ""),
        ("unresolved (counted wrong)", str(s.unresolved), ""),
        ("accuracy", _number(s.accuracy), _interval(ci.accuracy if ci else None)),
        (f"macro-F1 (over {labels})", _number(s.macro_f1), _interval(ci.macro_f1 if ci else None)),
    ]
    if result.mode == "end-to-end":
        rows += [
            ("claim recall", _number(result.claim_recall),
             _interval(ci.claim_recall if ci else None)),
            ("gold claims", str(result.gold_claims), ""),
            ("claims predicted", _number(result.claims_predicted), ""),
            ("claims per covered fact", _number(result.claims_per_fact), ""),
            ("duplicates", _number(result.duplicates), ""),
            ("noise violations", _number(result.noise_violations), ""),
        ]  # fmt: skip
    d = result.disputes
    if d is not None:
        rows += [
            ("gold disputes found", f"{len(d.found)} of {d.gold}", ""),
            ("dispute recall", _number(d.recall), ""),
            ("dispute precision", _number(d.precision), ""),
            ("dispute kind accuracy", _number(d.kind_accuracy), ""),
        ]
    rows += [
        ("disputes predicted", str(result.disputes_predicted), ""),
        (
            "contradicted cells outside disputes",
            f"{len(result.contradicted_outside)} of {result.contradicted_cells}",
            "",
        ),
    ]
    return rows


def _header(result: EvalResult) -> list[str]:
    line = f"Model: {result.model}"
    if result.prompts:
        line += "   Prompts: " + ", ".join(f"{k} {v}" for k, v in result.prompts.items())
    lines = [line]
    if result.source:
        lines.append(f"Report: {result.source}")
    if result.alignment is not None:
        a = result.alignment
        how = f"threshold {a.threshold}" if a.threshold is not None else f"prompt {a.prompt}"
        duplicates = sum(len(ids) for ids in a.duplicates.values())
        lines.append(
            f"Alignment: {a.method} ({how}), {len(a.pairs)} gold claim(s) paired, "
            f"{duplicates} further link(s) to duplicates"
        )
    if result.ci is not None:
        lines.append(
            f"Intervals: 95% bootstrap over gold claims ({result.ci.draws} draws, "
            f"seed {result.ci.seed})"
        )
    return lines


def _notes(result: EvalResult) -> list[str]:
    notes = [
        f"{label.value}: no gold cell and no prediction; left out of macro-F1"
        for label in result.scores.absent_labels
    ]
    if result.mode == "end-to-end" and result.noise is None:
        notes.append("noise violations not judged: the report was read without its cluster folder")
    if result.disputes is None:
        notes.append("dispute scores left out: the gold file lists no disputes")
    return notes


def _sections(result: EvalResult) -> list[tuple[str, list[str]]]:
    """The lists under the tables, as plain lines shared by terminal and Markdown."""
    sections: list[tuple[str, list[str]]] = []
    d = result.disputes
    if d is not None and (d.found or d.missed or d.spurious):
        lines = [
            f"{m.gold_id} ({m.gold_kind}) found by {m.predicted_id} ({m.predicted_kind}"
            f"{'' if m.kind_right else ', wrong kind'}), holding {', '.join(m.versions)}"
            for m in d.found
        ]
        lines += [f"{gold_id}: not found" for gold_id in d.missed]
        lines += [f"{p}: predicted, matches no gold dispute" for p in d.spurious]
        sections.append(("Disputes", lines))
    if result.unaligned_gold:
        lines = [f"{c.id} {c.text}" for c in result.unaligned_gold]
        sections.append(("Gold claims no predicted claim was aligned to", lines))
    if result.alignment is not None and result.alignment.duplicates:
        lines = [
            f"{gold_id}: {', '.join(result.alignment.aligned_to(gold_id))}"
            for gold_id, ids in result.alignment.duplicates.items()
        ]
        sections.append(("Gold facts stated by several predicted claims (paired first)", lines))
    if result.unaligned_predicted:
        lines = [f"{c.id} {c.text}" for c in result.unaligned_predicted]
        sections.append(("Predicted claims aligned to no gold claim", lines))
    if result.noise:
        lines = [
            f"{v.claim_id} {v.claim_text} — {h.article_id} quotes “{h.quote}” on a line holding "
            f"“{h.noise}”"
            for v in result.noise
            for h in v.hits
        ]
        sections.append(("Claims quoting boilerplate (noise violations)", lines))
    return sections


@dataclass
class _Table:
    """One table, as plain strings, that both renderers lay out their own way."""

    title: str
    header: list[str]
    rows: list[list[str]]
    numeric: bool = True  # the columns after the first hold numbers


def _tables(result: EvalResult) -> list[_Table]:
    s = result.scores
    tables = [
        _Table(
            "Scores", ["metric", "value", "95% interval"], [list(row) for row in _summary(result)]
        ),
        _Table(
            "Per label",
            ["label", "precision", "recall", "F1", "gold", "predicted"],
            [
                [label.value, *map(_number, (p.precision, p.recall, p.f1, p.gold, p.predicted))]
                for label, p in s.per_label.items()
            ],
        ),
        _Table(
            "Confusion (rows gold, columns predicted)",
            ["gold \\ predicted", *(label.value for label in PREDICTED_LABELS)],
            [[g.value, *map(_number, s.confusion[g].values())] for g in SCORED_LABELS],
        ),
    ]
    if result.worst_cells:
        shown = result.worst_cells[:WORST_SHOWN]
        rows = [
            [_claim(m), m.article_id, _labels(m.gold), m.predicted.value, _why(m)] for m in shown
        ]
        header = ["claim", "article", "gold", "predicted", "evidence / rationale"]
        title = f"Worst cells ({len(shown)} of {len(result.worst_cells)} wrong)"
        tables.append(_Table(title, header, rows, numeric=False))
    return tables


def _claim(miss: CellMiss) -> str:
    found = f" (found as {miss.predicted_claim_id})" if miss.predicted_claim_id else ""
    return f"{miss.claim_id} {miss.claim_text}{found}"


def _why(miss: CellMiss) -> str:
    return f"“{miss.evidence}” ({miss.rationale})" if miss.evidence else miss.rationale


def render_eval_terminal(result: EvalResult, console: Console) -> None:
    """Print the scores: summary, per-label table, confusion matrix, worst cells, details."""
    console.print(Text(f"factcheck eval: {result.cluster} ({result.mode})", style="bold"))
    for line in _header(result):
        console.print(Text(line))
    for spec in _tables(result):
        table = Table(title=spec.title, title_justify="left")
        for n, name in enumerate(spec.header):
            table.add_column(name, justify="right" if spec.numeric and n else "left")
        for row in spec.rows:
            # Text, not str: a claim holding "[bold]" must print as written, not as markup.
            table.add_row(*(Text(cell) for cell in row))
        console.print(table)
    for note in _notes(result):
        console.print(Text(f"Note: {note}", style="yellow"))
    for title, lines in _sections(result):
        console.print(Text(f"\n{title}", style="bold"))
        for line in lines:
            console.print(Text(line))


def render_eval_markdown(result: EvalResult) -> str:
    """The scores as Markdown, for a ticket or a pull request; model text is kept inert."""
    out = [f"# factcheck eval: {md_inert(result.cluster)} ({result.mode})", ""]
    out += [f"- {md_inert(line)}" for line in _header(result)]
    for spec in _tables(result):
        align = ["---:" if spec.numeric and n else "---" for n in range(len(spec.header))]
        out += ["", f"## {spec.title}", "", _md_row(spec.header), _md_row(align, escape=False)]
        out += [_md_row(row) for row in spec.rows]
    out += [f"\n> Note: {md_inert(note)}" for note in _notes(result)]
    for title, lines in _sections(result):
        out += ["", f"## {title}", ""]
        out += [f"- {md_inert(line)}" for line in lines]
    return "\n".join(out) + "\n"


def _md_row(cells: list[str], escape: bool = True) -> str:
    return "| " + " | ".join(md_inert(c) if escape else c for c in cells) + " |"


def _suite_table(suite: SuiteResult) -> _Table:
    models = {r.model for r in suite.results}
    header = [
        "cluster", "mode", *(["model"] if len(models) > 1 else []), "cells", "accuracy",
        "macro-F1", "claim recall", "claims/fact", "dispute recall", "dispute precision",
        "contradicted outside disputes",
    ]  # fmt: skip
    rows = []
    for result in [*suite.results, *suite.pooled]:
        ci = result.ci
        d = result.disputes
        rows.append([
            result.cluster if not result.source else f"{result.cluster} (saved report)",
            result.mode,
            *([result.model] if len(models) > 1 else []),
            str(result.scores.cells),
            _with_interval(result.scores.accuracy, ci.accuracy if ci else None),
            _with_interval(result.scores.macro_f1, ci.macro_f1 if ci else None),
            _with_interval(result.claim_recall, ci.claim_recall if ci else None),
            _number(result.claims_per_fact),
            _number(d.recall if d else None),
            _number(d.precision if d else None),
            f"{len(result.contradicted_outside)} of {result.contradicted_cells}",
        ])  # fmt: skip
    title = "Summary" + (f" (model {next(iter(models))})" if len(models) == 1 else "")
    return _Table(title, header, rows)


def _suite_notes(suite: SuiteResult) -> list[str]:
    notes = [f"skipped {s.name}: {s.reason}" for s in suite.skipped]
    notes += [
        f"macro-F1 of {r.cluster} ({r.mode}) is over "
        f"{', '.join(label.value for label in r.scores.labels_scored) or 'no label'}"
        for r in [*suite.results, *suite.pooled]
        if len(r.scores.labels_scored) < len(SCORED_LABELS)
    ]
    return notes


def render_suite_terminal(suite: SuiteResult, console: Console) -> None:
    """Print one summary table: a row per cluster and mode, then the pooled rows.

    Into a file or a CI log (not a terminal) the table keeps its natural width rather than
    wrapping every cell at 80 columns.
    """
    console.print(Text(f"factcheck eval: {len(suite.results)} cluster run(s)", style="bold"))
    spec = _suite_table(suite)
    table = Table(title=spec.title, title_justify="left")
    first_number = spec.header.index("cells")
    for n, name in enumerate(spec.header):
        right = n >= first_number
        table.add_column(name, justify="right" if right else "left", overflow="fold")
    for row in spec.rows:
        table.add_row(*(Text(cell) for cell in row))
    natural = console.measure(table, options=console.options.update_width(1000)).maximum
    width = console.width
    if not console.is_terminal and natural > width:
        console.width = natural  # print() caps any width it is given at the console's
    try:
        console.print(table)
    finally:
        console.width = width
    console.print(Text("Intervals: 95% bootstrap over gold claims, each cluster resampled apart."))
    for note in _suite_notes(suite):
        console.print(Text(f"Note: {note}", style="yellow"))


def render_suite_markdown(suite: SuiteResult) -> str:
    """The suite's summary table as Markdown, for a pull request or a CI job summary."""
    spec = _suite_table(suite)
    first_number = spec.header.index("cells")
    align = ["---" if n < first_number else "---:" for n in range(len(spec.header))]
    out = [f"# factcheck eval: {len(suite.results)} cluster run(s)", "", f"## {spec.title}", ""]
    out += [_md_row(spec.header), _md_row(align, escape=False)]
    out += [_md_row(row) for row in spec.rows]
    out += ["", "Intervals: 95% bootstrap over gold claims, each cluster resampled apart."]
    out += [f"\n> Note: {md_inert(note)}" for note in _suite_notes(suite)]
    return "\n".join(out) + "\n"
