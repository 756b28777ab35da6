"""Token counts: exact for OpenAI's models, offline; an estimate, labelled so, for the rest.

OpenAI's models split text with one of two BPE encodings: ``o200k_base`` (gpt-4o, gpt-4.1, o1,
o3, o4-mini, gpt-5, gpt-oss) and ``cl100k_base`` (gpt-4, gpt-3.5-turbo). The counting is
tiktoken's, OpenAI's own tokenizer; its encoding files ship inside factcheck
(``encodings/*.tiktoken.gz``) because tiktoken alone downloads them on first use, and factcheck
must count with no network. Each file is checked against the SHA-256 tiktoken itself expects of
the published file, so a count here is the count OpenAI's tokenizer gives.

Why tiktoken with shipped files rather than ``bpe-openai``, which bundles the same files: both
count identically offline (checked on news text, JSON and mixed scripts, up to 2 MB of text),
but bpe-openai is a 41 MB wheel (75 MB installed: a prebuilt copy of each encoding compiled into
its binary), is alpha, refuses texts over 1M characters or 200k tokens, and takes longer to load
(it parses all its encodings at import). tiktoken is 1.2 MB (its other needs, regex and
requests, are here already) and the two files add 2.5 MB to factcheck's wheel.

A model whose tokenizer is unknown (a local server's Llama, Qwen or Mistral) is estimated at
four characters a token: English news runs at about 4.6 characters a token under o200k_base
and 4.3 to 4.5 under the open models' tokenizers, so the estimate errs high, the safe side for
a cost or a context window. Loading an encoding takes a second or two; nothing here loads one
until a count is asked for, and ``factcheck --help`` never imports tiktoken.
"""

from __future__ import annotations

import binascii
import gzip
import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from math import ceil
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # tiktoken is imported when an encoding is first loaded, not before
    import tiktoken

CHARS_PER_TOKEN = 4
# OpenAI's chat format wraps each message in a few tokens (role, separators) and primes the
# reply with a few more; these are the figures OpenAI documents for its o200k/cl100k models.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_REPLY = 3
# Request fields that reach the model as text besides the messages: the answer's schema.
SCHEMA_FIELDS = ("tools", "tool_choice", "functions", "function_call", "response_format")

# The encodings of tiktoken_ext.openai_public (tiktoken 0.14): the SHA-256 tiktoken checks
# the downloaded file against, the pre-tokenizer pattern and the special tokens.
_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_CL100K_PATTERN = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""  # noqa: E501


@dataclass(frozen=True)
class EncodingSpec:
    """One BPE encoding factcheck ships: its file, checksum, pattern and special tokens."""

    file: str
    sha256: str
    pattern: str
    special_tokens: Mapping[str, int] = field(default_factory=dict)


