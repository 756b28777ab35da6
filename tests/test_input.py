"""Input as it arrives in a newsroom: wrapped, Markdown, headline-less, Latin-1, Word, PDF, bad.

The articles here are written for these tests or are the bundled fictional examples, reshaped.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factcheck import InputError, load_cluster
from factcheck.baseline.checker import lexical_report
from factcheck.cli import app
from factcheck.models import Label
from factcheck.stages.clean import unwrap
from factcheck.stages.formats import render_markdown
from tests.conftest import EXAMPLE_CLUSTER, ROOT

LEDE = (
    "Four people were injured when part of the Millrace Footbridge in Ostervale collapsed into "
    "the River Oster on Thursday evening, the fire service said."
)
BODY = "Crews and a river rescue boat reached the scene within minutes.\n\nNobody was missing."


def _folder(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    folder = tmp_path / "cluster"
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def _contradicted(report) -> set[tuple[str, str]]:
    texts = {c.id: " ".join(c.text.split()) for c in report.claims}
    return {
        (texts[v.claim_id], v.article_id) for v in report.verdicts if v.label is Label.CONTRADICTED
    }


# --- hard-wrapped text ------------------------------------------------------------------------


def test_wrapped_articles_give_the_report_of_unwrapped_ones(tmp_path):
    folded = tmp_path / "riverside-bridge"
    shutil.copytree(EXAMPLE_CLUSTER, folded)
    for path in folded.glob("*.txt"):
        paragraphs = path.read_text(encoding="utf-8").split("\n\n")
        path.write_text("\n\n".join(textwrap.fill(p, 72) for p in paragraphs), encoding="utf-8")
    assert max(len(line) for line in (folded / "001_valley_courier.txt").open()) <= 73
    original, wrapped = lexical_report(load_cluster(EXAMPLE_CLUSTER)), lexical_report(
        load_cluster(folded)
    )
    assert [" ".join(c.text.split()) for c in wrapped.claims] == [
        " ".join(c.text.split()) for c in original.claims
    ]
    assert _contradicted(wrapped) == _contradicted(original) != set()
    # Offsets still point into the text as read: each quote is where its span says.
    for claim in wrapped.claims:
        for source, quote in claim.quotes.items():
            text = next(a.text for a in wrapped.articles if a.id == source)
            assert text[quote.span.start : quote.span.end] == quote.text


def test_unwrapping_keeps_every_offset_and_leaves_unwrapped_text_alone():
    wrapped = (
        "Four people were injured when part of the Millrace Footbridge\n"
        "collapsed on Thursday evening.\n"
        "Crews reached the scene within minutes, the fire service told\n"
        "reporters in a statement.\n"
        "\n"
        "- Donations can be left at the co-operative's office on Harbour\n"
        "- Clothing is no longer needed.\n"
        "Sign up for our morning newsletter\n"
        "The bridge carries around 3,000 pedestrians a day, council figures\n"
        "show."
    )
    flat = unwrap(wrapped)
    assert len(flat) == len(wrapped)
    assert "Footbridge collapsed on Thursday" in flat
    assert "told reporters in a statement." in flat
    # A sentence end, a list item and a boilerplate line keep their line breaks.
    assert "evening.\nCrews" in flat
    assert "Harbour\n- Clothing" in flat
    assert "\nSign up for our morning newsletter\n" in flat
    for text in (EXAMPLE_CLUSTER / "001_valley_courier.txt").read_text(encoding="utf-8"), LEDE:
        assert unwrap(text) == text


# --- Markdown -------------------------------------------------------------------------------


def test_markdown_renders_to_text_at_the_same_offsets():
    source = (
        "# Community rallies\n\nThe residents spent the night at the **Ardwen Leisure Centre** "
        "on _Mill Lane_.\nMost have gone home.\n\n- Donations can be left at the [office]"
        "(https://x.example).\n- Clothing &amp; bedding are no longer needed.\n\n> Quoted `code`"
    )
    text, heading = render_markdown(source)
    assert heading and len(text) == len(source)
    for mine, theirs in zip(text, source, strict=True):
        assert mine in (theirs, " ") or (theirs, mine) == ("&", "&")
    # Closing markup before punctuation leaves a space there ("Mill Lane ."): offsets win.
    flat = " ".join(text.split()).replace(" .", ".")
    assert "at the Ardwen Leisure Centre on Mill Lane. Most have gone home." in flat
    assert "Donations can be left at the office." in flat
    assert "Clothing & bedding" in flat and "Quoted code" in flat
    for markup in ("**", "_Mill", "](", "https://", "# ", "- ", "&amp;", "> "):
        assert markup not in text


def test_markdown_syntax_never_reaches_a_claim():
    report = lexical_report(load_cluster(ROOT / "examples" / "harbour-fire"))
    bulletin = [c for c in report.claims if "005_ardwen_bulletin" in c.sources]
    assert any("Ardwen Leisure Centre" in c.text for c in bulletin)
    assert any(c.text.startswith("Donations can be left") for c in bulletin)
    for claim in report.claims:
        assert "**" not in claim.text and not claim.text.startswith(("-", "#"))


# --- the first line ---------------------------------------------------------------------------


def test_an_opening_sentence_where_the_headline_would_be_stays_in_the_body(tmp_path):
    folder = _folder(tmp_path, {"a.txt": f"{LEDE}\n{BODY}", "b.txt": f"Bridge falls\n\n{BODY}"})
    cluster = load_cluster(folder)
    first = cluster.article("a")
    assert first.title == "a" and first.text.startswith(LEDE)
    assert cluster.article("b").title == "Bridge falls"
    (warning,) = cluster.warnings
    assert warning.startswith("a.txt: the first line reads as the opening of the article")
    assert any(c.text == LEDE for c in lexical_report(cluster).claims)


def test_a_wrapped_headline_is_one_title_and_a_wrapped_lede_is_body(tmp_path):
    headline = "Millrace Footbridge shut after partial collapse as council faces\nquestions"
    lede = textwrap.fill(LEDE + " " + LEDE, 72)
    folder = _folder(tmp_path, {"a.txt": f"{headline}\n\n{BODY}", "b.txt": f"{lede}\n\n{BODY}"})
    cluster = load_cluster(folder)
    assert cluster.article("a").title == " ".join(headline.split())
    assert cluster.article("a").text.startswith("Crews")
    assert cluster.article("b").title == "b"
    assert cluster.article("b").text.startswith("Four people were injured when part")


# --- encodings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "said"),
    [("latin-1", "read as cp1252"), ("cp1252", "read as cp1252"), ("utf-16", "read as UTF-16")],
)
def test_other_encodings_are_read_and_named(tmp_path, encoding, said):
    text = "Café reopens in Münster\n\nThe café near the Brücke reopened on Thursday, naïvely."
    folder = _folder(tmp_path, {"a.txt": text.encode(encoding), "b.txt": f"T\n\n{BODY}"})
    cluster = load_cluster(folder)
    assert cluster.article("a").title == "Café reopens in Münster"
    assert "naïvely" in cluster.article("a").text
    (warning,) = cluster.warnings
    assert warning.startswith("a.txt:") and said in warning
    result = CliRunner().invoke(app, ["report", str(folder), "--format", "json"])
    assert result.exit_code == 0 and said in result.stderr


# --- bad files, files that are not articles, links ------------------------------------------


def test_one_bad_file_stops_the_run_unless_skip_bad(tmp_path):
    folder = _folder(
        tmp_path, {"a.txt": f"Bridge falls\n\n{BODY}", "b.txt": "Only a title\n", "c.txt": ""}
    )
    with pytest.raises(InputError, match=r"b\.txt: the article has no text"):
        load_cluster(folder)
    result = CliRunner().invoke(app, ["report", str(folder)])
    assert result.exit_code == 2 and "b.txt: the article has no text" in result.stderr
    cluster = load_cluster(folder, skip_bad=True)
    assert [a.id for a in cluster.articles] == ["a"]
    assert len(cluster.warnings) == 2 and all("set aside" in w for w in cluster.warnings)
    result = CliRunner().invoke(app, ["report", str(folder), "--skip-bad", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert '"id": "a"' in result.stdout and "b.txt: the article has no text" in result.stdout
    assert "factcheck: warning:" in result.stderr and "c.txt: the article is empty" in result.stderr
    every_file_bad = _folder(tmp_path / "bad", {"b.txt": "Only a title\n"})
    with pytest.raises(InputError, match="no article could be read"):
        load_cluster(every_file_bad, skip_bad=True)


def test_files_that_are_not_articles_are_named(tmp_path):
    folder = _folder(
        tmp_path,
        {"a.txt": f"Bridge falls\n\n{BODY}", "photo.jpg": b"\xff\xd8\xff", "notes.odt": b"PK"},
    )
    cluster = load_cluster(folder)
    (warning,) = cluster.warnings
    assert "notes.odt, photo.jpg" in warning and "not articles" in warning
    assert warning in lexical_report(cluster).warnings


def _tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a text layer (Helvetica), written by hand for the test."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({x}) Tj T*" for x in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    out += f"trailer\n{trailer}".encode()
    return out


def test_word_and_pdf_articles_are_read(tmp_path):
    import docx

    folder = _folder(tmp_path, {})
    document = docx.Document()
    document.add_heading("Bridge collapse injures four", 1)
    document.add_paragraph("Four people were injured on Thursday evening.")
    document.add_paragraph("Nobody was missing.")
    document.save(str(folder / "a.docx"))
    lines = [
        "Footbridge falls into the Oster",
        "",
        "Four people were injured when part of the Millrace Footbridge",
        "collapsed on Thursday evening, the fire service said.",
    ]
    (folder / "b.pdf").write_bytes(_tiny_pdf(lines))
    cluster = load_cluster(folder)
    word, pdf = cluster.articles
    assert word.title == "Bridge collapse injures four"
    assert word.text == "Four people were injured on Thursday evening.\n\nNobody was missing."
    assert pdf.title == "Footbridge falls into the Oster"
    assert "Millrace Footbridge collapsed on Thursday evening" in pdf.text
    (folder / "c.pdf").write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(InputError, match=r"c\.pdf: not a PDF that can be read"):
        load_cluster(folder)


def test_links_out_of_the_folder_are_not_followed_unless_asked(tmp_path):
    outside = tmp_path / "passwd"
    outside.write_text("Accounts\n\nroot:x:0:0:root:/root:/bin/bash is the first line.\n")
    folder = _folder(tmp_path, {"a.txt": f"Bridge falls\n\n{BODY}"})
    (folder / "passwd.txt").symlink_to(outside)
    (folder / "b.txt").symlink_to(folder / "a.txt")  # inside the folder: read as usual
    cluster = load_cluster(folder)
    assert [a.id for a in cluster.articles] == ["a", "b"]
    (warning,) = cluster.warnings
    assert warning.startswith("passwd.txt: not read: a link to") and "outside" in warning
    result = CliRunner().invoke(app, ["report", str(folder), "--format", "json"])
    assert result.exit_code == 0 and "root:x:0:0" not in result.stdout
    assert "passwd.txt: not read" in result.stderr
    assert "passwd" in [a.id for a in load_cluster(folder, follow_links=True).articles]
    result = CliRunner().invoke(app, ["report", str(folder), "--follow-links", "--format", "json"])
    assert result.exit_code == 0 and "root:x:0:0" in result.stdout


# --- what the baseline leaves out ----------------------------------------------------------


def test_short_facts_are_claims_and_what_is_left_out_is_listed_with_why(tmp_path):
    folder = _folder(
        tmp_path,
        {
            "a.txt": "Bridge falls\n\nOSTERVALE, March 13\n\nNobody was injured. Why did it "
            "fall? The council said engineers would report within six weeks.",
            "b.txt": f"Bridge falls\n\n{BODY}",
        },
    )
    report = lexical_report(load_cluster(folder))
    assert "Nobody was injured." in [c.text for c in report.claims]
    (line,) = [w for w in report.warnings if w.startswith("a: ")]
    assert "2 sentences not taken as claims" in line
    assert "“OSTERVALE, March 13” (no full stop" in line
    assert "“Why did it fall?” (a question)" in line
