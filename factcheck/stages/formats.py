r"""Read one article file, whatever its format and encoding, into a title and a body.

Text files are decoded as UTF-8, else as the encoding ``charset_normalizer`` finds (preferring
Windows-1252, the legacy encoding of most newsroom tools, when it fits), and the reader says
which. Line breaks are read as Python reads text (``\r\n`` and ``\r`` become ``\n``); every
offset a report gives points into the body as read here.

Markdown is rendered to plain text by a real parser (markdown-it-py) *in place*: markup
characters become spaces and soft line breaks inside a paragraph become spaces, so every
character of the rendered text sits at the offset it has in the file's text, and a quote found
in the rendering is found at the same place in the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

from factcheck.errors import InputError
from factcheck.stages.clean import continues, wrap_width

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

PLAIN_SUFFIXES = (".txt",)
MARKDOWN_SUFFIXES = (".md", ".markdown")
DOCUMENT_SUFFIXES = (".docx", ".pdf")
ARTICLE_SUFFIXES = (*PLAIN_SUFFIXES, *MARKDOWN_SUFFIXES, ".json", ".html", ".htm",
                    *DOCUMENT_SUFFIXES)  # fmt: skip

# A first line this long that ends as a sentence does is the lede, not a headline.
LEDE_MIN_WORDS = 12
# A hard-wrapped headline: a few short lines. Longer, it is a paragraph of the article.
MAX_HEADLINE_WORDS = 25
MAX_HEADLINE_LINES = 3
_SENTENCE_END = re.compile(r"[.!][\"”’)»]*$")
# Windows-1252 is accepted when charset_normalizer finds this little disorder in its reading.
_CP1252_MAX_CHAOS = 0.2
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
)  # fmt: skip


@dataclass
class ReadArticle:
    """What one file holds, before it becomes an ``Article``."""

    title: str
    text: str
    url: str | None = None
    outlet: str | None = None
    published: str | None = None
    notes: list[str] = field(default_factory=list)  # what the reader guessed, one line each


class JsonArticle(BaseModel):
    """The ``.json`` article format."""

    title: str
    text: str
    url: str | None = None
    source: str | None = None
    published: str | None = None


def read_article_file(path: Path) -> ReadArticle:
    """Read ``path`` by its suffix; ``InputError`` with one line when it cannot be used."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _split_title(path, _docx_text(path), [])
    if suffix == ".pdf":
        return _split_title(path, _pdf_text(path), [])
    raw, notes = read_text(path)
    if suffix == ".json":
        return _from_json(path, raw, notes)
    if suffix in (".html", ".htm"):
        return _from_html(path, raw, notes)
    if suffix in MARKDOWN_SUFFIXES:
        rendered, heading = render_markdown(raw)
        return _split_title(path, rendered, notes, title_is_heading=heading)
    return _split_title(path, raw, notes)


def read_text(path: Path) -> tuple[str, list[str]]:
    """The file's text with newlines as Python reads them, and a note when not UTF-8."""
    text, encoding = decode(path.read_bytes(), path)
    if encoding in ("utf-8", "utf-8-sig"):
        notes = []
    elif encoding in ("utf-16", "utf-32"):
        notes = [f"{path.name}: read as {encoding.upper()} (it starts with a byte order mark)"]
    else:
        notes = [f"{path.name}: not UTF-8; read as {encoding} (detected by charset_normalizer; "
                 "check its accented letters)"]  # fmt: skip
    return text.replace("\r\n", "\n").replace("\r", "\n"), notes


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Decode ``data``: a byte order mark, else UTF-8, else Windows-1252, else detection."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise InputError(f"{path}: not {encoding} text despite its byte order mark "
                                 f"(byte {exc.start} cannot be decoded)") from exc  # fmt: skip
    if b"\x00" in data:
        raise InputError(f"{path}: binary file, not an article")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Imported here: most clusters are UTF-8 and never need it.
    from charset_normalizer import from_bytes

    western = from_bytes(data, cp_isolation=["cp1252"]).best()
    if western is not None and western.chaos <= _CP1252_MAX_CHAOS:
        return str(western), "cp1252"
    best = from_bytes(data).best()
    if best is None:
        raise InputError(f"{path}: not UTF-8, and no other text encoding fits it")
    return str(best), best.encoding


