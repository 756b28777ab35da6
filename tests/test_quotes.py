from factcheck.models import Span
from factcheck.quotes import find_quote

TEXT = "He said: \u201cWe have never exported weapons.\u201d\nThe   statement came on Thursday."


def test_exact_quote_gives_its_span():
    span = find_quote(TEXT, "The   statement came on Thursday.")
    assert span is not None
    assert TEXT[span.start : span.end] == "The   statement came on Thursday."


def test_whitespace_and_typographic_quotes_may_differ():
    span = find_quote(TEXT, '"We have never exported weapons." The statement')
    assert span is not None
    assert (
        TEXT[span.start : span.end]
        == "\u201cWe have never exported weapons.\u201d\nThe   statement"
    )


def test_anything_else_must_match_exactly():
    assert find_quote(TEXT, "We have never exported arms.") is None
    assert find_quote(TEXT, "we have never exported weapons.") is None  # case matters
    assert find_quote(TEXT, "We have never ... weapons.") is None


def test_too_short_quotes_prove_nothing():
    assert find_quote(TEXT, "He said") is None


def test_excluded_spans_are_skipped_but_later_occurrences_count():
    text = "See also: Kim met Putin.\nKim met Putin."
    assert find_quote(text, "Kim met Putin.", [Span(start=0, end=24)]) == Span(start=25, end=39)
    assert find_quote("See also: Kim met Putin.", "Kim met Putin.", [Span(start=0, end=24)]) is None
