"""A scripted OpenAI-compatible chat-completions server, used only to record VCR cassettes.

This is a fixture: its answers test plumbing, never accuracy. No model runs here. Every answer
comes from a few deterministic rules (sentence splitting and word overlap), so a recorded
cassette exercises requests, re-asks, retries, metering and report building without pretending
to say anything true about an article.

It serves ``POST /v1/chat/completions`` and, for the Batch loop, a minimal Files and Batches
API (upload, create, retrieve, download): a batch is answered by the same rules when it is
created and reports ``validating``, ``in_progress``, then ``completed`` on successive
retrievals, so polling is exercised. It understands the three structured answers factcheck
asks for (``ExtractionAnswer``, ``MergeAnswer``, ``CheckAnswer``) in instructor's JSON mode
(``response_format`` plus the schema in the system message) and tools mode (one forced tool).
The request's ``model`` picks a scenario; see ``SCENARIOS``.

The rules, in short: extraction takes the first few long sentences (and the headline when no
sentence repeats it), splitting an "X said" off as the attribution; merge groups statements by
word overlap and proposes a dispute where two statements differ only in their numbers or
weekdays (an update when the articles' dates differ) or a group credits different speakers;
check answers compactly from the best-overlapping sentence or headline, contradicted when
negation or numbers differ.

Use it as a context manager::

    with ScriptedStub() as stub:
        llm = LLM(ModelConfig(model="scripted-stub", base_url=stub.base_url))

or in the foreground: ``python -m tests.scripted_stub --port 8765``.
"""

from __future__ import annotations

import argparse
import email.parser
import email.policy
import json
import re
import sys
import threading
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

NORMAL = "scripted-stub"
HALLUCINATED_QUOTE = "scripted-stub-hallucinated-quote"
ALWAYS_HALLUCINATES = "scripted-stub-always-hallucinates"
RATE_LIMITED = "scripted-stub-rate-limited"
SERVER_ERROR = "scripted-stub-server-error"
MALFORMED_JSON = "scripted-stub-malformed-json"
TRUNCATED = "scripted-stub-truncated"
WRONG_IDS = "scripted-stub-wrong-ids"

SCENARIOS: dict[str, str] = {
    NORMAL: "answers by the rules: first sentences as claims, word overlap for merge and check",
    HALLUCINATED_QUOTE: "extract: a first attempt adds a claim whose quote is not in the article",
    ALWAYS_HALLUCINATES: "extract: every attempt adds a claim whose quote is not in the article",
    RATE_LIMITED: "every distinct request body gets HTTP 429 (Retry-After: 0) the first time",
    SERVER_ERROR: "every request gets HTTP 500",
    MALFORMED_JSON: "extract: a first attempt answers text that is not JSON",
    TRUNCATED: "check: every answer is cut in half, finish_reason 'length'",
    WRONG_IDS: "check: a first attempt leaves out the last claim id and adds c999",
}

STAGES = ("ExtractionAnswer", "MergeAnswer", "CheckAnswer", "CapitalProbe")
# The answer to factcheck doctor's probe of each output mode (a fixture, like every answer here).
PROBE_ANSWER = {"city": "Paris", "country": "France"}
CHAT_PATH = "/v1/chat/completions"

FABRICATED_QUOTE = "The minister confirmed the shipment had already arrived in port."
MALFORMED_TEXT = 'Sure! Here are the claims: {claims: [quote: "The article says'

EXTRACT_COUNT = 4
EXTRACT_MIN_WORDS = 6
MERGE_THRESHOLD = 0.4
CHECK_THRESHOLD = 0.35
# factcheck refuses quotes shorter than this (letters, not spaces): never offer one as evidence.
MIN_EVIDENCE_CHARS = 8

NEGATIONS = frozenset({"not", "never", "no", "denied", "denies"})