ENCODINGS: dict[str, EncodingSpec] = {
    "o200k_base": EncodingSpec(
        file="o200k_base.tiktoken.gz",
        sha256="446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        pattern=_O200K_PATTERN,
        special_tokens={"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
    ),
    "cl100k_base": EncodingSpec(
        file="cl100k_base.tiktoken.gz",
        sha256="223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        pattern=_CL100K_PATTERN,
        special_tokens={
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
    ),
}
# gpt-oss's encoding is o200k_base's vocabulary with more special tokens: the same counts for
# text that holds none of them.
SAME_VOCABULARY = {"o200k_harmony": "o200k_base"}


class Tokenizer(ABC):
    """Counts tokens for one model; ``exact`` says whether the count is the model's own."""

    name: str
    exact: bool

    @abstractmethod
    def count(self, text: str) -> int:
        """Tokens in ``text``."""

    @abstractmethod
    def describe(self) -> str:
        """One line for people: which tokenizer, and whether its counts are exact."""

    def count_request(self, body: Mapping[str, Any]) -> int:
        """Prompt tokens of a chat-completions request body: messages, framing and schema.

        Message text is counted exactly (with an exact tokenizer); the schema in ``tools`` or
        ``response_format`` is counted as its JSON text, close to but not exactly how the
        provider renders it for the model.
        """
        total = TOKENS_PER_REPLY
        for message in body.get("messages", []):
            total += TOKENS_PER_MESSAGE + self.count(_message_text(message))
        schema = {k: body[k] for k in SCHEMA_FIELDS if body.get(k) is not None}
        if schema:
            total += self.count(json.dumps(schema, ensure_ascii=False, separators=(",", ":")))
        return total


@dataclass(frozen=True)
class EncodingTokenizer(Tokenizer):
    """An OpenAI encoding, counted by tiktoken: exact."""

    name: str
    model: str
    encoding: tiktoken.Encoding = field(repr=False, compare=False)
    exact: bool = True

    def count(self, text: str) -> int:
        """Tokens in ``text``; special-token markers in it count as plain text, as the API does."""
        return len(self.encoding.encode_ordinary(text))

    def describe(self) -> str:
        """E.g. 'o200k_base (tiktoken): exact counts for gpt-4o-mini'."""
        return f"{self.name} (tiktoken): exact counts for {self.model}"


@dataclass(frozen=True)
class EstimateTokenizer(Tokenizer):
    """No tokenizer known for the model: characters / ``CHARS_PER_TOKEN``, an estimate."""

    model: str
    name: str = "estimate"
    exact: bool = False

    def count(self, text: str) -> int:
        """About a token per ``CHARS_PER_TOKEN`` characters (rounded up)."""
        return ceil(len(text) / CHARS_PER_TOKEN)

    def describe(self) -> str:
        """Says that the counts are estimates, and why."""
        return (
            f"estimate (characters ÷ {CHARS_PER_TOKEN}): no tokenizer known for {self.model} "
            "(a deployment of an OpenAI model: name its encoding under encodings in a --prices "
            "file)"
        )


def encoding_name(model: str, override: str | None = None) -> str | None:
    """The encoding factcheck counts ``model``'s tokens with, or None when it knows none.

    ``override`` (from the model table) wins; else tiktoken's own model table decides, for the
    name as given and without a provider prefix ("openai/gpt-oss-20b" counts as "gpt-oss-20b").
    """
    if override is not None:
        name = SAME_VOCABULARY.get(override, override)
        return name if name in ENCODINGS else None
    from tiktoken.model import encoding_name_for_model

    for candidate in dict.fromkeys([model, model.rsplit("/", 1)[-1]]):
        try:
            found = encoding_name_for_model(candidate)
        except KeyError:
            continue
        found = SAME_VOCABULARY.get(found, found)
        return found if found in ENCODINGS else None
    return None


def tokenizer_for(model: str, encoding: str | None = None) -> Tokenizer:
    """The tokenizer for ``model``: its OpenAI encoding, else an estimate.

    ``encoding`` names the encoding outright (an Azure deployment name says nothing of the
    model behind it). Loads the encoding on first use (a second or two, once per process).
    """
    name = encoding_name(model, encoding)
    if name is None:
        return EstimateTokenizer(model=model)
    return EncodingTokenizer(name=name, model=model, encoding=load_encoding(name))


@cache
def load_encoding(name: str) -> tiktoken.Encoding:
    """Build a shipped encoding from its file, verified against tiktoken's published hash."""
    import tiktoken

    spec = ENCODINGS[name]
    packed = files("factcheck.llm").joinpath("encodings", spec.file).read_bytes()
    data = gzip.decompress(packed)
    if hashlib.sha256(data).hexdigest() != spec.sha256:
        raise RuntimeError(f"the shipped {spec.file} is damaged: reinstall factcheck")
    # One "<base64 token> <rank>" pair per line; binascii is the fast path for 200k lines.
    words = data.split()
    ranks = dict(zip(map(binascii.a2b_base64, words[0::2]), map(int, words[1::2]), strict=True))
    return tiktoken.Encoding(
        name, pat_str=spec.pattern, mergeable_ranks=ranks, special_tokens=dict(spec.special_tokens)
    )


def _message_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        text = content
    elif isinstance(content, list):  # content parts: count the text ones
        text = "".join(p.get("text", "") for p in content if isinstance(p, Mapping))
    else:
        text = ""
    extra = [message[k] for k in ("name", "tool_calls") if message.get(k)]
    return text + "".join(json.dumps(e, ensure_ascii=False) for e in extra)
