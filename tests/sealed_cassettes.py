"""A VCR serializer that keeps news text out of cassettes of the seed cluster.

The seed cluster's articles are real reports the project may read but must not redistribute.
A recording of the pipeline on them would copy them: requests carry whole articles and answers
quote them. So such a cassette stores each request body only as a SHA-256 digest (requests are
matched by digest), and each response body sealed with a keystream derived from the cluster's
own files: a checkout with ``../shared`` replays it, and the file itself reveals no text.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

from vcr.serializers import yamlserializer

DIGEST_PREFIX = "sha256:"
SEALED_PREFIX = "sealed:"


def cluster_key(folder: Path) -> bytes | None:
    """A key made from every file of the cluster folder; ``None`` when the folder is absent."""
    if not folder.is_dir():
        return None
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.digest()


def _xor(data: bytes, key: bytes) -> bytes:
    stream = hashlib.shake_256(key).digest(len(data))
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


def body_digest(body: bytes | str | None) -> str:
    """The digest a request body is matched by (a stored digest is returned as it is)."""
    raw = body.encode() if isinstance(body, str) else body or b""
    if raw.startswith(DIGEST_PREFIX.encode()):
        return raw.decode()
    return DIGEST_PREFIX + hashlib.sha256(raw).hexdigest()


def match_body_digest(r1: Any, r2: Any) -> None:
    """VCR matcher: request bodies are equal when their digests are."""
    assert body_digest(r1.body) == body_digest(r2.body)


class SealedSerializer:
    """YAML cassettes with digested request bodies and sealed response bodies."""

    def __init__(self, key: bytes | None) -> None:
        self.key = key

    def serialize(self, cassette: dict[str, Any]) -> str:
        if self.key is None:
            raise RuntimeError("cannot record a sealed cassette without the seed cluster")
        for interaction in cassette["interactions"]:
            request = interaction["request"]
            request["body"] = body_digest(request["body"])
            body = interaction["response"]["body"]
            plain = (body["string"] or "").encode()
            body["string"] = SEALED_PREFIX + base64.b64encode(_xor(plain, self.key)).decode()
        return yamlserializer.serialize(cassette)

    def deserialize(self, text: str) -> dict[str, Any]:
        cassette = yamlserializer.deserialize(text)
        if self.key is None:
            return cassette  # the test that needs it skips without the seed cluster
        for interaction in cassette["interactions"]:
            body = interaction["response"]["body"]
            sealed = body["string"]
            if isinstance(sealed, str) and sealed.startswith(SEALED_PREFIX):
                raw = base64.b64decode(sealed.removeprefix(SEALED_PREFIX))
                body["string"] = _xor(raw, self.key).decode()
        return cassette