# A long article's part carries part="2 of 7" after its id.
_ARTICLE = re.compile(
    r'<article id="(?P<id>[^"]*)"[^>]*>\s*<title>(?P<title>.*?)</title>\n?(?P<body>.*)\n</article>',
    re.S,
)
_CLAIM_LINE = re.compile(
    r"^\s*(?P<id>[A-Za-z]+\d+)(?:\s*\[(?P<note>[^\]]*)\])?\s*:\s?(?P<text>.*?)\s*$"
)
_ARTICLE_LINE = re.compile(r"^(?P<letter>[A-Z]+): .*, published (?P<date>.+?)\s*$")
# "Three people have died, police said." and "Fire chief Dana Whitlock said: \"...\"".
_SAID_AFTER = re.compile(
    r"^(?P<what>.{12,})[,.][\"'\u201d\u2019]?\s+(?:(?P<who>[^,\"\u201d]{2,60}?)\s+(?:said|says)|"
    r"(?:said|says)\s+(?P<who2>[^,\"\u201d]{2,60}?))\.?$"
)
_SAID_BEFORE = re.compile(
    r"^(?P<who>[A-Z][^,\"]{1,60}?)\s+(?:said|says)(?::|,| that)\s+(?P<what>.{12,})$"
)
_AS_OF = re.compile(
    r"\b(?:by|as of)\s+(?:late\s+)?(?:\w+day|\d{1,2}(?:[.:]\d{2})?\s*(?:am|pm))"
    r"(?:\s+(?:morning|afternoon|evening|night))?",
    re.I,
)
WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})
SLOT_WORDS = frozenset(
    {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "one", "two",
     "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
     "fourteen", "twenty", "forty", "fifty", "hundred"}
)  # fmt: skip
DISPUTE_FRAME = 0.6
# A sentence ends at . ! or ?, perhaps followed by closing quotes or brackets, then whitespace.
_SENTENCE_END = re.compile(r"""(?<=[.!?])\s+|(?<=[.!?]["'\u201d\u2019)\]])\s+""")
_TOKEN = re.compile(r"[a-z0-9]+")
_CONTRACTED_NOT = re.compile(r"n['\u2019]t\b")


# --- text rules -------------------------------------------------------------------------------


def sentences(body: str) -> list[str]:
    """Split ``body`` on newlines and sentence ends; every sentence is a substring of it."""
    found: list[str] = []
    for line in body.split("\n"):
        for piece in _SENTENCE_END.split(line):
            piece = piece.strip()
            if piece:
                found.append(piece)
    return found


@lru_cache(maxsize=8192)
def tokens(text: str) -> frozenset[str]:
    """Lowercase alphanumeric words (cached: the merge rules compare every pair of claims)."""
    return frozenset(_TOKEN.findall(text.lower()))


def jaccard(a: str, b: str) -> float:
    """Token-set Jaccard similarity of two texts (0.0 when both are empty)."""
    left, right = tokens(a), tokens(b)
    union = left | right
    return len(left & right) / len(union) if union else 0.0


def negated(text: str) -> bool:
    """Whether ``text`` holds a negation word (not, never, no, denied, denies, n't)."""
    lowered = text.lower()
    return bool(tokens(lowered) & NEGATIONS) or bool(_CONTRACTED_NOT.search(lowered))


def parse_article(text: str) -> tuple[str, str, str] | None:
    """The (id, title, body) of the ``<article>`` in a user message, if there is one."""
    match = _ARTICLE.search(text)
    if match is None:
        return None
    return match["id"], match["title"], match["body"]


def parse_claims(text: str) -> list[tuple[str, str, str]]:
    """The ``id [note]: text`` lines of the last ``<claims>`` block: (id, text, note)."""
    start = text.rfind("<claims>")
    if start == -1:
        return []
    end = text.find("</claims>", start)
    block = text[start + len("<claims>") : end if end != -1 else len(text)]
    claims = []
    for line in block.splitlines():
        match = _CLAIM_LINE.match(line)
        if match:
            claims.append((match["id"], match["text"], match["note"] or ""))
    return claims


def parse_articles(text: str) -> dict[str, str]:
    """Article letter -> publication date, from the ``<articles>`` block of a merge prompt."""
    start, end = text.find("<articles>"), text.find("</articles>")
    if start == -1 or end == -1:
        return {}
    dates = {}
    for line in text[start + len("<articles>") : end].splitlines():
        match = _ARTICLE_LINE.match(line.strip())
        if match:
            dates[match["letter"]] = match["date"]
    return dates


