"""What model calls cost and what fits in one: a shipped per-model table, overridable.

Per model: the price of its tokens, its context window, and (for names that do not say it, such
as an Azure deployment's) the encoding its tokens are counted with.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, Field, ValidationError

from factcheck.errors import ConfigError

PRICES_ENV = "FACTCHECK_PRICES"
PER = 1_000_000
V = TypeVar("V")


class Price(BaseModel):
    """USD per million input (prompt) and output (completion) tokens."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)


class PriceTable(BaseModel):
    """Prices per model name; ``batch_discount`` is the share of the price a Batch job costs.

    ``context_windows`` gives a model's context length in tokens (prompt and answer together);
    ``encodings`` names the tokenizer encoding of a model whose name does not reveal it.
    """

    batch_discount: float = Field(default=0.5, gt=0, le=1)
    models: dict[str, Price] = Field(default_factory=dict)
    context_windows: dict[str, int] = Field(default_factory=dict)
    encodings: dict[str, Literal["o200k_base", "cl100k_base", "o200k_harmony"]] = Field(
        default_factory=dict
    )

    @classmethod
    def load(cls, override: str | Path | None = None) -> PriceTable:
        """The shipped table, updated by ``override`` (or the file ``$FACTCHECK_PRICES`` names)."""
        shipped = files("factcheck.llm").joinpath("prices.yaml").read_text(encoding="utf-8")
        table = cls._parse(shipped, "the shipped price table")
        override = override or os.environ.get(PRICES_ENV) or None
        if override is None:
            return table
        path = Path(override).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read the price table {path}: {exc.strerror}") from None
        extra = cls._parse(text, str(path))
        return cls(
            batch_discount=extra.batch_discount if "batch_discount" in extra.model_fields_set
            else table.batch_discount,
            models={**table.models, **extra.models},
            context_windows={**table.context_windows, **extra.context_windows},
            encodings={**table.encodings, **extra.encodings},
        )  # fmt: skip

    @classmethod
    def _parse(cls, text: str, where: str) -> PriceTable:
        try:
            return cls.model_validate(yaml.safe_load(text) or {})
        except (yaml.YAMLError, ValidationError) as exc:
            first = str(exc).splitlines()[0]
            raise ConfigError(f"{where} is not a valid price table: {first}") from None

    def price(self, model: str) -> Price | None:
        """The model's price: its own entry, else that of its longest listed prefix."""
        return _lookup(self.models, model)

    def context_window(self, model: str) -> int | None:
        """The model's context length in tokens, if the table knows it (same name rules)."""
        return _lookup(self.context_windows, model)

    def encoding(self, model: str) -> str | None:
        """The encoding the table names for the model, if any (same name rules)."""
        return _lookup(self.encodings, model)

    def cost(
        self, model: str, input_tokens: int, output_tokens: int, *, batch: bool = False
    ) -> float | None:
        """Estimated USD for these tokens; None when the model has no price."""
        price = self.price(model)
        if price is None:
            return None
        usd = (input_tokens * price.input + output_tokens * price.output) / PER
        return usd * self.batch_discount if batch else usd


def _lookup(table: Mapping[str, V], model: str) -> V | None:
    """A model's entry, else its longest listed prefix's (gpt-4o-mini-2024-07-18: gpt-4o-mini)."""
    if model in table:
        return table[model]
    prefixes = [name for name in table if model.startswith(name + "-")]
    return table[max(prefixes, key=len)] if prefixes else None
