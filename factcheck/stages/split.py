"""Cutting to size: a text into spans at its natural breaks, a list into groups.

Pure functions with no notion of prompts or models: ``stages/chunks.py`` decides what a piece
may cost (in tokens, against the request budget) and hands the cost function in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import TypeVar

from factcheck.models import Span

T = TypeVar("T")

# Where a text may be cut, coarsest first. A cut falls after its separator.
_CUTS = (
    re.compile(r"\n[ \t\r]*\n\s*"),  # a blank line: between paragraphs
    re.compile(r"\n\s*"),  # a line break
    re.compile(r"""(?<=[.!?])\s+|(?<=[.!?]["'\u201d\u2019)\]])\s+"""),  # a sentence end
    re.compile(r"\s+"),  # a space
)


def split_text(
    text: str, room: int, cost: Callable[[str], int], start: int = 0, end: int | None = None
) -> list[tuple[Span, int]]:
    """Cut ``text[start:end]`` into consecutive spans, each costing at most ``room``.

    Cuts at the coarsest separator that will do: paragraphs are packed together while they
    fit, and only a paragraph too long on its own is cut at its line breaks, then its sentence
    ends, then its spaces. The spans cover the range without gap or overlap; each comes with
    its cost, the sum of its pieces' (a single character costing more than ``room`` is the
    only span that may exceed it). Each piece is costed once per level it is cut at, so a text
    is measured a few times over at most, never once per character.
    """
    out: list[tuple[Span, int]] = []
    _split(text, start, len(text) if end is None else end, room, cost, 0, out)
    return out


def _pieces(text: str, start: int, end: int, level: int) -> list[tuple[int, int]]:
    if level < len(_CUTS):
        cuts = [m.end() for m in _CUTS[level].finditer(text, start, end)]
    else:  # no separator left inside (a run of text with no space at all): halves
        cuts = [(start + end) // 2]
    bounds = sorted({start, end, *(c for c in cuts if start < c < end)})
    return list(pairwise(bounds))


def _split(
    text: str, start: int, end: int, room: int, cost: Callable[[str], int], level: int,
    out: list[tuple[Span, int]],
) -> None:  # fmt: skip
    pieces = _pieces(text, start, end, level)
    if len(pieces) == 1 and level < len(_CUTS):
        _split(text, start, end, room, cost, level + 1, out)
        return
    held: list[int] = []  # start, end and cost of the span being packed

    def flush() -> None:
        if held:
            out.append((Span(start=held[0], end=held[1]), held[2]))
            held.clear()

    for s, e in pieces:
        c = cost(text[s:e])
        if c > room:
            flush()
            if e - s <= 1:
                out.append((Span(start=s, end=e), c))
            else:
                _split(text, s, e, room, cost, level + 1, out)
        elif held and held[2] + c <= room:
            held[1], held[2] = e, held[2] + c
        else:
            flush()
            held.extend((s, e, c))
    flush()


def pack(items: Sequence[T], costs: Sequence[float], room: float) -> list[list[T]]:
    """Consecutive groups of ``items`` whose costs add up to at most ``room`` each.

    An item that alone costs more than ``room`` is a group of its own: an item is never cut.
    """
    groups: list[list[T]] = []
    used = 0.0
    for item, c in zip(items, costs, strict=True):
        if groups and used + c <= room:
            groups[-1].append(item)
            used += c
        else:
            groups.append([item])
            used = c
    return groups