def attribution(sentence: str) -> tuple[str, str | None]:
    """Split an "X said" off a sentence: (statement, who), ``who`` None when nobody is named."""
    for pattern in (_SAID_BEFORE, _SAID_AFTER):
        match = pattern.match(sentence)
        if match:
            who = match.groupdict().get("who") or match.groupdict().get("who2")
            what = match["what"].strip(" \"'\u201c\u201d\u2018\u2019,:")
            if who and len(who.split()) <= 6 and len(what.split()) >= 3:
                return what[0].upper() + what[1:].rstrip(".") + ".", who.strip()
    return sentence, None


def claim_item(quote: str) -> dict[str, Any]:
    """One extracted claim: the quote as it stands, the statement without its "X said"."""
    statement, who = attribution(quote)
    as_of = _AS_OF.search(quote)
    return {
        "quote": quote,
        "statement": statement,
        "attributed_to": who,
        "as_of": as_of.group(0) if as_of else None,
    }


def extract_answer(title: str, body: str, count: int = EXTRACT_COUNT) -> dict[str, Any]:
    """The first ``count`` long sentences of ``body``, and the headline unless one repeats it."""
    picked: list[str] = []
    for sentence in sentences(body):
        if len(sentence.split()) >= EXTRACT_MIN_WORDS and sentence not in picked:
            picked.append(sentence)
        if len(picked) == count:
            break
    claims = [claim_item(s) for s in picked]
    if len(title.split()) >= 4 and all(jaccard(title, s) < MERGE_THRESHOLD for s in picked):
        claims.append(claim_item(title))
    return {"claims": claims}


def _frame(text: str) -> set[str]:
    """The words of a statement that are not a number or a weekday: what it is about."""
    return {w for w in tokens(text) if not w.isdigit() and w not in SLOT_WORDS}


def _slots(text: str) -> set[str]:
    return {w for w in tokens(text) if w.isdigit() or w in SLOT_WORDS}


def merge_answer(
    claims: list[tuple[str, str]], notes: dict[str, str], dates: dict[str, str]
) -> dict[str, Any]:
    """Greedy groups by word overlap; disputes where statements differ only in their slots."""
    used: set[str] = set()
    groups = []
    group_of: dict[str, int] = {}
    for n, (first_id, first_text) in enumerate(claims):
        if first_id in used:
            continue
        ids = [first_id]
        for other_id, other_text in claims[n + 1 :]:
            if other_id in used or other_id in ids:
                continue
            if jaccard(first_text, other_text) >= MERGE_THRESHOLD and (
                _slots(first_text) == _slots(other_text)
            ):
                ids.append(other_id)
        if len(ids) >= 2:
            used.update(ids)
            group_of.update({i: len(groups) for i in ids})
            groups.append({"ids": ids, "statement": first_text})
    disputes = []
    for n, (left_id, left) in enumerate(claims):
        for right_id, right in claims[n + 1 :]:
            same_group = left_id in group_of and group_of.get(right_id) == group_of[left_id]
            frame = jaccard(" ".join(_frame(left)), " ".join(_frame(right)))
            if same_group or frame < DISPUTE_FRAME or _slots(left) == _slots(right):
                continue
            letters = {_letters(left_id, notes), _letters(right_id, notes)}
            dated = {dates.get(x) for x in letters}
            numeric = any(w.isdigit() or w not in WEEKDAYS for w in _slots(left) ^ _slots(right))
            kind = ("update" if len(dated) > 1 else "number") if numeric else "date"
            disputes.append(
                {"question": "Which is right?", "kind": kind, "versions": [[left_id], [right_id]]}
            )
    for group in groups:
        credited = {_credit(notes.get(i, "")) for i in group["ids"]} - {""}
        if len(credited) >= 2:
            versions: dict[str, list[str]] = {}
            for i in group["ids"]:
                versions.setdefault(_credit(notes.get(i, "")), []).append(i)
            disputes.append({"question": "Who said it?", "kind": "attribution",
                             "versions": [v for k, v in versions.items() if k]})  # fmt: skip
    return {"groups": groups, "disputes": disputes}



