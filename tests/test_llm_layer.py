"""The LLM layer below the stages: configuration, retries, metering, error mapping."""

import asyncio

import httpx2
import instructor
import pytest
from pydantic import BaseModel

from factcheck import LLM, ConfigError, ModelCallError, ModelConfig, Usage, resolve_config
from factcheck.llm.transport import RetryingTransport, RetryPolicy, retry_after_seconds
from tests.fakes import FakeEndpoint, completion, error


class Answer(BaseModel):
    value: int


def ask(llm: LLM, usage: Usage | None = None) -> Answer:
    return asyncio.run(
        llm.structured(
            stage="extract",
            response_model=Answer,
            messages=[{"role": "user", "content": "{{ q }}"}],
            context={"q": "value?"},
            usage=usage or Usage(),
        )
    )


# --- configuration -------------------------------------------------------------------------


def test_flags_win_over_environment():
    env = {
        "FACTCHECK_MODEL": "env-model",
        "FACTCHECK_BASE_URL": "http://env/v1",
        "OPENAI_API_KEY": "sk-env",
    }
    config = resolve_config(model="flag-model", env=env)
    assert (config.model, config.base_url) == ("flag-model", "http://env/v1")
    assert config.api_key.get_secret_value() == "sk-env"


def test_missing_model_and_missing_openai_key_are_config_errors():
    with pytest.raises(ConfigError, match="no model configured"):
        resolve_config(env={})
    with pytest.raises(ConfigError, match="OPENAI_API_KEY is not set"):
        resolve_config(model="gpt-4o-mini", env={})
    # A local server needs no key.
    assert (
        resolve_config(model="llama3", base_url="http://localhost:11434/v1", env={}).api_key is None
    )
    with pytest.raises(ConfigError, match="unknown mode"):
        resolve_config(model="m", base_url="http://x/v1", mode="xml", env={})


@pytest.mark.parametrize(
    ("base_url", "mode", "expected"),
    [
        (None, None, instructor.Mode.TOOLS),
        ("https://my-res.openai.azure.com/openai/v1/", None, instructor.Mode.TOOLS),
        ("http://localhost:11434/v1", None, instructor.Mode.JSON),
        ("http://localhost:8000/v1", "json_schema", instructor.Mode.JSON_SCHEMA),
    ],
)
def test_mode_is_chosen_per_endpoint_and_overridable(base_url, mode, expected):
    assert ModelConfig(model="m", base_url=base_url, mode=mode).instructor_mode() is expected


def test_key_never_appears_in_config_dumps():
    config = ModelConfig(model="m", api_key="sk-secret-0123456789")
    assert "sk-secret" not in repr(config)
    assert "sk-secret" not in config.model_dump_json()


# --- retries -------------------------------------------------------------------------------


def test_retry_after_header_forms():
    assert retry_after_seconds(httpx2.Response(429, headers={"retry-after": "7"})) == 7
    assert retry_after_seconds(httpx2.Response(429, headers={"retry-after-ms": "250"})) == 0.25
    assert retry_after_seconds(httpx2.Response(429)) is None


def test_429_honours_retry_after_then_succeeds():
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    fake = FakeEndpoint([error(429, {"retry-after": "3"}), error(503), completion({"value": 1})])
    policy = RetryPolicy(attempts=5, initial_wait=0.5, max_wait=10)
    transport = RetryingTransport(httpx2.MockTransport(fake.handle), policy, sleep=sleep)

    async def send() -> httpx2.Response:
        async with httpx2.AsyncClient(transport=transport) as client:
            return await client.post("http://fake.invalid/v1/chat/completions", json={"a": 1})

    response = asyncio.run(send())
    assert response.status_code == 200
    assert len(fake.requests) == 3
    assert 3 <= slept[0] <= 3.6  # the server's Retry-After wins over the backoff (+ jitter)
    assert 0 <= slept[1] <= 10  # jittered exponential backoff for the 503


@pytest.mark.parametrize("status", [400, 401, 404])
def test_client_errors_are_never_retried(status):
    fake = FakeEndpoint([error(status)] * 5)
    with pytest.raises(ModelCallError) as raised:
        ask(fake.llm())
    assert len(fake.requests) == 1
    assert str(raised.value).count("\n") == 0


def test_persistent_5xx_ends_in_one_clear_error_after_all_attempts():
    fake = FakeEndpoint([error(500)] * 3)
    with pytest.raises(ModelCallError, match=r"kept failing: HTTP 500 on all 3 attempts"):
        ask(fake.llm())
    assert len(fake.requests) == 3


def test_connection_errors_are_retried():
    calls = []

    def flaky(request: httpx2.Request) -> httpx2.Response:
        calls.append(request)
        if len(calls) < 3:
            raise httpx2.ConnectError("refused", request=request)
        return completion({"value": 2})

    config = ModelConfig(
        model="m",
        base_url="http://fake.invalid/v1",
        retry=RetryPolicy(attempts=3, initial_wait=0.001, max_wait=0.01),
    )
    assert ask(LLM(config, transport=httpx2.MockTransport(flaky))).value == 2
    assert len(calls) == 3


def test_error_messages_never_carry_the_key():
    fake = FakeEndpoint(
        [
            httpx2.Response(
                401,
                json={
                    "error": {"message": "Incorrect API key provided: sk-fake-key-0123456789abcdef"}
                },
            )
        ]
    )
    with pytest.raises(ModelCallError) as raised:
        ask(fake.llm())
    assert "sk-fake" not in str(raised.value)


# --- metering ------------------------------------------------------------------------------


def test_usage_counts_every_attempt_including_reasks():
    # First answer fails validation (value is not an int): instructor re-asks; both cost tokens.
    fake = FakeEndpoint(
        [completion({"value": "many"}, tokens=(50, 5)), completion({"value": 3}, tokens=(70, 4))]
    )
    usage = Usage()
    assert ask(fake.llm(), usage).value == 3
    stage = usage.stages["extract"]
    assert (stage.calls, stage.input_tokens, stage.output_tokens) == (2, 120, 9)


def test_failed_http_attempts_are_not_billed_as_calls():
    fake = FakeEndpoint(
        [error(429, {"retry-after": "0"}), completion({"value": 1}, tokens=(10, 1))]
    )
    usage = Usage()
    ask(fake.llm(), usage)
    assert usage.calls == 1 and len(fake.requests) == 2
