"""Read a cluster folder: one file per article, and an optional ``cluster.yaml``.

What arrives in a newsroom's folder is not always clean, and nothing is dropped without a word:
files that are not articles, links that lead out of the folder and (with ``skip_bad``) files
that cannot be read are set aside and named in the cluster's warnings; encodings other than
UTF-8 and headlines that turn out to be the article's first sentence are said there too.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from factcheck.errors import InputError
from factcheck.models import Article, Cluster
from factcheck.stages.clean import clean
from factcheck.stages.formats import (
    ARTICLE_SUFFIXES,
    first_error,
    one_line,
    read_article_file,
    read_text,
)

CLUSTER_FILE = "cluster.yaml"
_FOLLOW = "to read it, pass follow_links=True"
__all__ = ["ARTICLE_SUFFIXES", "CLUSTER_FILE", "ArticleMeta", "ClusterMeta", "load_cluster"]


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


def load_cluster(
    path: str | Path, *, skip_bad: bool = False, follow_links: bool = False
) -> Cluster:
    """Load and clean every article of the cluster folder at ``path``.

    Raises ``InputError`` with a one-line reason for a missing folder, a folder with no article
    files, two files with one stem (an article's id is its file's stem), a malformed
    ``cluster.yaml``, or a file that cannot be read (binary, undecodable, empty, a title with no
    text). With ``skip_bad``, such a file is set aside with a warning instead, and the others
    are loaded. A link to a file outside the folder is not read unless ``follow_links``.
    """
    folder = Path(path)
    if not folder.exists():
        raise InputError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise InputError(
            f"{folder}: not a folder (a cluster is a folder with one file per article)"
        )
    files, warnings = _article_files(folder, follow_links)
    if not files:
        raise InputError(
            f"{folder}: no article files ({', '.join(ARTICLE_SUFFIXES)}) in this folder"
        )
    _refuse_shared_stems(files)
    meta = _read_cluster_meta(folder, follow_links)
    articles: list[Article] = []
    set_aside: list[str] = []
    for file in files:
        try:
            article, notes = _read_article(file)
        except InputError as exc:
            if not skip_bad:
                raise
            set_aside.append(file.stem)
            warnings.append(f"{exc}: set aside")
            continue
        articles.append(article)
        warnings.extend(notes)
    if not articles:
        raise InputError(f"{folder}: no article could be read ({len(set_aside)} set aside)")
    known = {a.id for a in articles}
    for article_id in meta.articles:
        if article_id not in known and article_id not in set_aside:
            raise InputError(
                f"{folder / CLUSTER_FILE}: names article '{article_id}', "
                "which is not a file in the folder"
            )
    articles = [_apply_meta(a, meta.articles.get(a.id)) for a in articles]
    return Cluster(
        id=folder.resolve().name,
        name=meta.name or folder.resolve().name,
        articles=[clean(a) for a in articles],
        warnings=warnings,
    )


def _article_files(folder: Path, follow_links: bool) -> tuple[list[Path], list[str]]:
    """The article files of ``folder`` in name order, and what was set aside, said once each."""
    inside = folder.resolve()
    files: list[Path] = []
    warnings: list[str] = []
    not_articles: list[str] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name == CLUSTER_FILE:
            continue
        if not follow_links and entry.is_symlink() and not _leads_inside(entry, inside):
            if entry.is_file():
                warnings.append(f"{entry.name}: not read: a link to {entry.resolve()}, outside "
                                f"the cluster folder ({_FOLLOW})")  # fmt: skip
            continue
        if entry.is_dir():
            continue
        if not entry.is_file():
            not_articles.append(f"{entry.name} (a broken link)" if entry.is_symlink()
                                else entry.name)  # fmt: skip
        elif entry.suffix.lower() in ARTICLE_SUFFIXES:
            files.append(entry)
        else:
            not_articles.append(entry.name)
    if not_articles:
        warnings.append(
            f"not articles, not read: {', '.join(not_articles)} "
            f"(articles are {', '.join(ARTICLE_SUFFIXES)} files)"
        )
    return files, warnings


def _leads_inside(link: Path, inside: Path) -> bool:
    try:
        return link.resolve().is_relative_to(inside)
    except (OSError, RuntimeError):  # a loop of links
        return False


def _refuse_shared_stems(files: list[Path]) -> None:
    """Two files with one stem would be one article id: two outlets merged without a word."""
    by_stem: dict[str, list[str]] = defaultdict(list)
    for file in files:
        by_stem[file.stem].append(file.name)
    for stem, names in by_stem.items():
        if len(names) > 1:
            raise InputError(
                f"{' and '.join(names)}: two files with one stem, '{stem}' (an article's id is "
                "its file's stem): rename or remove one"
            )


def _read_cluster_meta(folder: Path, follow_links: bool) -> ClusterMeta:
    meta_path = folder / CLUSTER_FILE
    if not meta_path.exists():
        return ClusterMeta()
    if not follow_links and not _leads_inside(meta_path, folder.resolve()):
        raise InputError(f"{meta_path}: a link to a file outside the cluster folder ({_FOLLOW})")
    try:
        raw, _ = read_text(meta_path)
        data = yaml.safe_load(raw) or {}
        return ClusterMeta.model_validate(data)
    except yaml.YAMLError as exc:
        raise InputError(f"{meta_path}: not valid YAML ({one_line(exc)})") from exc
    except ValidationError as exc:
        raise InputError(f"{meta_path}: {first_error(exc)}") from exc


def _read_article(path: Path) -> tuple[Article, list[str]]:
    read = read_article_file(path)
    if not read.text.strip():
        raise InputError(f"{path}: the article has no text")
    article = Article(
        id=path.stem,
        title=read.title,
        text=read.text,
        url=read.url,
        outlet=read.outlet,
        published=read.published,
    )
    return article, read.notes


def _apply_meta(article: Article, meta: ArticleMeta | None) -> Article:
    if meta is None:
        return article
    return article.model_copy(update={
        "outlet": meta.outlet or article.outlet,
        "url": meta.url or article.url,
        "published": str(meta.date) if meta.date else article.published,
    })  # fmt: skip
