"""Output modes per server (issue 18): what each mode sends, and a refused format is one line.

The error bodies are copied from real servers (llama-cpp-python 0.3.36's, older llama.cpp
servers', Ollama's, FastAPI's); the answers are written by hand (fixtures, not a model).
"""

import asyncio
import json

import httpx2
import pytest
from pydantic import BaseModel

from factcheck import LLM, ModelCallError, Usage, resolve_config
from factcheck.cli.common import as_flags
from factcheck.errors import ConfigError
from factcheck.llm.failures import refusal
from factcheck.llm.modes import OUTPUT_MODES, mode_instead
from tests.fakes import FakeEndpoint

# llama-cpp-python 0.3.36 answering response_format {"type": "json_schema", ...}: HTTP 500.
LLAMA_CPP_PYTHON_JSON_SCHEMA_500 = {
    "error": {
        "message": "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', "
        "'response_format', 'type'), 'msg': \"Input should be 'text' or 'json_object'\", "
        "'input': 'json_schema', 'ctx': {'expected': \"'text' or 'json_object'\"}}\n\n  File "
        '"/srv/.venv/lib/python3.11/site-packages/llama_cpp/server/app.py", line 376, in '
        "create_chat_completion\n    POST /v1/chat/completions",
        "type": "internal_server_error",
        "param": None,
        "code": None,
    }
}
# An older llama.cpp server (and ik_llama.cpp) answering the same.
OLD_LLAMA_SERVER_500 = {
    "error": {
        "code": 500,
        "message": 'response_format type must be one of "text" or "json_object", but got: '
        "json_schema",
        "type": "server_error",
    }
}
OLLAMA_NO_TOOLS_400 = {
    "error": {
        "message": "registry.ollama.ai/library/gemma:2b does not support tools",
        "type": "api_error",
        "param": None,
        "code": None,
    }
}


class Answer(BaseModel):
    value: int


def ask(llm: LLM) -> Answer:
    return asyncio.run(
        llm.structured(
            stage="extract",
            response_model=Answer,
            messages=[{"role": "user", "content": "{{ q }} Answer in JSON."}],
            context={"q": "value?"},
            usage=Usage(),
        )
    )


def test_json_object_schema_sends_the_schema_beside_json_object_and_keeps_it_on_reasks():
    fake = FakeEndpoint([{"value": "many"}, {"value": 3}])  # the first answer is re-asked
    assert ask(fake.llm(mode="json_object_schema")).value == 3
    assert len(fake.requests) == 2
    for body in fake.requests:
        assert body["response_format"] == {
            "type": "json_object",
            "schema": Answer.model_json_schema(),
        }
        assert "tools" not in body


@pytest.mark.parametrize(
    ("mode", "sent"),
    [
        ("json", {"type": "json_object"}),
        ("json_schema", "json_schema"),
        ("tools", None),
        ("md_json", None),
    ],
)
def test_the_other_modes_send_what_the_table_says(mode, sent):
    answer = {"value": 1}
    if mode == "tools":
        tool_call = {"id": "call_1", "type": "function",
                     "function": {"name": "Answer", "arguments": json.dumps(answer)}}  # fmt: skip
        response = httpx2.Response(200, json={
            "id": "x", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {
                "role": "assistant", "content": None, "tool_calls": [tool_call]}}],
        })  # fmt: skip
        fake = FakeEndpoint([response])
    elif mode == "md_json":
        fake = FakeEndpoint([f"```json\n{json.dumps(answer)}\n```"])
    else:
        fake = FakeEndpoint([answer])
    assert ask(fake.llm(mode=mode)).value == 1
    body = fake.requests[0]
    if sent is None:
        assert "response_format" not in body
    elif sent == "json_schema":
        assert body["response_format"]["type"] == "json_schema"
    else:
        assert body["response_format"] == sent
    assert ("tools" in body) == (mode == "tools")


