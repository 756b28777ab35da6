"""Read a cluster folder: one file per article, and an optional ``cluster.yaml``."""

from __future__ import annotations

import datetime
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from factcheck.errors import InputError
from factcheck.models import Article, Cluster
from factcheck.stages.clean import clean

ARTICLE_SUFFIXES = (".txt", ".md", ".json", ".html", ".htm")
CLUSTER_FILE = "cluster.yaml"


class ArticleMeta(BaseModel):
    """Per-article metadata a ``cluster.yaml`` may give."""

    model_config = ConfigDict(extra="forbid")
    outlet: str | None = None
    url: str | None = None
    # YAML reads an unquoted 2026-03-14 as a date; both spellings are accepted.
    date: datetime.date | str | None = None


class ClusterMeta(BaseModel):
    """The optional ``cluster.yaml``."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    articles: dict[str, ArticleMeta] = {}


class JsonArticle(BaseModel):
    """The ``.json`` article format."""

    title: str
    text: str
    url: str | None = None
    source: str | None = None
    published: str | None = None


def load_cluster(path: str | Path) -> Cluster:
    """Load and clean every article of the cluster folder at ``path``.

    Raises ``InputError`` with a one-line reason for a missing or empty folder, a binary or
    undecodable file, an article with no text, or a malformed ``cluster.yaml``.
    """
    folder = Path(path)
    if not folder.exists():
        raise InputError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise InputError(
            f"{folder}: not a folder (a cluster is a folder with one file per article)"
        )
    files = sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES and not p.name.startswith(".")
    )  # fmt: skip
    if not files:
        raise InputError(
            f"{folder}: no article files ({', '.join(ARTICLE_SUFFIXES)}) in this folder"
        )
    meta = _read_cluster_meta(folder)
    articles = [_read_article(p) for p in files]
    known = {a.id for a in articles}
    for article_id in meta.articles:
        if article_id not in known:
            raise InputError(
                f"{folder / CLUSTER_FILE}: names article '{article_id}', "
                "which is not a file in the folder"
            )
    articles = [_apply_meta(a, meta.articles.get(a.id)) for a in articles]
    return Cluster(
        id=folder.resolve().name,
        name=meta.name or folder.resolve().name,
        articles=[clean(a) for a in articles],
    )


def _read_cluster_meta(folder: Path) -> ClusterMeta:
    meta_path = folder / CLUSTER_FILE
    if not meta_path.exists():
        return ClusterMeta()
    try:
        data = yaml.safe_load(_read_text(meta_path)) or {}
        return ClusterMeta.model_validate(data)
    except yaml.YAMLError as exc:
        raise InputError(f"{meta_path}: not valid YAML ({_first_line(exc)})") from exc
    except ValidationError as exc:
        raise InputError(f"{meta_path}: {_first_error(exc)}") from exc


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data:
        raise InputError(f"{path}: binary file, not an article")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start} cannot be decoded)") from exc


def _read_article(path: Path) -> Article:
    raw = _read_text(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        article = _from_json(path, raw)
    elif suffix in (".html", ".htm"):
        article = _from_html(path, raw)
    else:
        article = _from_plain(path, raw)
    if not article.text.strip():
        raise InputError(f"{path}: the article has no text")
    return article


def _from_plain(path: Path, raw: str) -> Article:
    lines = raw.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.strip():
            title = line.strip().lstrip("#").strip()
            return Article(id=path.stem, title=title, text="".join(lines[i + 1 :]).strip("\n"))
    raise InputError(f"{path}: the article is empty")


def _from_json(path: Path, raw: str) -> Article:
    try:
        doc = JsonArticle.model_validate_json(raw)
    except ValidationError as exc:
        raise InputError(f"{path}: {_first_error(exc)}") from exc
    return Article(
        id=path.stem,
        title=doc.title.strip(),
        text=doc.text,
        url=doc.url,
        outlet=doc.source,
        published=doc.published,
    )


def _from_html(path: Path, raw: str) -> Article:
    # trafilatura is imported here because it is slow to import and only HTML needs it.
    import trafilatura

    document = trafilatura.bare_extraction(raw, include_comments=False, with_metadata=True)
    text = getattr(document, "text", None) if document is not None else None
    if not text:
        raise InputError(f"{path}: no article text found in the HTML")
    title = getattr(document, "title", None) or path.stem
    return Article(
        id=path.stem,
        title=title,
        text=text,
        url=getattr(document, "url", None),
        outlet=getattr(document, "sitename", None),
        published=getattr(document, "date", None),
    )


def _apply_meta(article: Article, meta: ArticleMeta | None) -> Article:
    if meta is None:
        return article
    return article.model_copy(update={
        "outlet": meta.outlet or article.outlet,
        "url": meta.url or article.url,
        "published": str(meta.date) if meta.date else article.published,
    })  # fmt: skip


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "document"
    return f"{where}: {err['msg']}"


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
