"""Hand-written reports on the bundled example clusters, for the renderers' tests.

These are FIXTURES: every claim, verdict, attribution and dispute below was written by hand
(model name ``hand-written-fixture``, no prompts, no calls). They exercise the layout of a
report; they are not a model's judgement and no score is ever derived from them. Every quote is
located in the real article text (or headline) when the report is built, so a fixture that
drifts from the examples fails loudly.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from factcheck.models import (
    Article,
    CanonicalClaim,
    Dispute,
    DisputeKind,
    DisputeVersion,
    Label,
    Quote,
    Report,
    Span,
    Usage,
    Verdict,
    stated_verdict,
)
from factcheck.quotes import find_in_article, find_quote
from factcheck.stages.load import load_cluster
from tests.conftest import ROOT

FIXTURE_MODEL = "hand-written-fixture"
RIVERSIDE = ROOT / "examples" / "riverside-bridge"
TARNWICK = ROOT / "examples" / "tarnwick-landslide"


@dataclass
class Said:
    """How a source article states a claim: its quote, whom it credits, when, where."""

    quote: str
    by: str | None = None
    as_of: str | None = None
    title: bool = False


@dataclass
class Cell:
    """A verdict of a non-source article, written by hand."""

    label: Label
    evidence: str | None = None
    why: str = ""
    by: str | None = None
    title: bool = False
    span: bool = True  # False: leave the span out, for the renderer to locate


NM = Cell(Label.NOT_MENTIONED, why="The article does not mention it.")
ClaimSpec = tuple[str, str, dict[str, Said], dict[str, Cell]]
DisputeSpec = tuple[str, DisputeKind, str, list[tuple[str, list[str]]]]


def _locate(article: Article, text: str, in_title: bool) -> Quote:
    span = find_quote(article.title, text) if in_title else find_in_article(article, text)
    assert span is not None, f"{text!r} is not in {article.id} ({'title' if in_title else 'body'})"
    source = article.title if in_title else article.text
    return Quote(text=source[span.start : span.end], span=span, in_title=in_title)


def build_report(
    folder: Path,
    letters: dict[str, str],
    claims: list[ClaimSpec],
    disputes: list[DisputeSpec],
    *,
    usage: Usage | None = None,
    prompts: dict[str, str] | None = None,
    warnings: list[str] | None = None,
) -> Report:
    """A report on the cluster in ``folder``; articles named by letter in the specs."""
    cluster = load_cluster(folder)
    by_letter = {letter: cluster.article(article_id) for letter, article_id in letters.items()}
    canonical, verdicts = [], []
    for claim_id, text, said, cells in claims:
        quotes = {by_letter[x].id: _locate(by_letter[x], s.quote, s.title) for x, s in said.items()}
        claim = CanonicalClaim(
            id=claim_id,
            text=text,
            sources=list(quotes),
            quotes=quotes,
            attributed_to={by_letter[x].id: s.by for x, s in said.items() if s.by},
            as_of={by_letter[x].id: s.as_of for x, s in said.items() if s.as_of},
        )
        canonical.append(claim)
        for letter, article in by_letter.items():
            if letter in said:
                verdicts.append(stated_verdict(claim, article.id))
                continue
            cell = cells.get(letter, NM)
            span: Span | None = None
            if cell.evidence:
                located = _locate(article, cell.evidence, cell.title)
                span = located.span if cell.span else None
            verdicts.append(
                Verdict(
                    claim_id=claim_id,
                    article_id=article.id,
                    label=cell.label,
                    evidence=cell.evidence,
                    evidence_span=span,
                    rationale=cell.why,
                    attributed_to=cell.by,
                    from_title=cell.title,
                )
            )
    return Report(
        cluster=cluster.id,
        cluster_name=cluster.name,
        model=FIXTURE_MODEL,
        prompts=prompts or {},
        articles=cluster.articles,
        claims=canonical,
        verdicts=verdicts,
        disputes=[
            Dispute(
                id=dispute_id,
                kind=kind,
                question=question,
                versions=[
                    DisputeVersion(claim_id=c, articles=[by_letter[x].id for x in xs])
                    for c, xs in versions
                ],
            )
            for dispute_id, kind, question, versions in disputes
        ],
        usage=usage or Usage(),
        warnings=warnings or [],
    )


# --- examples/tarnwick-landslide: six disputes, two of them updates ---------------------------

TARNWICK_LETTERS = {
    "A": "001_wensmere_evening_post",
    "B": "002_northfold_wire",
    "C": "003_radio_aldery",
    "D": "004_upland_courier",
    "E": "005_aldbridge_advertiser",
}
TULLETT = "Chief Superintendent Rhona Tullett"
HILLSIDE = "The hillside simply let go. In less than a minute a whole row of homes was gone."
TOLL_B = "The death toll from Tuesday's landslide in the Aldery valley village of Tarnwick has risen to nine"  # noqa: E501
C_SEARCH = (
    "Rescue teams are preparing to work through a second night on Haverick Fell as they search "
    "for five people still missing"
)
FOUR_AM = {
    "A": "the slide struck at about 4am",
    "B": "woken shortly after 4am on Tuesday",
    "C": "The slide struck just after 4am on Tuesday",
    "E": "The landslide came down at around 4am",
}
TWO_AM = "The slide came down from Haverick Fell shortly after 2am on Tuesday"
NO_WARNING = {
    "A": "no landslip warning had been in force for Haverick Fell",
    "D": "no landslip warning had been issued to residents before the disaster",
    "E": "No warning was given to the people of Beck Row before the slide",
}
BECK_ROW = {
    "A": "Seven houses on Beck Row, the terrace nearest the foot of the fell, were destroyed",
    "D": "It destroyed seven properties on Beck Row",
    "E": "swept away the seven homes on Beck Row",
}
MILL_ROW = "destroyed the seven cottages of Mill Row"

TARNWICK_CLAIMS: list[ClaimSpec] = [
    ("c01", "Three people died in the landslide.", {"A": Said("Three people have died")}, {
        "B": Cell(Label.CONTRADICTED, TOLL_B, "Gives the toll as nine.", by="Wensmere Police"),
        "D": Cell(Label.CONTRADICTED, "Fourteen people are now known to have died",
                  "Gives the toll as fourteen."),
    }),
    ("c02", "Nine people died in the landslide.", {
        "B": Said(TOLL_B, by="Wensmere Police", as_of="on Wednesday evening"),
        "C": Said("Nine dead in Tarnwick landslide", title=True),
    }, {
        "A": Cell(Label.CONTRADICTED, "Three people have died", "Gives the toll as three."),
        "D": Cell(Label.CONTRADICTED, "Fourteen people are now known to have died",
                  "Gives the toll as fourteen."),
    }),
    ("c03", "Fourteen people died in the landslide.", {
        "D": Said("Fourteen people are now known to have died in the landslide"),
    }, {
        "E": Cell(Label.SUPPORTED, "Tarnwick mourns its 14", "The headline gives 14 dead.",
                  title=True),
    }),
    ("c04", "Eleven people were missing.", {"A": Said("11 are missing")}, {
        "B": Cell(Label.CONTRADICTED, "five people are still missing", "Five, not eleven."),
    }),
    ("c05", "Five people were missing.", {
        "B": Said("five people are still missing", by="Wensmere Police",
                  as_of="on Wednesday evening"),
        "C": Said("five people still missing"),
    }, {
        "D": Cell(Label.CONTRADICTED, "no one remained unaccounted for", "Nobody is missing."),
    }),
    ("c06", "No one was missing.", {"D": Said("no one remained unaccounted for",
                                                by="Wensmere Police")}, {}),
    ("c07", "The landslide struck at about 4am on Tuesday.", {
        "A": Said(FOUR_AM["A"], by="Wensmere Police"),
        "C": Said(FOUR_AM["C"]),
        "E": Said(FOUR_AM["E"]),
    }, {
        "B": Cell(Label.SUPPORTED, FOUR_AM["B"], "Residents were woken just after 4am.",
                  by="residents"),
        "D": Cell(Label.CONTRADICTED, TWO_AM, "Says shortly after 2am."),
    }),
    ("c08", "The landslide struck shortly after 2am on Tuesday.", {"D": Said(TWO_AM)}, {
        x: Cell(Label.CONTRADICTED, FOUR_AM[x], "Says about 4am.") for x in "ABCE"
    }),
    ("c09", "The council warned households before the landslide.", {
        "B": Said("it had issued a landslip warning to households below Haverick Fell on "
                  "Monday evening", by="Aldery District Council"),
    }, {
        x: Cell(Label.CONTRADICTED, NO_WARNING[x], "Says no warning was given.") for x in "ADE"
    }),
    ("c10", "The council did not warn households before the landslide.", {
        "A": Said(NO_WARNING["A"], by="Aldery District Council"),
        "D": Said(NO_WARNING["D"], by="Aldery District Council"),
        "E": Said(NO_WARNING["E"]),
    }, {
        "B": Cell(Label.CONTRADICTED, "it had issued a landslip warning to households below "
                  "Haverick Fell on Monday evening", "Says a warning was delivered on Monday."),
    }),
    ("c11", HILLSIDE.rstrip("."), {
        "A": Said(HILLSIDE, by=TULLETT),
        "D": Said(HILLSIDE, by=TULLETT),
        "E": Said(HILLSIDE.rstrip(".") + ",", by="Councillor Idris Vell"),
    }, {}),
    ("c12", "The landslide destroyed seven homes on Beck Row.", {
        "A": Said(BECK_ROW["A"]),
        "D": Said(BECK_ROW["D"], by="Wensmere Fire and Rescue Service"),
        "E": Said(BECK_ROW["E"]),
    }, {
        "B": Cell(Label.SUPPORTED, "Seven homes were flattened", "Seven homes, on Beck Row."),
        "C": Cell(Label.CONTRADICTED, MILL_ROW, "Names Mill Row, not Beck Row."),
    }),
    ("c13", "The landslide destroyed the seven cottages of Mill Row.", {"C": Said(MILL_ROW)}, {
        x: Cell(Label.CONTRADICTED, BECK_ROW[x], "Names Beck Row, not Mill Row.") for x in "ADE"
    }),
    ("c14", "About 60 residents were evacuated from their homes.", {
        "A": Said("About 60 residents were evacuated from the homes nearest the slide",
                  by="Aldery District Council"),
    }, {
        "B": Cell(Label.SUPPORTED, "Some 60 people remain out of their homes", "Some 60."),
        "D": Cell(Label.SUPPORTED, "Around 60 residents are still unable to return to their "
                  "homes", "Around 60."),
        "E": Cell(Label.SUPPORTED, "Around 60 residents are still out of their homes",
                  "Around 60."),
    }),
    ("c15", "More than 180mm of rain fell in the 72 hours before the slide.", {
        "A": Said("More than 180mm of rain fell in the 72 hours before the slide",
                  by="the council's rain gauge at Tarnwick Bridge"),
    }, {}),
    ("c16", "More than 80 mountain rescue volunteers were on the fell.", {
        "C": Said("volunteers from four mountain rescue teams, more than 80 people in all, were "
                  "now on the fell", by="Fenna Oakes of Aldery Mountain Rescue Team"),
    }, {}),
    ("c17", "An online appeal had raised more than £23,000 by Wednesday afternoon.", {
        "C": Said("An online appeal set up by the Tarnwick Village Hall committee had raised "
                  "more than £23,000 by Wednesday afternoon"),
    }, {}),
    ("c18", "About 20,000 tonnes of debris cover Fellgate Road.", {
        "D": Said("about 20,000 tonnes of debris cover Fellgate Road", by="highways engineers"),
    }, {}),
    ("c19", "A petition for a public inquiry had more than 4,000 signatures by Friday morning.", {
        "E": Said("A petition calling for a public inquiry had gathered more than 4,000 "
                  "signatures by Friday morning"),
    }, {}),
    ("c20", "More than 40 firefighters were at the scene.", {
        "A": Said("More than 40 firefighters are at the scene"),
    }, {}),
    ("c21", "Fellgate Road is closed.", {
        "A": Said("lies under mud and rock and has been closed"),
        "D": Said("which remains closed between Tarnwick and Aldbridge"),
    }, {
        "B": Cell(Label.SUPPORTED, "was buried and remains shut", "Remains shut."),
        "E": Cell(Label.SUPPORTED, "Fellgate Road will stay closed until at least mid-December",
                  "Closed until mid-December.", by="highways officials"),
    }),
    ("c22", "A rest centre opened at Aldbridge Community Centre.", {
        "A": Said("a rest centre has been opened at Aldbridge Community Centre",
                  by="Aldery District Council"),
    }, {
        "C": Cell(Label.SUPPORTED, "At Aldbridge Community Centre, where families evacuated "
                  "from Tarnwick are about to spend a second night", "Families stay there."),
    }),
    ("c23", "The landslide followed days of heavy rain.", {
        "B": Said("The slide followed several days of heavy rain in the upper valley"),
    }, {
        "A": Cell(Label.SUPPORTED, "after three days of torrential rain", "Three days of rain."),
        "D": Cell(Label.SUPPORTED, "by days of heavy rain", "Days of heavy rain."),
        "E": Cell(Label.SUPPORTED, "after days of heavy rain", "Days of heavy rain."),
    }),
    ("c24", "Search teams had to stop work after fresh movement was detected on the slope.", {
        "B": Said("Search teams were forced to stop work for three hours on Wednesday morning "
                  "after fresh movement was detected at the head of the slide"),
    }, {}),
    ("c25", "Tarn Valley Primary School will stay closed for the rest of the week.", {
        "C": Said("Tarn Valley Primary School will stay closed for the rest of the week"),
    }, {"E": Cell(Label.UNRESOLVED, why="The answer was cut off at the token limit.")}),
    ("c26", "Drainage channels cut into the fellside had silted up.", {
        "D": Said("Drainage channels cut into the fellside in the 19th century had silted up",
                  by="engineering geologist Dr Anwen Feld"),
    }, {}),
    ("c27", "Councillor Idris Vell promised an independent review of how the slopes are "
            "monitored.", {
        "E": Said("He promised an independent review of how the slopes above the valley's "
                  "villages are monitored"),
    }, {}),
    ("c28", "A new spring burst out of the hillside above the village on Sunday.", {
        "B": Said("a new spring had burst out of the hillside on Sunday", by="farmer Tam Rigby"),
    }, {}),
    ("c29", "Police asked people not to drive out to look at the scene.", {
        "C": Said("Wensmere Police have asked people not to drive out to look at the scene"),
    }, {}),
    ("c30", "The search became a recovery operation.", {
        "D": Said("the search had become a recovery operation", by="Wensmere Police"),
    }, {
        "C": Cell(Label.CONTRADICTED, C_SEARCH, "Rescuers are still searching for survivors."),
    }),
]  # fmt: skip

TARNWICK_DISPUTES: list[DisputeSpec] = [
    ("d1", "update", "How many people have died?",
     [("c01", ["A"]), ("c02", ["B", "C"]), ("c03", ["D", "E"])]),
    ("d2", "update", "How many people are missing?",
     [("c04", ["A"]), ("c05", ["B", "C"]), ("c06", ["D"])]),
    ("d3", "date", "At what time did the landslide strike?",
     [("c07", ["A", "B", "C", "E"]), ("c08", ["D"])]),
    ("d4", "place", "Where were the seven homes that were destroyed?",
     [("c12", ["A", "B", "D", "E"]), ("c13", ["C"])]),
    ("d5", "happened", "Did the council warn households before the landslide?",
     [("c09", ["B"]), ("c10", ["A", "D", "E"])]),
    ("d6", "attribution", "Who said “The hillside simply let go”?",
     [("c11", ["A", "D"]), ("c11", ["E"])]),
]  # fmt: skip


def tarnwick_report() -> Report:
    """examples/tarnwick-landslide with six disputes (two updates), written by hand."""
    return build_report(TARNWICK, TARNWICK_LETTERS, TARNWICK_CLAIMS, TARNWICK_DISPUTES)


def tarnwick_without_cluster_yaml(folder: Path) -> Report:
    """The same report on a copy of the cluster as it often arrives: no cluster.yaml, and files
    named by hashes (``000_ea659b96009fb355.txt``), so articles have no outlet or date of their
    own (the .json article still names its source)."""
    letters = {}
    for n, (letter, stem) in enumerate(TARNWICK_LETTERS.items()):
        source = next(TARNWICK.glob(f"{stem}.*"))
        digest = hashlib.sha1(stem.encode()).hexdigest()[:16]
        shutil.copy(source, folder / f"{n:03d}_{digest}{source.suffix}")
        letters[letter] = f"{n:03d}_{digest}"
    return build_report(folder, letters, TARNWICK_CLAIMS, TARNWICK_DISPUTES)


# --- examples/riverside-bridge: four disputes, one of them an attribution ---------------------

RIVERSIDE_LETTERS = {
    "A": "001_valley_courier",
    "B": "002_northgate_times",
    "C": "003_radio_ostervale",
    "D": "004_metro_wire",
}
FOUR = {"A": "injuring four people", "C": "Four people were hurt in the collapse",
        "D": "injuring four people"}  # fmt: skip
THURSDAY = {"A": "gave way on Thursday evening", "B": "collapsed on Thursday evening",
            "D": "collapsed into the River Oster on Thursday evening"}  # fmt: skip
WEDNESDAY = "collapsed into the River Oster on Wednesday evening"
PASSED = "She said the bridge had passed a full structural inspection last autumn"
NOT_SINCE = "the bridge had not had a full structural inspection since 2019"
LUCKY_D = '"We were lucky this did not happen at rush hour," Roque told reporters'

RIVERSIDE_CLAIMS: list[ClaimSpec] = [
    ("c01", "Four people were injured.", {x: Said(q) for x, q in FOUR.items()}, {
        "B": Cell(Label.CONTRADICTED, "Seven people were injured", "Seven injured, not four."),
    }),
    ("c02", "The footbridge collapsed on Thursday evening.",
     {x: Said(q) for x, q in THURSDAY.items()},
     # The renderer locates this one: no span is recorded.
     {"C": Cell(Label.CONTRADICTED, WEDNESDAY, "Wednesday, not Thursday.", span=False)}),
    ("c03", "The bridge passed a full structural inspection last autumn.",
     {"B": Said(PASSED, by="Mayor Helena Roque")},
     {"C": Cell(Label.CONTRADICTED, NOT_SINCE, "Council records show none since 2019.")}),
    ("c04", "It was lucky the collapse did not happen at rush hour.", {
        "A": Said("We were lucky this did not happen at rush hour",
                  by="fire chief Dana Whitlock"),
    }, {
        "C": Cell(Label.UNRESOLVED, why="The answer was cut off at the token limit."),
        "D": Cell(Label.SUPPORTED, LUCKY_D, "Says it, crediting the mayor.",
                  by="Mayor Helena Roque"),
    }),
    ("c05", "The Ostervale Riverside Festival has been postponed.", {
        "C": Said("The Ostervale Riverside Festival, planned for the first weekend of April, "
                  "has been postponed", by="its organisers"),
    }, {}),
    ("c06", "Pedestrians are being sent to the Station Road bridge.", {
        "A": Said("Pedestrians are being directed to the Station Road bridge"),
        "B": Said("pedestrians are being sent over the Station Road bridge instead"),
        "C": Said("Walkers are being asked to use the Station Road bridge instead"),
        "D": Said("with foot traffic diverted to the Station Road bridge"),
    }, {}),
    ("c07", "Ostervale Borough Council appointed independent structural engineers.", {
        "A": Said("Ostervale Borough Council said it had appointed independent structural "
                  "engineers"),
        "D": Said("Independent structural engineers hired by Ostervale Borough Council"),
    }, {
        "B": Cell(Label.SUPPORTED, "Independent structural engineers have been brought in to "
                  "examine what remains of the bridge, according to the council",
                  "Says the council brought them in.", by="the council"),
    }),
    ("c08", "The mayor ordered a review of every pedestrian crossing in the borough.", {
        "D": Said("The mayor of Ostervale has ordered a review of every pedestrian crossing in "
                  "the borough"),
    }, {}),
    ("c09", "Seven people were injured.", {
        "B": Said("Seven people were injured", by="emergency services"),
    }, {x: Cell(Label.CONTRADICTED, q, "Four injured, not seven.") for x, q in FOUR.items()}),
    ("c10", "The footbridge collapsed on Wednesday evening.", {"C": Said(WEDNESDAY)},
     {x: Cell(Label.CONTRADICTED, q, "Thursday, not Wednesday.") for x, q in THURSDAY.items()}),
    ("c11", "The bridge had not had a full structural inspection since 2019.", {
        "C": Said(NOT_SINCE, by="council records seen by Radio Ostervale"),
    }, {"B": Cell(Label.CONTRADICTED, PASSED, "The mayor says it passed one last autumn.")}),
]  # fmt: skip

RIVERSIDE_DISPUTES: list[DisputeSpec] = [
    ("d1", "number", "How many people were injured?", [("c01", ["A", "C", "D"]), ("c09", ["B"])]),
    ("d2", "date", "On which evening did the footbridge collapse?",
     [("c02", ["A", "B", "D"]), ("c10", ["C"])]),
    ("d3", "happened", "Had the bridge passed a full inspection?",
     [("c03", ["B"]), ("c11", ["C"])]),
    ("d4", "attribution", "Who said they were lucky it did not happen at rush hour?",
     [("c04", ["A"]), ("c04", ["D"])]),
]  # fmt: skip


def riverside_report() -> Report:
    """examples/riverside-bridge with four disputes, written by hand (with made-up usage)."""
    usage = Usage()
    for stage, n, tokens in (("extract", 4, (1800, 420)), ("merge", 1, (1500, 600)),
                             ("check", 4, (2100, 380))):  # fmt: skip
        for _ in range(n):
            usage.add(stage, *tokens)
    return build_report(
        RIVERSIDE,
        RIVERSIDE_LETTERS,
        RIVERSIDE_CLAIMS,
        RIVERSIDE_DISPUTES,
        usage=usage,
        prompts={"extract": "hand", "merge": "hand", "check": "hand"},
    )
