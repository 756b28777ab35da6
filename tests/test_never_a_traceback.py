"""Whatever text arrives, loading, cleaning and the baseline end in a report or one InputError.

Property-based (hypothesis): arbitrary text made of numbers in every spelling news uses, dates,
addresses, versions, punctuation, Unicode, Markdown and very long lines is written to a cluster
folder and run through load, clean and the lexical baseline. No other exception may escape.
The example budget keeps this to a few seconds.
"""

from __future__ import annotations

import string
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from factcheck import InputError, load_cluster
from factcheck.baseline.checker import lexical_report
from factcheck.baseline.words import tokens
from factcheck.models import Article, Cluster
from factcheck.stages.clean import clean, clean_text

NUMBERS = st.from_regex(
    r"\A[0-9]{1,4}([.,:/][0-9]{1,4}){0,4}(am|pm|%|st|th)?\Z", fullmatch=True
)
WORDS = st.sampled_from([
    "Four", "people", "were", "injured", "on", "Sunday", "March", "said", "Roque", "not",
    "no", "twenty-two", "hundred", "first", "North", "Korea's", "Pyongyang's", "iOS", "the",
    "bridge", "collapsed", "and", "but", "“", "”", '"', "—", "…", "é", "Ünïcödé", "日本語",
    "عربى", "🙂", "\u200b", "\u00a0", "\t", "**", "__", "*", "#", "-", "1.", ">", "`", "[link](x)",
    "![img](y)", "<b>", "&amp;", "\\", "|", ":", ";", ",", ".", "?", "!", "(", ")", "'s",
])  # fmt: skip
PIECES = st.one_of(NUMBERS, WORDS, st.text(max_size=12), st.sampled_from(string.punctuation))
LINES = st.lists(PIECES, max_size=30).map(" ".join)
LONG_LINES = st.builds(lambda piece, n: " ".join([piece] * n), LINES, st.integers(20, 150))
TEXTS = st.lists(st.one_of(LINES, LINES, st.just(""), LONG_LINES), max_size=12).map("\n".join)
FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FAST
@given(st.lists(PIECES, max_size=40).map(" ".join))
@example("The bridge collapsed on 12.03.2026, with 1.234.567 at 192.168.1.10 on iOS 17.4.1.")
def test_any_words_tokenise(text: str) -> None:
    tokens(text)


@FAST
@given(st.lists(TEXTS, min_size=1, max_size=3))
@example(["Bridge\nThe bridge collapsed on 12.03.2026 and 1.234.567 people saw it."])
def test_any_articles_clean_and_check(texts: list[str]) -> None:
    articles = [clean(Article(id=f"a{n}", title="t", text=t)) for n, t in enumerate(texts)]
    for article in articles:
        clean_text(article)
        for line in article.boilerplate:
            assert 0 <= line.span.start <= line.span.end <= len(article.text)
    report = lexical_report(Cluster(id="c", name="c", articles=articles))
    for claim in report.claims:
        for source, quote in claim.quotes.items():
            text = next(a.text for a in articles if a.id == source)
            assert text[quote.span.start : quote.span.end] == quote.text


@FAST
@given(
    st.lists(st.tuples(st.sampled_from([".txt", ".md"]), TEXTS), min_size=1, max_size=3),
    st.sampled_from(["utf-8", "utf-16", "latin-1"]),
)
def test_any_files_load_or_fail_in_one_line(tmp_path_factory, files, encoding) -> None:
    folder: Path = tmp_path_factory.mktemp("cluster")
    for n, (suffix, text) in enumerate(files):
        (folder / f"a{n}{suffix}").write_bytes(text.encode(encoding, errors="replace"))
    try:
        cluster = load_cluster(folder)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    lexical_report(cluster)
