"""Version labels: what tells a dispute's versions apart, in the words an editor scans for."""

import pytest

from factcheck.render.labels import version_labels

NONE2 = [None, None]


@pytest.mark.parametrize(
    ("kind", "question", "texts", "expected"),
    [
        # The differing value, hedge and all, where two sentences share most of their words.
        ("date", "At what time did it strike?",
         ["The landslide struck at about 4am.", "The landslide happened shortly after 2am."],
         ["about 4am", "shortly after 2am"]),
        ("date", "On which day did the fire happen?",
         ["The fire happened in the early hours of Sunday.",
          "The fire at the Port Ardwen seafood warehouse happened shortly before 3am on Saturday."],
         ["Sunday", "shortly before 3am … Saturday"]),
        ("number", "How many residents were evacuated?",
         ["Fourteen residents were forced from their homes by the fire.",
          "Forty residents were evacuated from homes neighbouring the Calder & Vey warehouse."],
         ["Fourteen", "Forty"]),
        ("date", "How long will the report take?",
         ["The officer is expected to take about three months to report.",
          "An officer is expected to report on the cause of the fire within a fortnight."],
         ["about three months", "fortnight"]),
        # Names for a place: whole names, the shared ones left out.
        ("place", "Where did the residents spend the night?",
         ["The residents slept at St Brannock's Church hall on Chapel Row in Port Ardwen.",
          "The residents slept at the Ardwen Leisure Centre on Mill Lane in Port Ardwen."],
         ["St Brannock's Church … Chapel Row", "Ardwen Leisure Centre … Mill Lane"]),
        # A yes-or-no question whose versions differ by a negation.
        ("happened", "Was anyone arrested over the fire?",
         ["Police arrested a man on suspicion of arson over the fire.",
          "No arrests had been made over the warehouse fire."],
         ["yes", "no"]),
        # Not a yes-or-no question: the first words that differ.
        ("happened", "Did the Authority admit or deny that the statement came from it?",
         ["The Authority admitted that an e-mailed statement about the fire came from it.",
          "The Authority denied sending the emailed press statement."],
         ["admitted that an e-mailed", "denied sending"]),
        # An attribution nobody credits: the speaker each version names.
        ("attribution", "Who pledged to rebuild?",
         ["Marta Vey pledged that Calder & Vey will rebuild on the North Quay.",
          "Gideon Ashby promised that Port Ardwen will rebuild on the North Quay."],
         ["Marta Vey", "Gideon Ashby"]),
    ],
)  # fmt: skip
def test_each_version_is_labelled_by_what_only_it_says(kind, question, texts, expected):
    assert version_labels(kind, question, texts, NONE2) == expected


def test_an_attribution_is_labelled_by_whom_the_articles_credit():
    texts = ["It was lucky.", "It was lucky."]
    credits = ["Mayor Helena Roque", "fire chief Dana Whitlock"]
    assert version_labels("attribution", "Who said it?", texts, credits) == credits


def test_an_update_labels_each_figure():
    texts = ["Three people have died.", "Nine people have died.", "Fourteen people died."]
    assert version_labels("update", "How many died?", texts, [None] * 3) == [
        "Three", "Nine", "Fourteen"
    ]  # fmt: skip


def test_versions_differing_in_many_words_are_labelled_by_their_first_own_words():
    texts = [
        "The council said the crossing would be rebuilt in stone by the original engineers.",
        "Residents asked whether the old timber walkway could ever be made safe for families.",
    ]
    labels = version_labels("happened", "What next?", texts, NONE2)
    assert labels == ["council said", "Residents asked whether"]