def _letters(ref: str, notes: dict[str, str]) -> str:
    """The article letter of a claim id (a K id: the first article its note names)."""
    if ref.startswith("K"):
        return notes.get(ref, "").split(",")[0].strip()
    return re.sub(r"\d+$", "", ref)


def _credit(note: str) -> str:
    """The speaker a claim line's note names ("per police; by Tuesday" -> "police")."""
    first = note.split(";")[0].strip()
    return first.removeprefix("per ").strip().lower() if first.startswith("per ") else ""


def check_answer(title: str, body: str, claims: list[tuple[str, str]]) -> dict[str, Any]:
    """Compact: the claims whose best-overlapping sentence (or headline) settles them, and the
    ids of the rest."""
    candidates = [s for s in sentences(body) if len(s.replace(" ", "")) >= MIN_EVIDENCE_CHARS]
    if len(title.replace(" ", "")) >= MIN_EVIDENCE_CHARS:
        candidates.append(title)
    found, not_mentioned = [], []
    for claim_id, text in claims:
        best, score = None, 0.0
        for sentence in candidates:
            overlap = jaccard(text, sentence)
            if overlap > score:
                best, score = sentence, overlap
        if best is None or score < CHECK_THRESHOLD:
            not_mentioned.append(claim_id)
            continue
        differs = negated(text) != negated(best) or (
            bool(_slots(text)) and bool(_slots(best)) and not _slots(text) & _slots(best)
        )
        found.append({
            "claim_id": claim_id,
            "evidence": best,
            "attributed_to": attribution(best)[1],
            "rationale": f"scripted stub: word overlap {score:.2f}",
            "label": "contradicted" if differs else "supported",
        })  # fmt: skip
    return {"found": found, "not_mentioned": not_mentioned}


# --- requests ---------------------------------------------------------------------------------


