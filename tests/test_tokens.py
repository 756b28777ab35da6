"""Token counting: exact and offline for OpenAI's encodings, an estimate for other models.

The reference counts below came from bpe-openai 0.1.4 (GitHub's Rust BPE, a separate
implementation of the same encodings), not from the code under test.
"""

import gzip
import hashlib
import json
import subprocess
import sys
from importlib.resources import files
from math import ceil

import pytest

from factcheck.errors import ConfigError
from factcheck.llm.prices import PriceTable
from factcheck.llm.tokens import (
    ENCODINGS,
    TOKENS_PER_MESSAGE,
    TOKENS_PER_REPLY,
    EstimateTokenizer,
    encoding_name,
    load_encoding,
    tokenizer_for,
)
from tests.conftest import ROOT

SAMPLES = [
    "hello world",
    "North Korea denied exporting weapons to Russia.",
    "Seven people were injured when part of a pedestrian bridge collapsed.",
    "北朝鮮はロシアへの武器輸出を否定した",
    "don't <|endoftext|> 1234567",  # a special token's text counts as plain text
    '{"label": "supported", "evidence": "…"}',
]
REFERENCE = {
    "o200k_base": [2, 8, 12, 17, 12, 13],
    "cl100k_base": [2, 8, 12, 24, 12, 13],
}


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o-mini", "o200k_base"),
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("gpt-4.1-nano", "o200k_base"),
        ("gpt-5-mini", "o200k_base"),
        ("o3", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
    ],
)
def test_openai_models_count_exactly_with_their_encoding(model, encoding):
    tokens = tokenizer_for(model)
    assert tokens.exact and tokens.name == encoding
    assert [tokens.count(s) for s in SAMPLES] == REFERENCE[encoding]
    assert tokens.describe() == f"{encoding} (tiktoken): exact counts for {model}"


def test_shipped_encodings_are_the_files_tiktoken_itself_loads(tmp_path, monkeypatch):
    # tiktoken reads a pre-filled cache (named by the SHA-1 of the file's URL) instead of
    # downloading, and checks the file against its own expected SHA-256: build tiktoken's own
    # encodings from factcheck's files that way, and compare everything with factcheck's.
    import tiktoken
    import tiktoken.registry

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})  # no encoding from an earlier test
    for name, spec in ENCODINGS.items():
        data = gzip.decompress(files("factcheck.llm").joinpath("encodings", spec.file).read_bytes())
        assert hashlib.sha256(data).hexdigest() == spec.sha256
        url = f"https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
        (tmp_path / hashlib.sha1(url.encode()).hexdigest()).write_bytes(data)
        theirs = tiktoken.get_encoding(name)
        ours = load_encoding(name)
        assert ours._pat_str == theirs._pat_str
        assert ours._special_tokens == theirs._special_tokens
        assert ours._mergeable_ranks == theirs._mergeable_ranks
        text = "\n".join(SAMPLES) * 3
        assert ours.encode_ordinary(text) == theirs.encode_ordinary(text)


def test_counting_opens_no_socket_and_downloads_nothing(tmp_path):
    # A fresh process whose sockets fail loudly, with an empty tiktoken cache: counts still come.
    script = """
import json, socket, sys
attempts = []
def refuse(*args, **kwargs):
    attempts.append(args[:1])
    raise OSError("network disabled for this test")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from factcheck.llm.tokens import tokenizer_for
counts = {m: tokenizer_for(m).count("hello world") for m in ("gpt-4o-mini", "gpt-4")}
print(json.dumps({"counts": counts, "attempts": len(attempts),
                  "requests": "requests" in sys.modules}))
"""
    env = {"TIKTOKEN_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result == {"counts": {"gpt-4o-mini": 2, "gpt-4": 2}, "attempts": 0, "requests": False}
    assert list(tmp_path.iterdir()) == []  # nothing cached either


def test_help_and_baseline_runs_never_import_the_tokenizer():
    script = """
import sys
from typer.testing import CliRunner
from factcheck.cli import app
for args in (["--help"], ["report", "--help"], ["report", sys.argv[1]]):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
print(sorted(m for m in sys.modules if m.startswith("tiktoken")))
"""
    done = subprocess.run([sys.executable, "-c", script, str(ROOT / "examples" / "harbour-fire")],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_unknown_models_are_estimated_and_say_so():
    tokens = tokenizer_for("llama3.1:8b")
    assert isinstance(tokens, EstimateTokenizer) and not tokens.exact
    assert tokens.name == "estimate"
    assert [tokens.count(s) for s in SAMPLES] == [ceil(len(s) / 4) for s in SAMPLES]
    assert tokens.describe().startswith("estimate (characters ÷ 4): no tokenizer known for")
    assert encoding_name("Qwen/Qwen2.5-7B-Instruct") is None
    assert encoding_name("davinci") is None  # an encoding factcheck does not ship: estimated


def test_provider_prefixes_and_named_encodings():
    assert encoding_name("openai/gpt-oss-20b") == "o200k_base"  # o200k_harmony's vocabulary
    assert encoding_name("my-azure-deployment") is None
    assert encoding_name("my-azure-deployment", "o200k_base") == "o200k_base"
    assert tokenizer_for("my-azure-deployment", "cl100k_base").count(SAMPLES[3]) == 24


def test_a_request_counts_its_messages_framing_and_schema():
    tokens = tokenizer_for("gpt-4o-mini")
    tools = [{"type": "function", "function": {"name": "Answer", "parameters": {"type": "object"}}}]
    body = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "system", "content": SAMPLES[0]},
                     {"role": "user", "content": [{"type": "text", "text": SAMPLES[1]}]}],
        "tools": tools,
        "temperature": 0,
    }  # fmt: skip
    schema = json.dumps({"tools": tools}, separators=(",", ":"))
    assert tokens.count_request(body) == (
        TOKENS_PER_REPLY + 2 * TOKENS_PER_MESSAGE + 2 + 8 + tokens.count(schema)
    )
    assert tokens.count_request({"messages": []}) == TOKENS_PER_REPLY


def test_model_table_context_windows_and_encodings(tmp_path, monkeypatch):
    table = PriceTable.load()
    assert table.context_window("gpt-4o-mini") == 128_000
    assert table.context_window("gpt-4o-mini-2024-07-18") == 128_000
    assert table.context_window("llama3.1:8b") is None
    override = tmp_path / "models.yaml"
    override.write_text("context_windows: {llama3.1:8b: 8192, gpt-4o-mini: 1000}\n"
                        "encodings: {prod-4o: o200k_base}\n", encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("FACTCHECK_PRICES", str(override))
    table = PriceTable.load()
    assert table.context_window("llama3.1:8b") == 8192
    assert table.context_window("gpt-4o-mini") == 1000
    assert table.context_window("gpt-4o") == 128_000  # shipped entries stay
    assert table.encoding("prod-4o") == "o200k_base"
    bad = tmp_path / "bad.yaml"
    bad.write_text("encodings: {prod-4o: llama}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a valid price table"):
        PriceTable.load(bad)
