"""Structured-output modes: how a request asks a server for an answer in a schema.

Servers disagree on how to ask. OpenAI, vLLM and Ollama take ``response_format: json_schema``;
llama-cpp-python's server refuses it (HTTP 500) and takes ``response_format: json_object``
with a ``schema`` beside the type instead, which it turns into a grammar. Tool calls with a
named ``tool_choice`` are held to the tool's parameters by most servers. Plain JSON mode and
Markdown JSON put the schema in the prompt only, so the model may answer any JSON at all.

Nothing here imports instructor until a mode is used for a call: reading a config (as every
run does to choose its backend) and ``--help`` never load the model stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import instructor
    from pydantic import BaseModel


@dataclass(frozen=True)
class OutputMode:
    """One way to ask for a structured answer.

    ``constrained``: the server is asked to hold the answer to the schema (it may still
    ignore the request; ``factcheck doctor`` can only see whether answers validate).
    ``instructor_name`` names the ``instructor.Mode`` member that builds the request.
    """

    name: str
    instructor_name: str
    constrained: bool
    sends: str

    @property
    def instructor(self) -> instructor.Mode:
        """The instructor mode that builds this mode's requests (imports instructor)."""
        import instructor

        return instructor.Mode[self.instructor_name]

    def request_extras(self, response_model: type[BaseModel]) -> dict[str, Any]:
        """Keyword arguments this mode adds to the SDK call beyond what instructor sends."""
        if self.name != "json_object_schema":
            return {}
        # instructor's JSON mode sends response_format {"type": "json_object"}; the SDK merges
        # extra_body over the typed parameters, so this replaces it, re-asks included.
        schema = response_model.model_json_schema()
        return {"extra_body": {"response_format": {"type": "json_object", "schema": schema}}}


OUTPUT_MODES: dict[str, OutputMode] = {
    mode.name: mode
    for mode in (
        OutputMode("tools", "TOOLS", True,
                   "one tool whose parameters are the schema, named in tool_choice"),
        OutputMode("json_schema", "JSON_SCHEMA", True,
                   'response_format {"type": "json_schema", "json_schema": {...}}'),
        OutputMode("json_object_schema", "JSON", True,
                   'response_format {"type": "json_object", "schema": {...}}, and the schema '
                   "in the system prompt"),
        OutputMode("json", "JSON", False,
                   'response_format {"type": "json_object"}, the schema in the system prompt'),
        OutputMode("md_json", "MD_JSON", False,
                   "no response_format; the schema in the prompt, the answer in a ```json block"),
    )
}  # fmt: skip

# The order factcheck doctor recommends in: modes that hold answers to the schema first.
PREFERENCE = ("json_schema", "json_object_schema", "tools", "json", "md_json")


def mode_instead(mode: str, refused: str, message: str = "") -> str:
    """The mode to use when a server refused the parameter ``refused`` that ``mode`` sends.

    ``message`` is the server's error: llama-cpp-python names the response_format types it
    takes ("Input should be 'text' or 'json_object'").
    """
    if refused in ("tools", "tool_choice", "functions"):
        return "json_schema"
    if mode == "json_schema":
        return "json_object_schema" if "json_object" in message else "tools"
    if mode == "json_object_schema":
        return "json_schema"
    return "md_json"  # json mode's response_format refused: md_json sends none
