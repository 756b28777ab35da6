import json

import pytest
from typer.testing import CliRunner

from factcheck import InputError, load_cluster
from factcheck.cli import app
from factcheck.stages.clean import classify_line, clean_text
from tests.conftest import EXAMPLE_CLUSTER


def test_example_cluster_loads_with_metadata_and_boilerplate():
    cluster = load_cluster(EXAMPLE_CLUSTER)
    assert cluster.name == "Riverside footbridge collapse"
    assert len(cluster.articles) == 4
    first = cluster.articles[0]
    assert first.outlet == "Valley Courier"
    assert first.published == "2026-03-13"
    dropped = {line.text for a in cluster.articles for line in a.boilerplate}
    assert "Sign up for our morning newsletter" in dropped
    assert "Share this story" in dropped
    for article in cluster.articles:
        for line in article.boilerplate:
            assert article.text[line.span.start : line.span.end].strip() == line.text
            assert line.text not in clean_text(article)


@pytest.mark.parametrize(
    "line",
    [
        "See also  The leader of the Solomon Islands gets an election postponed",
        "By Priya Nandakumar | pnandakumar@northgatetimes.example",
        "Follow us on Facebook and X for updates",
        "Comments (12) — join the discussion",
        "Comments (3)",
        "Previous article: Choir wins / Next article: Weather",
        "PREV Mobilization in Russia",
        "Photo Caption,",
    ],
)
def test_boilerplate_lines_are_recognised(line):
    assert classify_line(line) is not None


@pytest.mark.parametrize(
    "line",
    [
        "North Korea denied a US intelligence report on Thursday.",
        "Next week, officials said, the talks resume.",
        "Kirby said the deliveries were a sign of Russia's dwindling arms stockpile.",
        "",
    ],
)
def test_news_lines_are_kept(line):
    assert classify_line(line) is None


def test_json_and_markdown_articles(tmp_path):
    (tmp_path / "a.json").write_text(
        json.dumps(
            {"title": "T", "text": "Body text here.", "source": "Wire", "url": "https://x.example"}
        )
    )
    (tmp_path / "b.md").write_text("\n# Heading\n\nBody of b.\n")
    cluster = load_cluster(tmp_path)
    assert [(a.id, a.title, a.outlet) for a in cluster.articles] == [
        ("a", "T", "Wire"),
        ("b", "Heading", None),
    ]
    assert cluster.articles[1].text == "Body of b."


def test_html_article_main_text(tmp_path):
    (tmp_path / "a.html").write_text(
        "<html><head><title>Bridge falls</title></head><body><nav>Home | News</nav>"
        "<article><h1>Bridge falls</h1><p>The footbridge in Ostervale collapsed on Thursday "
        "evening, injuring four people, according to the fire service.</p><p>The council "
        "closed the crossing until further notice while engineers inspect it.</p></article>"
        "<footer>Copyright</footer></body></html>"
    )
    article = load_cluster(tmp_path).articles[0]
    assert "footbridge in Ostervale collapsed" in article.text
    assert "Home | News" not in article.text


def _bad(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return tmp_path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing", "no such folder"),
        (lambda p: p, "no article files"),
        (lambda p: _bad(p, "a.txt", b"\x89PNG\r\n\x1a\n\x00\x00"), "binary file"),
        (lambda p: _bad(p, "a.txt", b"Title\n" + bytes(range(128, 256)) * 4), "not UTF-8, and no"),
        (lambda p: _bad(p, "a.txt", "Only a title\n\n"), "has no text"),
        (lambda p: _bad(p, "a.txt", "   \n\n"), "is empty"),
        (lambda p: _bad(p, "a.json", '{"title": "x"}'), "text: Field required"),
        (
            lambda p: _bad(_bad(p, "a.txt", "T\nbody"), "cluster.yaml", "articles: {zz: {}}"),
            "names article 'zz'",
        ),
        (
            lambda p: _bad(_bad(p, "x.txt", "T\nThe body."), "x.md", "# T\n\nThe body."),
            "x.md and x.txt: two files with one stem, 'x'",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, make, message):
    folder = make(tmp_path)
    with pytest.raises(InputError, match=message):
        load_cluster(folder)
    result = CliRunner().invoke(app, ["report", str(folder)])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("factcheck: error:")


def test_backend_llm_with_no_model_configured_is_one_line_and_exit_2():
    result = CliRunner().invoke(app, ["report", str(EXAMPLE_CLUSTER), "--backend", "llm"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "factcheck: error: no model configured: pass --model (or set FACTCHECK_MODEL), plus "
        "--base-url (FACTCHECK_BASE_URL) for a local server and OPENAI_API_KEY for OpenAI; "
        "see the README"
    ]
