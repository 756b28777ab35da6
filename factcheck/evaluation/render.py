"""Render an eval result: a terminal summary (rich) or a Markdown report (``--out FILE.md``)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from rich.text import Text

from factcheck.evaluation.result import CellMiss, EvalResult
from factcheck.evaluation.scoring import PREDICTED_LABELS, SCORED_LABELS
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


def _summary(result: EvalResult) -> list[tuple[str, str]]:
    s = result.scores
    rows = [
        ("mode", result.mode),
        ("cells scored", str(s.cells)),
        ("correct", str(s.correct)),
        ("unresolved (counted wrong)", str(s.unresolved)),
        ("accuracy", _number(s.accuracy)),
        ("macro-F1", _number(s.macro_f1)),
    ]
    if result.mode == "end-to-end":
        rows += [
            ("claim recall", _number(result.claim_recall)),
            ("gold claims", str(result.gold_claims)),
            ("claims predicted", _number(result.claims_predicted)),
            ("noise violations", _number(result.noise_violations)),
        ]
    return rows


def _header(result: EvalResult) -> list[str]:
    prompts = ", ".join(f"{k} {v}" for k, v in result.prompts.items())
    lines = [f"Model: {result.model}   Prompts: {prompts}"]
    if result.alignment is not None:
        a = result.alignment
        how = f"threshold {a.threshold}" if a.threshold is not None else f"prompt {a.prompt}"
        lines.append(f"Alignment: {a.method} ({how}), {len(a.pairs)} pair(s)")
    return lines


def _notes(result: EvalResult) -> list[str]:
    return [
        f"{label.value}: no gold cell and no prediction; its F1 of 0 still counts in macro-F1"
        for label in result.scores.absent_labels
    ]


def _sections(result: EvalResult) -> list[tuple[str, list[str]]]:
    """The lists under the tables, as plain lines shared by terminal and Markdown."""
    sections: list[tuple[str, list[str]]] = []
    if result.unaligned_gold:
        lines = [f"{c.id} {c.text}" for c in result.unaligned_gold]
        sections.append(("Gold claims no predicted claim was aligned to", lines))
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
        _Table("Scores", ["metric", "value"], [list(row) for row in _summary(result)]),
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