class StubError(Exception):
    """An HTTP error answer: status, OpenAI-style error type and code, extra headers."""

    def __init__(
        self,
        status: int,
        message: str,
        kind: str,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.code = code
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The OpenAI-style error document."""
        return {"error": {"message": self.message, "type": self.kind, "code": self.code}}


def _text(content: Any) -> str:
    """A message's content as text (a string, or a list of content parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def tool_name(request: dict[str, Any]) -> str | None:
    """The forced tool's name in tools mode, else ``None``."""
    tools = request.get("tools")
    if not isinstance(tools, list) or not tools:
        return None
    first = tools[0] if isinstance(tools[0], dict) else {}
    name = (first.get("function") or {}).get("name")
    return name if isinstance(name, str) else None


def detect_stage(request: dict[str, Any], raw: str, user: str) -> str:
    """Which answer is asked for: one of ``STAGES``.

    The tool name in tools mode; else the schema title in the system message; else the first
    schema name in the raw body; else the shape of the user message.
    """
    name = tool_name(request)
    if name in STAGES:
        return name
    messages = request.get("messages") or []
    system = " ".join(_text(m.get("content")) for m in messages if m.get("role") == "system")
    for stage in STAGES:
        if re.search(rf'"title"\s*:\s*"{stage}"', system):
            return stage
    hits = [(raw.find(stage), stage) for stage in STAGES if stage in raw]
    if hits:
        return min(hits)[1]
    if "<article" in user:
        return "CheckAnswer" if "<claims>" in user else "ExtractionAnswer"
    if "<claims>" in user:
        return "MergeAnswer"
    raise StubError(
        400,
        "scripted stub: cannot tell which answer this request asks for",
        "invalid_request_error",
        "unknown_stage",
    )


def first_user_message(request: dict[str, Any]) -> str:
    """The text of the first ``user`` message."""
    for message in request.get("messages") or []:
        if isinstance(message, dict) and message.get("role") == "user":
            return _text(message.get("content"))
    raise StubError(
        400,
        "scripted stub: the request has no user message",
        "invalid_request_error",
        "no_user_message",
    )


def normal_answer(stage: str, user: str, extract_count: int = EXTRACT_COUNT) -> dict[str, Any]:
    """The rule-based answer for ``stage``; an extraction takes ``extract_count`` sentences."""
    if stage == "CapitalProbe":
        return dict(PROBE_ANSWER)
    if stage == "MergeAnswer":
        claims = parse_claims(user)
        notes = {ref: note for ref, _, note in claims}
        return merge_answer([(r, t) for r, t, _ in claims], notes, parse_articles(user))
    article = parse_article(user)
    if article is None:
        raise StubError(
            400,
            "scripted stub: no <article> in the user message",
            "invalid_request_error",
            "no_article",
        )
    _, title, body = article
    if stage == "ExtractionAnswer":
        return extract_answer(title, body, extract_count)
    claims = parse_claims(user[user.rfind("</article>") :])
    return check_answer(title, body, [(r, t) for r, t, _ in claims])


class ScriptedStub:
    """Context manager: starts on 127.0.0.1 on a free port (or a given port) in a daemon thread.

    ``base_url`` is what to give the OpenAI client; ``requests`` holds every parsed request
    body received, in order, so tests can count calls, re-asks and retries. ``extract_count``:
    how many sentences an extraction takes (the scaling benchmark takes every one, as a model
    extracting every claim would).
    """

    def __init__(self, port: int = 0, extract_count: int = EXTRACT_COUNT) -> None:
        self.port = port
        self.extract_count = extract_count
        self.base_url = ""
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._counter = 0
        self._seen_bodies: set[bytes] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # Batch API state: uploaded and produced files, and batches with their status queue.
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self._statuses: dict[str, list[str]] = {}
        # Chat answers of these stages wait until ``release`` is set (a test kills a run then).
        self.hold_stages: set[str] = set()
        self.release = threading.Event()

    # lifecycle

    def _bind(self) -> ThreadingHTTPServer:
        stub = self

        class Handler(_Handler):
            pass

        Handler.stub = stub
        server = _QuietServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        return server

    def start(self) -> ScriptedStub:
        """Bind and serve in a daemon thread; returns ``self``."""
        if self._server is not None:
            return self
        self._server = self._bind()
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="scripted-stub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> ScriptedStub:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # answering

    def _record(self, raw: bytes, request: dict[str, Any]) -> tuple[int, bool]:
        """Log the request; return its number and whether this exact body came before."""
        with self._lock:
            self._counter += 1
            self.requests.append(request)
            repeated = raw in self._seen_bodies
            self._seen_bodies.add(raw)
            return self._counter, repeated

    def answer(self, raw: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Answer one request body: (status, JSON document, extra headers)."""
        try:
            request = json.loads(raw)
        except (UnicodeDecodeError, ValueError):
            raise StubError(
                400,
                "scripted stub: the request body is not JSON",
                "invalid_request_error",
                "invalid_json",
            ) from None
        if not isinstance(request, dict):
            raise StubError(
                400,
                "scripted stub: the request body is not a JSON object",
                "invalid_request_error",
                "invalid_json",
            )
        number, repeated = self._record(raw, request)
        model = request.get("model")
        if model not in SCENARIOS:
            raise StubError(
                404,
                f"The model '{model}' does not exist",
                "invalid_request_error",
                "model_not_found",
            )
        if request.get("stream"):
            raise StubError(
                400,
                "scripted stub: streaming is not supported",
                "invalid_request_error",
                "stream_unsupported",
            )
        if model == SERVER_ERROR:
            raise StubError(
                500,
                "scripted stub: the server had an error (scenario server-error)",
                "server_error",
                "server_error",
            )
        if model == RATE_LIMITED and not repeated:
            raise StubError(
                429,
                "scripted stub: rate limit reached (scenario rate-limited); "
                "send the same request again",
                "rate_limit_error",
                "rate_limit_exceeded",
                {"Retry-After": "0"},
            )

        text = raw.decode("utf-8")
        user = first_user_message(request)
        stage = detect_stage(request, text, user)
        if stage in self.hold_stages:
            self.release.wait(timeout=60)
        reask = len(request.get("messages") or []) > 2
        answer = normal_answer(stage, user, self.extract_count)
        finish = "stop"
        content: str | None = None

        if stage == "ExtractionAnswer":
            if model == ALWAYS_HALLUCINATES or (model == HALLUCINATED_QUOTE and not reask):
                answer["claims"].append(claim_item(FABRICATED_QUOTE))
            elif model == MALFORMED_JSON and not reask:
                content = MALFORMED_TEXT
        elif stage == "CheckAnswer":
            if model == WRONG_IDS and not reask:
                last = parse_claims(user[user.rfind("</article>") :])[-1][0]
                answer["found"] = [f for f in answer["found"] if f["claim_id"] != last]
                answer["not_mentioned"] = [c for c in answer["not_mentioned"] if c != last]
                answer["not_mentioned"].append("c999")
            elif model == TRUNCATED:
                full = json.dumps(answer, ensure_ascii=False)
                content = full[: len(full) // 2]
                finish = "length"

        if content is None:
            content = json.dumps(answer, ensure_ascii=False)
        return 200, completion(request, number, text, content, finish), {}


    def models(self) -> dict[str, Any]:
        """``GET /v1/models``: every scenario, as a model."""
        return {"object": "list", "data": [{"id": name, "object": "model", "owned_by": "stub"}
                                           for name in SCENARIOS]}  # fmt: skip

    # Batch API ------------------------------------------------------------------------------

    def upload(self, content_type: str, raw: bytes) -> dict[str, Any]:
        """``POST /v1/files``: keep the multipart ``file`` part."""
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw
        )
        parts = {
            part.get_param("name", header="content-disposition"): part
            for part in message.iter_parts()
        }
        if "file" not in parts:
            raise StubError(400, "scripted stub: no file part", "invalid_request_error", "no_file")
        data = parts["file"].get_payload(decode=True) or b""
        with self._lock:
            file_id = f"file-scripted-{len(self.files) + 1}"
            self.files[file_id] = data
        return {
            "id": file_id, "object": "file", "bytes": len(data), "created_at": 0,
            "filename": parts["file"].get_filename() or "upload.jsonl", "purpose": "batch",
            "status": "processed",
        }  # fmt: skip

    def create_batch(self, raw: bytes) -> dict[str, Any]:
        """``POST /v1/batches``: answer every line now; report progress over later retrievals."""
        request = json.loads(raw)
        data = self.files.get(request.get("input_file_id", ""))
        if data is None:
            raise StubError(404, "scripted stub: no such file", "invalid_request_error", "nf")
        outputs, errors = self.batch_results(data.decode("utf-8"))
        with self._lock:
            batch_id = f"batch_scripted_{len(self.batches) + 1}"
            output_id, error_id = f"{batch_id}-output", f"{batch_id}-errors"
            self.files[output_id] = "\n".join(outputs).encode("utf-8")
            if errors:
                self.files[error_id] = "\n".join(errors).encode("utf-8")
            self.batches[batch_id] = {
                "id": batch_id, "object": "batch", "endpoint": request.get("endpoint"),
                "input_file_id": request["input_file_id"], "completion_window": "24h",
                "created_at": 0, "status": "validating", "output_file_id": None,
                "error_file_id": None,
                "request_counts": {"total": len(outputs) + len(errors),
                                   "completed": len(outputs), "failed": len(errors)},
            }  # fmt: skip
            self._statuses[batch_id] = ["in_progress", "completed"]
            self.batches[batch_id]["_files"] = (output_id, error_id if errors else None)
        return self._public(self.batches[batch_id])

    def batch_results(self, requests_jsonl: str) -> tuple[list[str], list[str]]:
        """Answer a Batch input file's lines: (output lines, error lines) as Batch JSONL."""
        outputs: list[str] = []
        errors: list[str] = []
        for line in requests_jsonl.splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            body = json.dumps(entry["body"]).encode("utf-8")
            try:
                status, document, _ = self.answer(body)
            except StubError as error:
                status, document = error.status, error.body()
            result = {
                "id": f"batch_req_{len(outputs) + len(errors) + 1}",
                "custom_id": entry["custom_id"],
                "response": {"status_code": status, "request_id": "scripted", "body": document},
                "error": None,
            }
            (outputs if status == 200 else errors).append(json.dumps(result))
        return outputs, errors

    def retrieve_batch(self, batch_id: str) -> dict[str, Any]:
        """``GET /v1/batches/{id}``: the next status on each call, files once completed."""
        with self._lock:
            batch = self.batches.get(batch_id)
            if batch is None:
                raise StubError(404, f"No batch found with id '{batch_id}'",
                                "invalid_request_error", "not_found")  # fmt: skip
            queue = self._statuses[batch_id]
            if queue:
                batch["status"] = queue.pop(0)
            if batch["status"] == "completed":
                batch["output_file_id"], batch["error_file_id"] = batch["_files"]
            return self._public(batch)

    @staticmethod
    def _public(batch: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in batch.items() if not k.startswith("_")}


def completion(
    request: dict[str, Any], number: int, raw: str, content: str, finish: str
) -> dict[str, Any]:
    """A chat.completion document carrying ``content`` as text or as the forced tool's call."""
    name = tool_name(request)
    message: dict[str, Any]
    if name is not None:
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [{
                "id": f"call_scripted_{number}",
                "type": "function",
                "function": {"name": name, "arguments": content},
            }],
        }  # fmt: skip
    else:
        message = {"role": "assistant", "content": content}
    prompt_tokens = len(raw) // 4
    completion_tokens = len(content) // 4
    return {
        "id": f"chatcmpl-scripted-{number}",
        "object": "chat.completion",
        "created": 0,
        "model": request.get("model"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up early (after a 404, say) is not an error worth a traceback.

    socketserver prints one to stderr otherwise, where a test reading the CLI's stderr sees it.
    A wave of concurrent calls (a client at ``--concurrency 64``) must not overflow the listen
    backlog (socketserver's default is 5), or the kernel drops connections a real server takes.
    """

    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about dropped connections; report anything else as usual."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """HTTP glue: only ``POST /v1/chat/completions``; everything else is a JSON 404."""

    protocol_version = "HTTP/1.1"
    server_version = "ScriptedStub/1"
    sys_version = ""
    stub: ScriptedStub

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: a fixture has nothing to say on stderr."""

    def _send(self, status: int, document: dict[str, Any], headers: dict[str, str]) -> None:
        data = json.dumps(document, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _send_error(self, error: StubError) -> None:
        self._send(error.status, error.body(), error.headers)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _not_found(self) -> None:
        path = urlsplit(self.path).path
        self._send_error(
            StubError(
                404,
                f"scripted stub: no route {self.command} {path}",
                "invalid_request_error",
                "not_found",
            )
        )

    def do_POST(self) -> None:
        """Answer a chat completion, a file upload or a batch creation; 404 otherwise."""
        raw = self._read_body()
        path = urlsplit(self.path).path.rstrip("/")
        try:
            if path == CHAT_PATH:
                status, document, headers = self.stub.answer(raw)
            elif path == "/v1/files":
                status, headers = 200, {}
                document = self.stub.upload(self.headers.get("Content-Type", ""), raw)
            elif path == "/v1/batches":
                status, document, headers = 200, self.stub.create_batch(raw), {}
            else:
                self._not_found()
                return
        except StubError as error:
            self._send_error(error)
            return
        self._send(status, document, headers)

    def do_GET(self) -> None:
        """List the models, retrieve a batch or download a file's content; 404 otherwise."""
        path = urlsplit(self.path).path.rstrip("/")
        parts = path.split("/")
        try:
            if path == "/v1/models":
                self._send(200, self.stub.models(), {})
            elif path.startswith("/v1/batches/") and len(parts) == 4:
                self._send(200, self.stub.retrieve_batch(parts[3]), {})
            elif path.startswith("/v1/files/") and path.endswith("/content"):
                data = self.stub.files.get(parts[3])
                if data is None:
                    raise StubError(404, "scripted stub: no such file",
                                    "invalid_request_error", "not_found")  # fmt: skip
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            else:
                self._not_found()
        except StubError as error:
            self._send_error(error)

    def _other(self) -> None:
        self._read_body()
        self._not_found()

    do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _other


def main(argv: list[str] | None = None) -> None:
    """Run the stub in the foreground: ``python -m tests.scripted_stub --port 8765``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free)")
    args = parser.parse_args(argv)
    stub = ScriptedStub(port=args.port)
    server = stub._bind()
    print(f"scripted stub (a fixture, not a model) serving {stub.base_url}", flush=True)
    print("models: " + ", ".join(SCENARIOS), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
