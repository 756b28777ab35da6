"""Test tiers: unit tests; a fake model at the HTTP boundary; cassettes of a scripted stub.

Cassettes live in ``cassettes/scripted-stub/``: they were recorded against ``scripted_stub.py``,
a rule-based fixture, and test plumbing only. Re-record them (after a prompt change, say) with
``pytest --record-mode=rewrite tests/test_cassettes.py``: the stub starts by itself.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest
import yaml

from factcheck import LLM, ModelConfig, load_cluster
from factcheck.llm.store import ResponseStore
from factcheck.llm.transport import RetryPolicy
from tests.scripted_stub import ScriptedStub
from tests.sealed_cassettes import SealedSerializer, cluster_key, match_body_digest

ROOT = Path(__file__).resolve().parent.parent
SHARED_CLUSTER = ROOT.parent / "shared" / "clusters" / "nk-russia-arms"
EXAMPLE_CLUSTER = ROOT / "examples" / "riverside-bridge"
# Where a gold file's cluster lives: bundled examples, eval-only clusters, then ../shared.
CLUSTER_HOMES = (ROOT / "examples", ROOT / "eval" / "clusters", SHARED_CLUSTER.parent)


def gold_cluster_name(gold: Path) -> str:
    """The cluster id a gold file names."""
    return yaml.safe_load(gold.read_text(encoding="utf-8"))["cluster"]


def find_cluster(name: str) -> Path:
    """The folder of the cluster ``name``; skips the test when it is absent (../shared)."""
    for home in CLUSTER_HOMES:
        if (home / name).is_dir():
            return home / name
    pytest.skip(f"cluster {name} not found (the seed cluster lives in ../shared, only in CI)")
LONG_ARTICLE = "005_long_wire"


def cluster_with_a_long_article(tmp_path: Path) -> Path:
    """The example cluster plus one article of 10,000 characters: the other examples' paragraphs.

    Long enough that a small request budget (or a small context window) needs it in parts.
    """
    folder = tmp_path / "cluster-with-a-long-article"
    shutil.copytree(EXAMPLE_CLUSTER, folder)
    others = sorted(p for p in EXAMPLE_CLUSTER.parent.iterdir()
                    if p.is_dir() and p != EXAMPLE_CLUSTER)  # fmt: skip
    paragraphs = [p for f in others for a in load_cluster(f).articles
                  for p in a.text.split("\n\n") if len(p) > 80]  # fmt: skip
    text = "\n\n".join(paragraphs)[:10_000]
    (folder / f"{LONG_ARTICLE}.txt").write_text(f"Everything at once\n\n{text}\n", "utf-8")
    return folder


DUMMY_KEY = "sk-test-dummy-key-never-recorded-0123456789"
# Fast backoff: tests exercise the retry logic, not the waiting.
FAST_RETRY = RetryPolicy(attempts=4, initial_wait=0.001, max_wait=0.01)
# Replays need no server: VCR answers before any connection is made (and the network is blocked).
REPLAY_BASE_URL = "http://127.0.0.1:9/v1"
# The scripted stub answering in process (no socket): never dialled, a MockTransport answers.
IN_PROCESS_STUB_URL = "http://scripted-stub.invalid/v1"


def in_process_stub_llm(store: ResponseStore, stub: ScriptedStub | None = None) -> LLM:
    """An LLM whose requests the scripted stub (a fixture) answers in process, into ``store``."""
    stub = stub or ScriptedStub()

    def handler(request: httpx2.Request) -> httpx2.Response:
        status, document, headers = stub.answer(request.read())
        return httpx2.Response(status, json=document, headers=headers)

    config = ModelConfig(model="scripted-stub", base_url=IN_PROCESS_STUB_URL, retry=FAST_RETRY)
    return LLM(config, httpx2.MockTransport(handler), store=store)


def pytest_recording_configure(config: pytest.Config, vcr: object) -> None:
    """Register the sealed serializer and the digest matcher the seed-cluster cassette uses."""
    vcr.register_serializer("sealed", SealedSerializer(cluster_key(SHARED_CLUSTER)))  # type: ignore[attr-defined]
    vcr.register_matcher("body_digest", match_body_digest)  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's model settings, keys or home folder."""
    for name in list(os.environ):
        if name.startswith(("FACTCHECK_", "OPENAI_", "AZURE_OPENAI_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def shared_cluster() -> Path:
    """The seed cluster from ../shared; skipped in a clone that has no ../shared."""
    if not SHARED_CLUSTER.is_dir():
        pytest.skip(f"seed cluster not found at {SHARED_CLUSTER} (only CI has ../shared)")
    return SHARED_CLUSTER


def _keep_headers(headers: dict, keep: set[str]) -> dict:
    return {k: v for k, v in headers.items() if k.lower() in keep}


def _scrub_request(request):  # type: ignore[no-untyped-def]
    request.headers = _keep_headers(dict(request.headers), {"content-type"})
    return request


def _scrub_response(response: dict) -> dict:
    response["headers"] = _keep_headers(response["headers"], {"content-type", "retry-after"})
    return response


@pytest.fixture(scope="module")
def vcr_config() -> dict:
    """Cassettes keep no credentials and no headers beyond what replay needs."""
    return {
        "filter_headers": ["authorization", "api-key", "openai-organization", "openai-project"],
        "before_record_request": _scrub_request,
        "before_record_response": _scrub_response,
        "decode_compressed_response": True,
        # Host and port differ between recording (a stub on a free port) and replay.
        # Bodies are compared by digest, so sealed cassettes (which keep only digests) match too.
        "match_on": ["method", "path", "query", "body_digest"],
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """Scripted-stub cassettes, labelled as such by their folder."""
    return str(ROOT / "cassettes" / "scripted-stub" / request.module.__name__.split(".")[-1])


@pytest.fixture
def stub_base_url(request: pytest.FixtureRequest, record_mode: str) -> Iterator[str]:
    """A live scripted stub's URL while recording cassettes; a dead address when replaying."""
    if record_mode == "none":
        yield REPLAY_BASE_URL
        return
    with ScriptedStub() as stub:
        yield stub.base_url


@pytest.fixture
def stub_llm(stub_base_url: str) -> Callable[..., LLM]:
    """Build an LLM on a scripted-stub scenario (the model name picks the scenario)."""

    def make(model: str = "scripted-stub", **settings: object) -> LLM:
        settings.setdefault("retry", FAST_RETRY)
        config = ModelConfig(model=model, base_url=stub_base_url, api_key=DUMMY_KEY, **settings)
        return LLM(config)

    return make
