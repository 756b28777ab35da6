"""How big one request may be: the request budget, in tokens, and how text is measured for it.

A request's size is its prompt plus its output budget (the ``max_tokens`` it carries, sized by
``factcheck.stages.budget``): servers count both against the model's context window, and a
long answer (an extraction of a long article, a check of many claims) is also the one most
likely to be cut off. The stages split a request that would exceed the budget
(``factcheck.stages.chunks``); one that fits is sent exactly as it always was, so its store
key does not change.

The budget is ``ModelConfig.request_tokens`` when given (``--request-tokens``,
``FACTCHECK_REQUEST_TOKENS``). Otherwise it comes from the model's context window in the model
table: three quarters of it (the rest is the margin, since an unknown model's tokens are only
estimated), at most ``DEFAULT_REQUEST_TOKENS``. A model whose window is unknown (a local
server's, say) gets ``UNKNOWN_WINDOW_REQUEST_TOKENS``: enough for any ordinary cluster's
requests, and within an 8k-token window.

Measuring is cheap when a text obviously fits: a token is at least one UTF-8 byte, so a text's
length in bytes bounds its tokens, and the tokenizer (a second to load) is loaded only when
that bound is not enough.
"""

from __future__ import annotations

from functools import cached_property

from factcheck.llm.config import MIN_REQUEST_TOKENS, ModelConfig
from factcheck.llm.prices import PriceTable
from factcheck.llm.tokens import Tokenizer, tokenizer_for

# At most this many tokens per request by default, however large the window: answers beyond
# ~16k tokens are cut off by most models' output limits, and a re-ask resends the whole prompt.
DEFAULT_REQUEST_TOKENS = 16_000
# For a model whose context window factcheck does not know.
UNKNOWN_WINDOW_REQUEST_TOKENS = 8_000
# The share of a known window a request may take by default.
WINDOW_SHARE = 0.75


class RequestBudget:
    """The most tokens one request may take, its prompt and its output budget together.

    ``why`` says where the figure comes from, for ``--dry-run`` and messages.
    """

    def __init__(
        self,
        tokens: int,
        why: str,
        model: str,
        encoding: str | None = None,
        schema_indent: int | None = 2,
        output_tokens: int | None = None,
    ) -> None:
        self.tokens = tokens
        self.why = why
        self.model = model
        self.encoding = encoding
        # How the answer's schema travels: indented in the system message (instructor's JSON
        # modes), or compact in the request's tools or response_format (None).
        self.schema_indent = schema_indent
        # The output budget every call gets (max_output_tokens), in place of each stage's rule.
        self.output_tokens = output_tokens

    @cached_property
    def tokenizer(self) -> Tokenizer:
        """The model's tokenizer (exact for OpenAI's models, else an estimate), loaded once."""
        return tokenizer_for(self.model, self.encoding)

    def count(self, text: str) -> int:
        """Tokens in ``text``, counted by the model's tokenizer."""
        return self.tokenizer.count(text)

    def describe(self) -> str:
        """E.g. '16,000 tokens per request (prompt and output budget): three quarters ...'."""
        return f"{self.tokens:,} tokens per request (prompt and output budget): {self.why}"


def bound(text: str) -> int:
    """At least as many as the tokens in ``text``: its length in UTF-8 bytes, no tokenizer."""
    return len(text.encode("utf-8"))


def request_budget(config: ModelConfig, prices: PriceTable) -> RequestBudget:
    """The budget for ``config``'s model: its own setting, else from the model table."""
    model = config.model
    tokens, why = _budget(config, prices)
    indent = 2 if config.output_mode().instructor_name in ("JSON", "MD_JSON") else None
    return RequestBudget(
        tokens, why, model, prices.encoding(model), schema_indent=indent,
        output_tokens=config.max_output_tokens,
    )  # fmt: skip


def _budget(config: ModelConfig, prices: PriceTable) -> tuple[int, str]:
    model = config.model
    if config.request_tokens is not None:
        return config.request_tokens, "as set (request_tokens=...)"
    window = prices.context_window(model)
    if window is None:
        why = (
            f"the default for a model whose context window is unknown (add {model}'s under "
            "context_windows in a --prices file)"
        )
        return UNKNOWN_WINDOW_REQUEST_TOKENS, why
    share = int(window * WINDOW_SHARE)
    if share >= DEFAULT_REQUEST_TOKENS:
        return DEFAULT_REQUEST_TOKENS, f"the default, well within {model}'s window of {window:,}"
    if share < MIN_REQUEST_TOKENS:
        why = f"the smallest budget; {model}'s window of {window:,} is too small for factcheck"
        return MIN_REQUEST_TOKENS, why
    return share, f"three quarters of {model}'s window of {window:,}"


def suggested_budget(window: int) -> int | None:
    """The budget to set for a model whose context window is ``window`` tokens.

    ``None`` when even the smallest budget would not fit it: only a longer context helps.
    """
    share = int(window * WINDOW_SHARE)
    return share if share >= MIN_REQUEST_TOKENS else None
