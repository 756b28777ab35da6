"""``factcheck doctor``: whether this endpoint's model can run factcheck, and in which mode.

Against the configured endpoint, never through the response store: whether it is reachable
and what it says about itself (its models, software, context length), one tiny request per
output mode, then one tiny request per stage in the mode that works, through the stages' own
code (prompts, schemas, validators, output budgets) with no re-asks. It times each request
and says plainly whether factcheck can run. It judges formats, never accuracy: a model whose
answers validate may still be wrong about the news.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Literal

import openai
from pydantic import BaseModel

from factcheck.doctor.sample import (
    ARTICLES,
    CLAIMS,
    EXTRACTED,
    PROBE_BUDGET,
    PROBE_MESSAGES,
    CapitalProbe,
)
from factcheck.errors import AnswerError, ModelCallError
from factcheck.llm.config import ModelConfig, RetryPolicy
from factcheck.llm.gateway import LLM
from factcheck.llm.modes import OUTPUT_MODES, PREFERENCE
from factcheck.llm.server import list_models, refused_context_length, server_software
from factcheck.stages.budget import (
    EXTRACT_BASE,
    EXTRACT_PER_CHARACTER,
    check_budget,
    extract_budget,
    merge_budget,
)
from factcheck.stages.check import check_article
from factcheck.stages.extract import extract_article
from factcheck.stages.merge import merge_claims
from factcheck.usage import Usage

Verdict = Literal["ready", "weak", "cannot"]
EXIT_CODES: dict[str, int] = {"ready": 0, "cannot": 1, "weak": 3}
# Two quick tries per request: a diagnosis should not wait out a long backoff.
DOCTOR_RETRY = RetryPolicy(attempts=2, initial_wait=0.5, max_wait=5.0)
CHARS_PER_TOKEN = 4  # English news, roughly


class ModeResult(BaseModel):
    """How one output mode fared on the tiny probe."""

    mode: str
    outcome: Literal["works", "invalid", "refused", "failed"]
    detail: str = ""
    seconds: float
    constrained: bool


class StageResult(BaseModel):
    """How one stage's tiny request fared."""

    stage: str
    outcome: Literal["valid", "invalid", "failed"]
    detail: str = ""
    seconds: float
    input_tokens: int = 0
    output_tokens: int = 0
    budget: int

    @property
    def tokens_per_second(self) -> float | None:
        """Answer tokens per second of wall time, request included."""
        return self.output_tokens / self.seconds if self.seconds > 0 else None


class Checkup(BaseModel):
    """What ``factcheck doctor`` found; ``verdict`` and ``exit_code`` say it in one word."""

    endpoint: str
    model: str
    reachable: bool
    problem: str | None = None
    listed_models: list[str] | None = None
    software: str | None = None
    context_length: int | None = None
    context_source: str | None = None
    configured_mode: str
    modes: list[ModeResult] = []
    mode: str | None = None
    stages: list[StageResult] = []
    verdict: Verdict
    summary: str
    notes: list[str] = []

    @property
    def exit_code(self) -> int:
        """0: ready; 3: runs, but its answers failed factcheck's checks; 1: cannot run."""
        return EXIT_CODES[self.verdict]

    @property
    def tokens_per_second(self) -> float | None:
        """Answer tokens per second over the stage requests."""
        seconds = sum(s.seconds for s in self.stages)
        tokens = sum(s.output_tokens for s in self.stages)
        return tokens / seconds if seconds > 0 and tokens else None


def checkup(config: ModelConfig) -> Checkup:
    """Examine the endpoint and model of ``config``; see the module docstring."""
    return asyncio.run(acheckup(config))


async def acheckup(config: ModelConfig) -> Checkup:
    """The async twin of :func:`checkup`."""
    config = config.model_copy(update={"max_reasks": 0, "retry": DOCTOR_RETRY})
    base = LLM(config)
    found = Checkup(endpoint=config.endpoint, model=config.model, reachable=True,
                    configured_mode=config.output_mode().name, verdict="cannot",
                    summary="")  # fmt: skip
    if not await _discover(base, found):
        return _judged(found)
    for name in PREFERENCE:
        found.modes.append(await _probe(config, name))
    if found.software and found.software.startswith("llama-cpp-python"):
        told = await refused_context_length(base)
        if told is not None and found.context_length is None:
            found.context_length, found.context_source = told.tokens, told.source
    found.mode = _mode_to_use(found)
    if found.mode is not None:
        found.stages = await _stages(config.model_copy(update={"mode": found.mode}))
    return _judged(found)


