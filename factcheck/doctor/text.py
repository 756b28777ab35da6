"""The doctor's findings as plain text, for a person at a terminal or in a CI log."""

from __future__ import annotations

from factcheck.doctor.checkup import Checkup

VERDICT_WORD = {"ready": "READY", "weak": "RUNS, ANSWERS WEAK", "cannot": "CANNOT RUN"}


def render_checkup(found: Checkup) -> str:
    """The findings, one part per line group, the verdict last."""
    lines = [f"factcheck doctor: {found.model} at {found.endpoint}"]
    if not found.reachable:
        lines.append("Server: not reachable")
    else:
        said = [found.software or "software not named"]
        if found.listed_models is not None:
            said.append(_listed(found.listed_models))
        lines.append(f"Server: reachable; {'; '.join(said)}")
        if found.context_length is not None:
            lines.append(f"Context length: {found.context_length:,} tokens "
                         f"(from {found.context_source})")  # fmt: skip
        elif found.modes:
            lines.append("Context length: the server does not say")
    if found.modes:
        lines.append("Output modes (one tiny request each, no re-asks):")
        width = max(len(m.mode) for m in found.modes)
        for m in found.modes:
            what = m.detail or (
                "answer in the schema; the server is asked to hold it there" if m.constrained
                else "answer in the schema; the schema is only in the prompt"
            )
            lines.append(f"  {m.mode:<{width}}  {m.outcome:<8} {m.seconds:6.2f} s  {_short(what)}")
        lines.append(f"Mode to use: {found.mode or 'none works'}")
    if found.stages:
        lines.append(f"Stages (one tiny request each in output mode {found.mode}, no re-asks):")
        for s in found.stages:
            speed = f"{s.tokens_per_second:5.1f} tok/s" if s.tokens_per_second else "    - tok/s"
            tokens = f"{s.input_tokens} in + {s.output_tokens} out (budget {s.budget})"
            detail = f"  {_short(s.detail)}" if s.detail else ""
            lines.append(f"  {s.stage:<7}  {s.outcome:<7} {s.seconds:6.2f} s  {speed}  "
                         f"{tokens}{detail}")  # fmt: skip
        if found.tokens_per_second:
            lines.append(f"Speed: {found.tokens_per_second:.1f} answer tokens per second over "
                         "the stage requests (reading the prompt included)")  # fmt: skip
    lines.append(f"Verdict: {VERDICT_WORD[found.verdict]}: {found.summary}")
    lines.extend(f"Note: {note}" for note in found.notes)
    return "\n".join(lines) + "\n"


def _listed(models: list[str]) -> str:
    if len(models) <= 3:
        return f"lists {', '.join(models) or 'no model'}"
    return f"lists {len(models)} models ({', '.join(models[:3])}, …)"


def _short(text: str, limit: int = 160) -> str:
    """A detail cut to fit a line: the full text is in ``--json``."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
