"""The model-free backend: sentences, words, disagreements, and the report it makes.

The fixture cluster below is written for these tests (three fictional outlets). Its
expectations are what a reader sees in the text, not outputs copied from a run.
"""

from __future__ import annotations

import json

import pytest

from factcheck import ConfigError, check_claims, check_cluster, choose_backend
from factcheck.baseline.checker import MODEL_NAME, LexicalChecker, lexical_report
from factcheck.baseline.conflicts import find_conflict
from factcheck.baseline.sentences import Sentence, is_claim, split_clauses, split_sentences
from factcheck.baseline.words import Phrase, tokens
from factcheck.models import Article, Cluster, Label
from factcheck.render.html import render_html
from factcheck.render.json import render_json
from factcheck.render.markdown import render_markdown
from factcheck.stages.clean import clean

TEXTS = {
    "a": "Fire destroyed the Calder boatyard in Port Elm on Sunday night. Forty residents were "
    "evacuated from nearby homes. Fire chief Ana Reyes said the blaze started in a paint store. "
    "Police have arrested a man on suspicion of arson.\n"
    "See also: Boat show returns to Port Elm marina this summer",
    "b": "Fire destroyed the Calder boatyard in Port Elm on Saturday night. Fourteen residents "
    "were evacuated from nearby homes. The harbour master said the slipway would reopen within "
    "a month. Police have made no arrests.",
    "c": "The Calder boatyard in Port Elm was destroyed by fire on Sunday night. Forty residents "
    "were evacuated from nearby homes, and the council opened the town hall for them overnight. "
    '"The blaze started in a paint store," said Tom Hale, the yard\'s owner.',
}


@pytest.fixture
def cluster() -> Cluster:
    articles = [clean(Article(id=key, title=key, text=text)) for key, text in TEXTS.items()]
    return Cluster(id="boatyard", name="Boatyard fire", articles=articles)


def _claim(report, text_start: str):
    return next(c for c in report.claims if c.text.startswith(text_start))


def _verdict(report, claim_id: str, article_id: str):
    return next(v for v in report.verdicts if v.claim_id == claim_id and v.article_id == article_id)


# --- sentences ---------------------------------------------------------------------------


def test_sentences_are_verbatim_spans_and_skip_boilerplate(cluster):
    article = cluster.articles[0]
    sentences = split_sentences(article)
    assert [s.quote for s in sentences][:2] == [
        "Fire destroyed the Calder boatyard in Port Elm on Sunday night.",
        "Forty residents were evacuated from nearby homes.",
    ]
    for s in sentences:
        assert article.text[s.span.start : s.span.end] == s.quote
    assert not any("See also" in s.quote for s in sentences)


def test_headlines_and_questions_are_not_claims():
    def sentence(text: str) -> Sentence:
        return Sentence(
            "a", text, split_sentences(Article(id="a", title="t", text=text))[0].span, text
        )

    assert is_claim(sentence("The council approved the budget on Monday."))
    assert not is_claim(sentence("Council approves new parking rules for Harbour Street"))
    assert not is_claim(sentence("Will the council approve the budget?"))
    # Short sentences state facts too; a single word does not.
    assert is_claim(sentence("Nobody was injured."))
    assert not is_claim(sentence("Updated."))


def test_a_compound_sentence_splits_into_clauses_that_keep_their_attribution():
    text = "The bridge will stay closed until May, and the ferry will run every hour, police said."
    article = Article(id="a", title="t", text=text)
    (sentence,) = split_sentences(article)
    first, second = split_clauses(sentence)
    assert first.text == "The bridge will stay closed until May, police said."
    assert first.quote == "The bridge will stay closed until May"
    assert second.text == "the ferry will run every hour, police said."
    for clause in (first, second):
        assert text[clause.span.start : clause.span.end] == clause.quote


def test_a_sentence_is_not_cut_inside_a_quotation():
    text = 'She said "we tried, and we failed, and we will try again" at the meeting last night.'
    (sentence,) = split_sentences(Article(id="a", title="t", text=text))
    assert split_clauses(sentence) == [sentence]


# --- words -------------------------------------------------------------------------------


def test_number_words_become_numbers_and_stems_meet():
    words = tokens("Forty residents denied it; twenty-two people deny it.")
    numbers = [t.number for t in words if t.number is not None]
    assert numbers == [40.0, 22.0]
    stems = {t.text: t.stem for t in words}
    assert stems["denied"] == stems["deny"]


@pytest.mark.parametrize(
    ("word", "number"),
    [
        ("3,000", 3000.0), ("1,234.5", 1234.5), ("1.234.567", 1234567.0), ("6.30", 6.3),
        ("1,5", 1.5), ("12.03.2026", None), ("192.168.1.10", None), ("17.4.1", None),
    ],
)  # fmt: skip
def test_numbers_in_every_spelling_and_digit_words_that_are_not_numbers(word, number):
    (token,) = tokens(word)
    assert token.number == number


def test_us_is_a_name_and_not_the_pronoun():
    us_name, us_pronoun = tokens("US"), tokens("us")
    assert not us_name[0].weak and us_pronoun[0].weak