async def _discover(llm: LLM, found: Checkup) -> bool:
    """Reachability, models and software; ``False`` when there is no point going on."""
    try:
        listing = await list_models(llm, found.model)
    except openai.NotFoundError:
        listing = None  # reachable; no /models route
    except openai.AuthenticationError:
        found.problem = f"{found.endpoint} refused the API key (401): check OPENAI_API_KEY"
        return False
    except openai.APIStatusError:
        listing = None  # it answered, with an error: the probes will say more
    except openai.APIError as exc:
        found.reachable = False
        found.problem = str(llm.call_error(exc))
        return False
    if listing is not None:
        found.listed_models = listing.ids
        if listing.context_length:
            found.context_length = listing.context_length
            found.context_source = f"its model list ({listing.context_field})"
    if not llm.config.is_openai:
        found.software = await server_software(llm)
    return True


async def _probe(config: ModelConfig, name: str) -> ModeResult:
    llm = LLM(config.model_copy(update={"mode": name}))
    constrained = OUTPUT_MODES[name].constrained
    started = time.monotonic()
    try:
        await llm.structured(stage="doctor", response_model=CapitalProbe,
                             messages=PROBE_MESSAGES, context={}, usage=Usage(),
                             max_tokens=PROBE_BUDGET)  # fmt: skip
    except AnswerError as exc:
        return ModeResult(mode=name, outcome="invalid", detail=exc.reason,
                          seconds=_since(started), constrained=constrained)  # fmt: skip
    except ModelCallError as exc:
        said = str(exc).removeprefix(config.endpoint).lstrip(": ")
        outcome = "refused" if said.startswith("refused the request") else "failed"
        # The mode advice is what this table gives; keep the server's words.
        said = said.split(": output mode ")[0]
        return ModeResult(mode=name, outcome=outcome, detail=said,
                          seconds=_since(started), constrained=constrained)  # fmt: skip
    return ModeResult(mode=name, outcome="works", seconds=_since(started),
                      constrained=constrained)  # fmt: skip


def _mode_to_use(found: Checkup) -> str | None:
    """The configured mode when it works and holds answers to the schema; else the first.

    The first that works, in the order of ``PREFERENCE``: modes that hold answers to the
    schema before those that only put it in the prompt.
    """
    works = [m.mode for m in found.modes if m.outcome == "works"]
    if found.configured_mode in works and OUTPUT_MODES[found.configured_mode].constrained:
        return found.configured_mode
    return works[0] if works else None


async def _stages(config: ModelConfig) -> list[StageResult]:
    llm = LLM(config)
    a, b = ARTICLES

    async def extract(usage: Usage) -> list[str]:
        extraction = await extract_article(llm, a, usage)
        return [] if extraction.status == "ok" else extraction.warnings

    async def merge(usage: Usage) -> list[str]:
        return (await merge_claims(llm, ARTICLES, EXTRACTED, usage)).warnings

    async def check(usage: Usage) -> list[str]:
        return (await check_article(llm, b, CLAIMS, usage))[1]

    planned: list[tuple[str, Callable[[Usage], Awaitable[list[str]]], int]] = [
        ("extract", extract, extract_budget(a)),
        ("merge", merge, merge_budget(len(EXTRACTED))),
        ("check", check, check_budget(len(CLAIMS))),
    ]
    if config.max_output_tokens:
        planned = [(stage, run, config.max_output_tokens) for stage, run, _ in planned]
    results = []
    for stage, run, budget in planned:
        results.append(await _stage(stage, run, budget))
        if results[-1].outcome == "failed":
            break  # the endpoint refused: the next stage would say the same
    return results