def test_a_500_refusing_response_format_is_not_retried_and_names_the_mode_to_use():
    """The retry storm of issue 18: six attempts and "kept failing: HTTP 500" before."""
    fake = FakeEndpoint([httpx2.Response(500, json=LLAMA_CPP_PYTHON_JSON_SCHEMA_500)] * 6)
    with pytest.raises(ModelCallError) as raised:
        ask(fake.llm(mode="json_schema", retry={"attempts": 6, "initial_wait": 0.001}))
    message = str(raised.value)
    assert len(fake.requests) == 1
    assert "\n" not in message and "kept failing" not in message
    assert "refused the request's response_format" in message
    assert "Input should be 'text' or 'json_object'" in message
    assert "output mode json_schema does not work with this server" in message
    assert 'use mode="json_object_schema"' in message
    # The Python API names the argument; the command line names the flag.
    assert "use --output-mode json_object_schema" in as_flags(message)
    assert "app.py" not in message  # the server's traceback stays out


def test_an_older_llama_cpp_server_500_is_a_refusal_too():
    fake = FakeEndpoint([httpx2.Response(500, json=OLD_LLAMA_SERVER_500)] * 3)
    with pytest.raises(ModelCallError, match='use mode="json_object_schema"'):
        ask(fake.llm(mode="json_schema"))
    assert len(fake.requests) == 1


def test_a_server_without_tools_is_told_to_use_a_json_mode():
    fake = FakeEndpoint([httpx2.Response(400, json=OLLAMA_NO_TOOLS_400)])
    with pytest.raises(ModelCallError) as raised:
        ask(fake.llm(mode="tools"))
    assert "refused the request's tools" in str(raised.value)
    assert 'use mode="json_schema"' in str(raised.value)


def test_a_500_refusing_another_parameter_is_not_retried_and_gives_no_mode_advice():
    body = json.loads(json.dumps(LLAMA_CPP_PYTHON_JSON_SCHEMA_500))
    body["error"]["message"] = (
        "1 validation error:\n  {'type': 'float_parsing', 'loc': ('body', 'temperature'), "
        "'msg': 'Input should be a valid number, unable to parse string as a number', "
        "'input': 'hot'}"
    )
    fake = FakeEndpoint([httpx2.Response(500, json=body)] * 3)
    with pytest.raises(ModelCallError) as raised:
        ask(fake.llm())
    assert len(fake.requests) == 1
    assert "refused the request's temperature" in str(raised.value)
    assert "mode=" not in str(raised.value) and "output mode" not in str(raised.value)


def test_a_plain_500_is_still_retried():
    plain = {"error": {"message": "CUDA out of memory", "type": "internal_server_error"}}
    fake = FakeEndpoint([httpx2.Response(500, json=plain)] * 3)
    with pytest.raises(ModelCallError, match="kept failing: HTTP 500 on all 3 attempts"):
        ask(fake.llm())
    assert len(fake.requests) == 3


@pytest.mark.parametrize(
    ("status", "document", "parameter"),
    [
        (500, LLAMA_CPP_PYTHON_JSON_SCHEMA_500, "response_format"),
        (500, OLD_LLAMA_SERVER_500, "response_format"),
        (400, OLLAMA_NO_TOOLS_400, "tools"),
        (400, {"error": {"message": "Invalid schema", "param": "response_format"}},
         "response_format"),
        (422, {"detail": [{"loc": ["body", "response_format", "type"], "msg": "bad"}]},
         "response_format"),
        (500, {"error": {"message": "the model crashed"}}, None),
        (503, {"error": {"message": "loading model"}}, None),
        (429, {"error": {"message": "response_format is rate limited"}}, None),
        (500, "not json", None),
    ],
)  # fmt: skip
def test_refusals_are_told_from_other_errors(status, document, parameter):
    body = document.encode() if isinstance(document, str) else json.dumps(document).encode()
    found = refusal(status, body)
    assert (found.parameter if found else None) == parameter


def test_mode_instead_follows_what_the_server_said():
    assert mode_instead("json_schema", "response_format", "'text' or 'json_object'") == (
        "json_object_schema"
    )
    assert mode_instead("json_schema", "response_format", "no") == "tools"
    assert mode_instead("json_object_schema", "response_format") == "json_schema"
    assert mode_instead("tools", "tools") == "json_schema"
    assert mode_instead("json", "response_format") == "md_json"


def test_json_object_schema_is_a_mode_of_the_config_and_the_cli():
    config = resolve_config(model="m", base_url="http://127.0.0.1:8080/v1",
                            mode="json_object_schema", env={})  # fmt: skip
    assert config.output_mode() is OUTPUT_MODES["json_object_schema"]
    with pytest.raises(ConfigError, match="json_object_schema"):
        resolve_config(model="m", base_url="http://x/v1", mode="grammar", env={})