# --- disagreements -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "sentence", "kind"),
    [
        ("Forty residents were evacuated.", "Fourteen residents were evacuated.", "number"),
        ("The fire broke out on Sunday night.", "The fire broke out on Saturday night.", "weekday"),
        ("The bridge reopened in March.", "The bridge reopened in April.", "date"),
        ("Mayor Helena Roque ordered a review.", "Mayor Dana Whitlock ordered a review.", "name"),
        ("Ana Reyes said the blaze began in a store.",
         '"The blaze began in a store," said Tom Hale.', "speaker"),
        ("Police have made no arrests.", "Police have arrested a man.", "negation"),
    ],
)  # fmt: skip
def test_each_kind_of_disagreement_is_found(claim, sentence, kind):
    names = {"helena", "roque", "dana", "whitlock", "ana", "reyes", "tom", "hale"}
    conflict = find_conflict(
        Phrase.of(claim), Phrase.of(sentence), lambda t: t.text.lower() in names
    )
    assert conflict is not None and conflict.kind == kind


@pytest.mark.parametrize(
    ("claim", "sentence"),
    [
        ("Twenty-two people work at the plant.", "22 people work at the plant."),
        ("Forty residents were evacuated.", "Forty residents were evacuated overnight."),
        ("KCNA reported the denial.", "Korean Central News Agency reported the denial."),
        ("The cause of the fire has not yet been established.",
         "Investigators are trying to establish what caused the fire."),
        ("Ana Reyes said the blaze began.", "Ana Reyes said the blaze began."),
    ],
)  # fmt: skip
def test_agreeing_sentences_raise_no_disagreement(claim, sentence):
    names = {"ana", "reyes", "kcna", "korean", "central", "news", "agency"}
    assert (
        find_conflict(Phrase.of(claim), Phrase.of(sentence), lambda t: t.text.lower() in names)
        is None
    )


# --- the report --------------------------------------------------------------------------


def test_shared_claims_merge_and_single_outlet_claims_stay_alone(cluster):
    report = lexical_report(cluster)
    assert _claim(report, "Forty residents").sources == ["a", "c"]
    assert _claim(report, "The harbour master said").sources == ["b"]
    assert report.model == MODEL_NAME and report.backend == "lexical" and report.usage.calls == 0


def test_plain_contradictions_are_found_with_verbatim_evidence(cluster):
    report = lexical_report(cluster)
    cases = [
        ("Forty residents", "b", "Fourteen residents were evacuated from nearby homes."),
        ("Fire destroyed the Calder boatyard in Port Elm on Sunday", "b",
         "Fire destroyed the Calder boatyard in Port Elm on Saturday night."),
        ("Police have made no arrests", "a", "Police have arrested a man on suspicion of arson."),
        ("Fire chief Ana Reyes said", "c",
         '"The blaze started in a paint store," said Tom Hale, the yard\'s owner.'),
    ]  # fmt: skip
    for start, article_id, evidence in cases:
        verdict = _verdict(report, _claim(report, start).id, article_id)
        assert verdict.label is Label.CONTRADICTED, (start, article_id, verdict.rationale)
        assert verdict.evidence == evidence
        text = cluster.article(article_id).text
        span = verdict.evidence_span
        assert span is not None and text[span.start : span.end] == evidence


def test_an_absent_claim_is_not_mentioned_without_evidence(cluster):
    report = lexical_report(cluster)
    verdict = _verdict(report, _claim(report, "The harbour master said").id, "a")
    assert verdict.label is Label.NOT_MENTIONED and verdict.evidence is None


def test_no_claim_comes_from_boilerplate(cluster):
    report = lexical_report(cluster)
    assert not any("Boat show" in c.text for c in report.claims)


def test_the_same_cluster_gives_the_same_report_byte_for_byte(cluster):
    assert render_json(lexical_report(cluster)) == render_json(lexical_report(cluster))


def test_verify_checks_the_given_claims_against_every_article(cluster):
    report = check_claims(
        cluster, ["Forty residents were evacuated from nearby homes."], backend="lexical"
    )
    labels = [v.label for v in report.verdicts]
    assert labels == [Label.SUPPORTED, Label.CONTRADICTED, Label.SUPPORTED]


def test_a_supporting_sentence_that_disagrees_is_never_called_support(cluster):
    checker = LexicalChecker(cluster)
    claims = checker.merge(checker.extract())
    for verdict in checker.check(claims):
        if verdict.label is Label.SUPPORTED and verdict.article_id not in next(
            c.sources for c in claims if c.id == verdict.claim_id
        ):
            claim = next(c for c in claims if c.id == verdict.claim_id)
            assert (
                checker.conflict(Phrase.of(claim.text), Phrase.of(verdict.evidence or "")) is None
            )


# --- choosing the backend ----------------------------------------------------------------


def test_auto_is_the_baseline_without_a_model_and_the_model_with_one(monkeypatch, cluster):
    assert choose_backend("auto") == "lexical"
    assert check_cluster(cluster).backend == "lexical"
    assert choose_backend("auto", model="gpt-4o-mini") == "llm"
    monkeypatch.setenv("FACTCHECK_MODEL", "gpt-4o-mini")
    assert choose_backend("auto") == "llm"
    # The model is named but OpenAI has no key: auto does not fall back to the baseline.
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        check_cluster(cluster)
    assert check_cluster(cluster, backend="lexical").backend == "lexical"


def test_a_baseline_report_opens_by_naming_the_backend_and_how_to_add_a_model(cluster):
    markdown = render_markdown(lexical_report(cluster))
    first, second = markdown.splitlines()[:2]
    assert "lexical backend" in first and MODEL_NAME in first
    assert "FACTCHECK\\_MODEL" in second and "--base-url" in second
    assert json.loads(render_json(lexical_report(cluster)))["model"] == MODEL_NAME
    assert '<p id="baseline-notice" class="notice">Baseline report' in render_html(
        lexical_report(cluster)
    )