async def _stage(
    stage: str, run: Callable[[Usage], Awaitable[list[str]]], budget: int
) -> StageResult:
    usage = Usage()
    started = time.monotonic()
    try:
        problems = await run(usage)
    except ModelCallError as exc:
        return StageResult(stage=stage, outcome="failed", detail=str(exc),
                           seconds=_since(started), budget=budget)  # fmt: skip
    spent = usage.stages.get(stage)
    if spent is not None and spent.too_long:
        # The stage goes on without the refused request; for doctor, the endpoint refused.
        return StageResult(stage=stage, outcome="failed", detail=problems[0],
                           seconds=_since(started), budget=budget)  # fmt: skip
    return StageResult(
        stage=stage,
        outcome="invalid" if problems else "valid",
        detail=problems[0] if problems else "",
        seconds=_since(started),
        input_tokens=spent.input_tokens if spent else 0,
        output_tokens=spent.output_tokens if spent else 0,
        budget=budget,
    )


def _judged(found: Checkup) -> Checkup:
    """The verdict, its one-line summary, and the notes."""
    notes: list[str] = []
    failed = next((s for s in found.stages if s.outcome == "failed"), None)
    weak = [s for s in found.stages if s.outcome == "invalid"]
    if found.problem is not None:
        found.verdict = "cannot"
        found.summary = f"factcheck cannot run here: {found.problem}"
    elif found.mode is None:
        found.verdict = "cannot"
        found.summary = (
            "factcheck cannot run with this model: no output mode gave an answer in the "
            "schema (each mode's result is above)"
        )
    elif failed is not None:
        found.verdict = "cannot"
        found.summary = f"factcheck cannot run here: the {failed.stage} request failed"
    elif weak:
        found.verdict = "weak"
        found.summary = (
            f"factcheck runs with this model (mode=\"{found.mode}\"), but "
            f"{len(weak)} of {len(found.stages)} answers failed its checks "
            f"({', '.join(s.stage for s in weak)}): expect dropped claims and unresolved "
            "cells. Use it to try the plumbing, not to judge news"
        )
    else:
        found.verdict = "ready"
        found.summary = (
            f"this model can run factcheck: use mode=\"{found.mode}\"; every stage's "
            "answer passed factcheck's checks (formats and quotes, not accuracy)"
        )
    if found.mode is not None and found.mode != found.configured_mode:
        configured = next((m for m in found.modes if m.mode == found.configured_mode), None)
        how = _how(configured) if configured else "not tried"
        notes.append(
            f"the configured mode, {found.configured_mode}, {how}: pass "
            f"mode=\"{found.mode}\" (or set FACTCHECK_MODE)"
        )
    if found.listed_models is not None and found.model not in found.listed_models:
        notes.append(f"the server lists {', '.join(found.listed_models) or 'no model'}, "
                     f"not '{found.model}'")  # fmt: skip
    fits = _article_that_fits(found)
    if fits is not None:
        notes.append(
            f"a context of {found.context_length:,} tokens fits articles of up to about "
            f"{fits:,} characters in one extraction with its output budget; longer ones may "
            "be cut off"
        )
    notes.append("doctor checks formats and plumbing, not accuracy: it scores nothing")
    found.notes = notes
    return found


def _how(result: ModeResult) -> str:
    if result.outcome == "works":
        return "works, but the server does not hold answers to the schema in it"
    return {"invalid": "gave answers out of the schema", "refused": "is refused",
            "failed": "failed"}[result.outcome]  # fmt: skip


def _article_that_fits(found: Checkup) -> int | None:
    """Characters of article text one extraction holds, prompt and budget included."""
    extract = next((s for s in found.stages if s.stage == "extract"), None)
    if found.context_length is None or extract is None or not extract.input_tokens:
        return None
    sample = len(ARTICLES[0].title) + len(ARTICLES[0].text)
    template = extract.input_tokens - sample // CHARS_PER_TOKEN
    room = found.context_length - template - EXTRACT_BASE
    per_character = 1 / CHARS_PER_TOKEN + EXTRACT_PER_CHARACTER
    return max(0, int(room / per_character))


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)
