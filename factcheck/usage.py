"""The usage ledger: requests, tokens and store hits per pipeline stage, and what they cost.

Every model call books itself here (the gateway's transports do the booking), a report carries
the ledger, and ``usd`` is how a cost is written for people, alike in every renderer.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class StageUsage(BaseModel):
    """Requests and tokens of one pipeline stage (every attempt, re-asks included).

    ``calls`` and the token counts are what was sent and paid for in this run; answers served
    from the response store are counted apart, with the tokens they would have cost.
    """

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    store_hits: int = 0
    stored_input_tokens: int = 0
    stored_output_tokens: int = 0
    unmetered: int = Field(
        default=0, description="Answers whose token counts the endpoint did not give as numbers."
    )
    cut_off: int = Field(
        default=0, description="Calls whose answer was cut off at its output budget (max_tokens)."
    )
    too_long: int = Field(
        default=0, description="Requests the endpoint refused as longer than the context window."
    )


class Usage(BaseModel):
    """Usage per stage; the totals are what the JSON contract reports."""

    stages: dict[str, StageUsage] = Field(default_factory=dict)
    cost_usd: float | None = Field(
        default=None, description="Estimated USD of the paid calls; None when the price is unknown."
    )

    @property
    def calls(self) -> int:
        """Requests sent, over all stages."""
        return sum(s.calls for s in self.stages.values())

    @property
    def input_tokens(self) -> int:
        """Prompt tokens, over all stages."""
        return sum(s.input_tokens for s in self.stages.values())

    @property
    def output_tokens(self) -> int:
        """Completion tokens, over all stages."""
        return sum(s.output_tokens for s in self.stages.values())

    @property
    def store_hits(self) -> int:
        """Answers served from the response store, over all stages."""
        return sum(s.store_hits for s in self.stages.values())

    def add(self, stage: str, input_tokens: int, output_tokens: int) -> None:
        """Count one paid request of ``stage``."""
        entry = self.stages.setdefault(stage, StageUsage())
        entry.calls += 1
        entry.input_tokens += input_tokens
        entry.output_tokens += output_tokens

    def add_unmetered(self, stage: str) -> None:
        """Count one answer of ``stage`` whose usage was not numeric (its tokens count as 0)."""
        self.stages.setdefault(stage, StageUsage()).unmetered += 1

    @property
    def unmetered(self) -> int:
        """Answers whose token counts were not numbers, over all stages."""
        return sum(s.unmetered for s in self.stages.values())

    def add_too_long(self, stage: str) -> None:
        """Count one request of ``stage`` refused as longer than the model's context window."""
        self.stages.setdefault(stage, StageUsage()).too_long += 1

    @property
    def too_long(self) -> int:
        """Requests refused as longer than the context window, over all stages."""
        return sum(s.too_long for s in self.stages.values())

    def add_cut_off(self, stage: str) -> None:
        """Count one call of ``stage`` whose answer was cut off at its output budget."""
        self.stages.setdefault(stage, StageUsage()).cut_off += 1

    @property
    def cut_off(self) -> int:
        """Calls whose answer was cut off at its output budget, over all stages."""
        return sum(s.cut_off for s in self.stages.values())

    def add_store_hit(self, stage: str, input_tokens: int, output_tokens: int) -> None:
        """Count one answer of ``stage`` served from the store, and the tokens it saved."""
        entry = self.stages.setdefault(stage, StageUsage())
        entry.store_hits += 1
        entry.stored_input_tokens += input_tokens
        entry.stored_output_tokens += output_tokens


def usd(amount: float | None) -> str:
    """A cost for people: small amounts keep enough digits to differ from zero."""
    if amount is None:
        return "unknown (no price for this model: see --prices)"
    return f"${amount:.4f}" if amount < 1 else f"${amount:.2f}"