# --- title and body ---------------------------------------------------------------------------


def _split_title(
    path: Path, raw: str, notes: list[str], *, title_is_heading: bool = False
) -> ReadArticle:
    """The headline and the body; an opening sentence that stands where a headline would stays.

    The headline is the first non-empty line, or the first paragraph when a short headline was
    hard-wrapped over several lines.
    """
    lines = raw.splitlines(keepends=True)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise InputError(f"{path}: the article is empty")
    block = first + 1
    while block < len(lines) and lines[block].strip():
        block += 1
    title_lines = _headline_lines(lines[first:block], wrap_width(raw.split("\n")))
    title = " ".join(line.strip() for line in title_lines).lstrip("#").strip()
    paragraph = lines[first:block]
    why = None if title_is_heading else _lede_reason(title, len(title_lines) > 1, paragraph)
    if why is not None:
        notes = [*notes, f"{path.name}: the first line reads as the opening of the article, "
                         f"not a headline ({why}): kept in the body; the title is the file "
                         "name"]  # fmt: skip
        return ReadArticle(title=path.stem, text="".join(lines[first:]).strip("\n"), notes=notes)
    body = "".join(lines[first + len(title_lines) :])
    return ReadArticle(title=title, text=body.strip("\n"), notes=notes)


def _headline_lines(paragraph: list[str], width: int | None) -> list[str]:
    """The first line, and the lines it runs on into when the text is hard-wrapped."""
    taken = paragraph[:1]
    for line in paragraph[1:]:
        if width is None or not continues(taken[-1].rstrip(), line, width):
            break
        taken.append(line)
    return taken


def _lede_reason(title: str, wrapped: bool, paragraph: list[str]) -> str | None:
    """Why the first line is the article's opening rather than its headline, if it is."""
    words = len(title.split())
    if words >= LEDE_MIN_WORDS and _SENTENCE_END.search(title):
        return f"it ends with a full stop and runs {words} words"
    if wrapped and (words > MAX_HEADLINE_WORDS or len(paragraph) > MAX_HEADLINE_LINES):
        return "it runs on into the next lines"
    return None


# --- Markdown -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    # Keep escapes and entities as their own tokens, so each can be placed where it is written.
    parser.disable("text_join")
    return parser


def render_markdown(source: str) -> tuple[str, bool]:
    """Markdown as plain text at the source's own offsets, and whether it opens with a heading.

    Every character that is markup (``#``, ``**``, list markers, link targets, HTML) becomes a
    space; text keeps its place; soft line breaks inside a paragraph become spaces. An entity
    or escape is written where its source form stood, padded with spaces.
    """
    out = [c if c == "\n" else " " for c in source]
    line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
    cursor = 0
    tokens = _markdown().parse(source)
    for token in tokens:
        if token.map is None:
            continue
        start = line_starts[token.map[0]]
        end = line_starts[token.map[1]] if token.map[1] < len(line_starts) else len(source)
        cursor = max(cursor, start)
        if token.type == "inline":
            cursor = _place_inline(source, out, token.children or [], cursor, end)
        elif token.type in ("fence", "code_block"):
            body = source[start:end]
            out[start:end] = list(body)
            if token.type == "fence":
                _blank_fence_lines(source, out, start, end)
            cursor = end
    heading = next((t.type == "heading_open" for t in tokens if t.map is not None), False)
    return "".join(out), heading


