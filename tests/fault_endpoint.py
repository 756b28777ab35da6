"""A fault-injecting OpenAI-compatible endpoint: a test fixture, not a model.

It answers like the scripted stub (``scripted_stub.py``: rules, never a model), and the
request's ``model`` picks a fault that a broken, slow or hostile server shows; see ``FAULTS``.
Some faults live in the answer (an empty ``choices`` list, words as token counts, a quote that
is never in the article), others in the bytes on the wire (an HTML page with status 200, a
body that stops halfway, a body that trickles in one byte at a time, a server that never
answers). The error bodies copy what a real llama.cpp server sends (an OpenAI-style ``error``
object). The Batch API of the scripted stub is inherited, so a fault in an answer also reaches
a Batch result file.

Use it as a context manager::

    with FaultEndpoint() as endpoint:
        llm = LLM(ModelConfig(model="fault-empty-choices", base_url=endpoint.base_url))

or in the foreground: ``python -m tests.fault_endpoint --port 8766``.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tests.scripted_stub import (
    CHAT_PATH,
    ScriptedStub,
    StubError,
    _Handler,
    completion,
    detect_stage,
    first_user_message,
    normal_answer,
)

FAULTS: dict[str, str] = {
    "fault-none": "no fault: the scripted stub's rule-based answers",
    # In the answer.
    "fault-extract-prose": "extract: every answer is prose, not JSON",
    "fault-extract-cut-off": "extract: every answer stops halfway, finish_reason 'length'",
    "fault-extract-unquoted": "extract: every quote is reworded, so none is in the article",
    "fault-extract-one-unquoted": "extract: the first quote of every answer is reworded",
    "fault-check-cut-off-once": "check: the first answer to each request stops halfway "
    "(finish_reason 'length'); asked again, the whole answer",
    "fault-extract-cut-off-once": "extract: the first answer to each request stops halfway; "
    "asked again, the whole answer",
    "fault-empty-choices": "every answer: HTTP 200 with an empty 'choices' list",
    "fault-usage-words": "every answer's usage token counts are words, not numbers",
    "fault-rate-limited": "each request: HTTP 429 with Retry-After (``retry_after`` seconds) "
    "the first time, answered the second",
    "fault-runaway": "every answer runs on and never closes its JSON: up to the request's "
    "max_tokens (finish_reason 'length'), else RUNAWAY_TOKENS tokens",
    "fault-runaway-tool-calls": "as fault-runaway, but an answer cut at max_tokens says "
    "finish_reason 'tool_calls' in tools mode, as llama.cpp does",
    # On the wire.
    "fault-extract-html": "extract: HTTP 200 whose body is a proxy's HTML page, not JSON",
    "fault-extract-cut-body": "extract: HTTP 200 whose JSON body stops halfway",
    "fault-trickle": "headers at once, then the body one byte every ``trickle_seconds``",
    "fault-hang": "reads the request and never answers (until the endpoint stops)",
}

HTML_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    "</h1></center><hr><center>nginx</center></body></html>"
)
PROSE = "Sure! The article makes several claims, chiefly that something happened somewhere."
# What a schema-less local model wrote for one extraction (issue 18), when nothing stopped it.
RUNAWAY_TOKENS = 7220
CHARS_PER_TOKEN = 4  # the stub's own token count: characters / 4


def runaway(tokens: int) -> str:
    """An answer that opens its JSON and never closes it, ``tokens`` tokens long."""
    text = '{"claims": [{"quote": "' + "and then it went on, " * (tokens * CHARS_PER_TOKEN // 20)
    return text[: tokens * CHARS_PER_TOKEN]


def reworded(quote: str) -> str:
    """A quote no article holds: the words of ``quote``, reversed."""
    return " ".join(reversed(quote.split())) + " (reworded)"


# What llama-cpp-python 0.3.36 says (copied from the real server; see README's mode table).
LLAMA_CPP_PYTHON_OPENAPI = {"openapi": "3.1.0",
                            "info": {"title": "\U0001f999 llama.cpp Python API",
                                     "version": "0.3.36"}}  # fmt: skip
LLAMA_CPP_PYTHON_FORMAT_REFUSAL = (
    "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', "
    "'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': '{kind}', 'ctx': "
    "{'expected': \"'text' or 'json_object'\"}}\n\n  File \"llama_cpp/server/app.py\", "
    "line 376, in create_chat_completion\n    POST /v1/chat/completions"
)
LLAMA_CPP_PYTHON_CONTEXT_REFUSAL = (
    "This model's maximum context length is {n_ctx} tokens. However, you requested {total} "
    "tokens ({prompt} in the messages, {completion} in the completion). Please reduce the "
    "length of the messages or completion."
)
MIMICS = ("llama-cpp-python", "vllm")


class FaultEndpoint(ScriptedStub):
    """Context manager: a fault-injecting endpoint on 127.0.0.1 (a fixture, not a model).

    ``requests`` holds every chat request body received, in order. ``trickle_seconds`` is the
    gap between two bytes of a trickled body, ``retry_after`` the 429's ``Retry-After``.
    ``mimic`` makes it answer as another server's software does, whatever the model:
    ``llama-cpp-python`` names itself in ``/openapi.json``, refuses ``response_format``
    ``json_schema`` with HTTP 500 and a prompt past ``n_ctx`` tokens with HTTP 400;
    ``vllm`` gives each model's ``max_model_len`` (``n_ctx``) in ``/v1/models``.
    """

    def __init__(
        self,
        port: int = 0,
        *,
        trickle_seconds: float = 0.2,
        retry_after: float = 1.0,
        mimic: str | None = None,
        n_ctx: int = 4096,
    ) -> None:
        super().__init__(port)
        if mimic is not None and mimic not in MIMICS:
            raise ValueError(f"mimic one of {MIMICS}, not {mimic!r}")
        self.trickle_seconds = trickle_seconds
        self.retry_after = retry_after
        self.mimic = mimic
        self.n_ctx = n_ctx
        self.stopping = threading.Event()

    def _bind(self) -> ThreadingHTTPServer:
        endpoint = self

        class Handler(_FaultHandler):
            pass

        Handler.stub = endpoint
        server = _QuietServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        return server

    def stop(self) -> None:
        """Let hanging and trickling answers end, then stop serving."""
        self.stopping.set()
        super().stop()

    def answer(self, raw: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Answer one chat request body: (status, JSON document, extra headers)."""
        request = json.loads(raw)
        number, repeated = self._record(raw, request)
        model = request.get("model")
        if self.mimic == "llama-cpp-python":
            self._as_llama_cpp_python(request, raw)
        if model not in FAULTS:
            raise StubError(404, f"The model '{model}' does not exist", "invalid_request_error",
                            "model_not_found")  # fmt: skip
        if model == "fault-rate-limited" and not repeated:
            raise StubError(429, "fault endpoint: rate limit reached; send it again",
                            "rate_limit_error", "rate_limit_exceeded",
                            {"Retry-After": f"{self.retry_after:g}"})  # fmt: skip
        text = raw.decode("utf-8")
        user = first_user_message(request)
        stage = detect_stage(request, text, user)
        answer = normal_answer(stage, user)
        content = json.dumps(answer, ensure_ascii=False)
        finish = "stop"
        extract, check = stage == "ExtractionAnswer", stage == "CheckAnswer"
        if extract and model == "fault-extract-prose":
            content = PROSE
        elif extract and model in ("fault-extract-unquoted", "fault-extract-one-unquoted"):
            reword = answer["claims"] if model == "fault-extract-unquoted" else answer["claims"][:1]
            for claim in reword:
                claim["quote"] = reworded(claim["quote"])
            content = json.dumps(answer, ensure_ascii=False)
        elif (
            (extract and model == "fault-extract-cut-off")
            or (extract and model == "fault-extract-cut-off-once" and not repeated)
            or (check and model == "fault-check-cut-off-once" and not repeated)
        ):
            content, finish = content[: len(content) // 2], "length"
        if model in ("fault-runaway", "fault-runaway-tool-calls"):
            budget = request.get("max_tokens") or request.get("max_completion_tokens")
            tokens = min(budget or RUNAWAY_TOKENS, RUNAWAY_TOKENS)
            content = runaway(tokens)
            finish = "stop" if budget is None or budget > RUNAWAY_TOKENS else "length"
            if model == "fault-runaway-tool-calls" and request.get("tools"):
                finish = "tool_calls"
        document = completion(request, number, text, content, finish)
        if model in ("fault-runaway", "fault-runaway-tool-calls"):
            document["usage"]["completion_tokens"] = len(content) // CHARS_PER_TOKEN
        if model == "fault-empty-choices":
            document["choices"] = []
        elif model == "fault-usage-words":
            document["usage"] = {"prompt_tokens": "many", "completion_tokens": "a few",
                                 "total_tokens": "lots"}  # fmt: skip
        return 200, document, {}


    def _as_llama_cpp_python(self, request: dict[str, Any], raw: bytes) -> None:
        """Refuse what llama-cpp-python refuses, as it does."""
        kind = (request.get("response_format") or {}).get("type", "text")
        if kind not in ("text", "json_object"):
            raise StubError(500, LLAMA_CPP_PYTHON_FORMAT_REFUSAL.replace("{kind}", str(kind)),
                            "internal_server_error")  # fmt: skip
        prompt = len(raw) // CHARS_PER_TOKEN  # the stub's token count
        if prompt >= self.n_ctx:
            completion_tokens = request.get("max_tokens")
            raise StubError(400, LLAMA_CPP_PYTHON_CONTEXT_REFUSAL.format(
                n_ctx=self.n_ctx, total=prompt + (completion_tokens or 0), prompt=prompt,
                completion=completion_tokens), "invalid_request_error",
                "context_length_exceeded")  # fmt: skip

    def models(self) -> dict[str, Any]:
        """``GET /v1/models``: every fault as a model; with vLLM's ``max_model_len``."""
        listing = {"object": "list", "data": [{"id": name, "object": "model", "owned_by": "fault"}
                                              for name in FAULTS]}  # fmt: skip
        if self.mimic == "vllm":
            for entry in listing["data"]:
                entry["max_model_len"] = self.n_ctx
        return listing


class _QuietServer(ThreadingHTTPServer):
    """A client that gives up on a hanging or trickling answer is the point, not an error."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about connections the client closed; report anything else."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            super().handle_error(request, client_address)


class _FaultHandler(_Handler):
    """The scripted stub's HTTP glue, plus the faults that live on the wire."""

    stub: FaultEndpoint

    def do_GET(self) -> None:
        """``/openapi.json`` as the mimicked software has it; anything else as the stub."""
        if urlsplit(self.path).path == "/openapi.json" and self.stub.mimic == "llama-cpp-python":
            self._send(200, LLAMA_CPP_PYTHON_OPENAPI, {})
            return
        super().do_GET()

    def do_POST(self) -> None:
        """Inject the wire faults of a chat request; anything else as the scripted stub."""
        if urlsplit(self.path).path.rstrip("/") != CHAT_PATH:
            super().do_POST()
            return
        raw = self._read_body()
        try:
            request = json.loads(raw)
            model = request.get("model")
            stage = detect_stage(request, raw.decode("utf-8"), first_user_message(request))
        except (ValueError, AttributeError, StubError):  # answer() says what is wrong
            model, stage = None, None
        if model == "fault-hang":
            self.stub._record(raw, request)
            self.stub.stopping.wait(timeout=120)
            return
        try:
            status, document, headers = self.stub.answer(raw)
        except StubError as error:
            self._send_error(error)
            return
        data = json.dumps(document, ensure_ascii=False).encode("utf-8")
        if stage == "ExtractionAnswer" and model == "fault-extract-html":
            self._write(200, HTML_PAGE.encode(), "text/html")
        elif stage == "ExtractionAnswer" and model == "fault-extract-cut-body":
            self._write(200, data[: len(data) // 2], "application/json")
        elif model == "fault-trickle":
            self._write(status, data, "application/json", trickle=self.stub.trickle_seconds)
        else:
            self._send(status, document, headers)

    def _write(
        self, status: int, data: bytes, content_type: str, trickle: float | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if trickle is None:
            self.wfile.write(data)
            return
        self.wfile.flush()
        for n in range(len(data)):
            if self.stub.stopping.wait(timeout=trickle):
                return
            try:
                self.wfile.write(data[n : n + 1])
                self.wfile.flush()
            except OSError:  # the client gave up: that is the point
                return


def main(argv: list[str] | None = None) -> None:
    """Run the endpoint in the foreground: ``python -m tests.fault_endpoint --port 8766``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8766, help="port on 127.0.0.1 (0: any free)")
    args = parser.parse_args(argv)
    endpoint = FaultEndpoint(port=args.port)
    server = endpoint._bind()
    print(f"fault endpoint (a fixture, not a model) serving {endpoint.base_url}", flush=True)
    for name, what in FAULTS.items():
        print(f"  {name}: {what}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        endpoint.stopping.set()
        server.server_close()


if __name__ == "__main__":
    main()