def _place_inline(source: str, out: list[str], children: list[Token], cursor: int, end: int) -> int:
    for child in children:
        if child.type in ("text", "code_inline") and child.content:
            at = source.find(child.content, cursor, end)
            if at == -1:
                # Not where the parser says: keep the block's source as it is, never lose text.
                out[cursor:end] = list(source[cursor:end])
                return end
            out[at : at + len(child.content)] = list(child.content)
            cursor = at + len(child.content)
        elif child.type == "text_special":
            at = source.find(child.markup, cursor, end)
            if at != -1:
                written = child.content[: len(child.markup)].ljust(len(child.markup))
                out[at : at + len(child.markup)] = list(written)
                cursor = at + len(child.markup)
        elif child.type == "softbreak":
            at = source.find("\n", cursor, end)
            if at != -1:
                out[at] = " "
                cursor = at + 1
        elif child.type == "hardbreak":
            at = source.find("\n", cursor, end)
            cursor = at + 1 if at != -1 else cursor
        elif child.type == "image":
            cursor = _place_inline(source, out, child.children or [], cursor, end)
    return cursor


def _blank_fence_lines(source: str, out: list[str], start: int, end: int) -> None:
    """Blank a fenced block's opening and closing fence lines, keeping the code between."""
    lines = source[start:end].split("\n")
    first_end = start + len(lines[0])
    out[start:first_end] = [" "] * (first_end - start)
    body = source[start:end].rstrip("\n")
    last_start = start + body.rfind("\n") + 1
    if last_start > first_end and body[last_start - start :].lstrip().startswith(("```", "~~~")):
        out[last_start : start + len(body)] = [" "] * (start + len(body) - last_start)


# --- other formats -------------------------------------------------------------------------------


def _from_json(path: Path, raw: str, notes: list[str]) -> ReadArticle:
    try:
        doc = JsonArticle.model_validate_json(raw)
    except ValidationError as exc:
        raise InputError(f"{path}: {first_error(exc)}") from exc
    return ReadArticle(title=doc.title.strip(), text=doc.text, url=doc.url, outlet=doc.source,
                       published=doc.published, notes=notes)  # fmt: skip


def _from_html(path: Path, raw: str, notes: list[str]) -> ReadArticle:
    # trafilatura is imported here because it is slow to import and only HTML needs it.
    import trafilatura

    document = trafilatura.bare_extraction(raw, include_comments=False, with_metadata=True)
    text = getattr(document, "text", None) if document is not None else None
    if not text:
        raise InputError(f"{path}: no article text found in the HTML")
    return ReadArticle(
        title=getattr(document, "title", None) or path.stem,
        text=text,
        url=getattr(document, "url", None),
        outlet=getattr(document, "sitename", None),
        published=getattr(document, "date", None),
        notes=notes,
    )


def _docx_text(path: Path) -> str:
    """The paragraphs of a Word document, one per line with a blank line between."""
    import docx  # python-docx, imported only for .docx files
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, ValueError, KeyError, OSError) as exc:
        raise InputError(f"{path}: not a Word document that can be read ({one_line(exc)})") from exc
    paragraphs = [p.text.strip() for p in document.paragraphs]
    return "\n\n".join(p for p in paragraphs if p)


def _pdf_text(path: Path) -> str:
    """The text layer of a PDF, page by page (hard-wrapped lines are unwrapped when cleaned)."""
    import pypdf  # imported only for .pdf files
    from pypdf.errors import PyPdfError

    try:
        reader = pypdf.PdfReader(str(path))
        if reader.is_encrypted:
            raise InputError(f"{path}: the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, OSError) as exc:
        raise InputError(f"{path}: not a PDF that can be read ({one_line(exc)})") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise InputError(f"{path}: the PDF has no text layer (a scan needs OCR first)")
    return text


def first_error(exc: ValidationError) -> str:
    """The first validation error, as ``where: what``."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "document"
    return f"{where}: {err['msg']}"


def one_line(exc: Exception) -> str:
    """The first line of an exception's message, or its type when it has none."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
