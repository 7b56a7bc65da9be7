"""Real articles in real outlets' page markup (tests/normalize/pages): the issue's targets.

Title right ≥ 95 %, date right ≥ 90 %, every author right (bylines "Par …", meta, JSON-LD,
none invented where the page names no one), boilerplate in at most 1 page of 29, no article lost;
pages without an article are quarantined with the reason that says so. The baseline row
(trafilatura's defaults, what the stage did before) shows what the page set catches.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

PAGES = Path(__file__).parent / "pages"


def _scorer():
    spec = importlib.util.spec_from_file_location("score_pages", PAGES / "score_pages.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_news_pages_meet_the_targets() -> None:
    scorer = _scorer()
    scores = scorer.score(scorer.ours)
    assert scores.articles == 30 and scores.non_articles == 2
    assert scores.title_right >= 0.95 * scores.articles
    assert scores.date_right >= 0.9 * scores.articles
    assert scores.url_right == scores.articles  # canonical, web-archive prefix removed
    assert scores.author_right == scores.articles
    assert scores.with_boilerplate == []
    assert scores.lost == []
    assert scores.non_articles_out == scores.non_articles


def test_the_page_set_catches_what_the_plain_extraction_kept() -> None:
    scorer = _scorer()
    scores = scorer.score(scorer.baseline)
    assert len(scores.with_boilerplate) >= 9  # "Lire aussi" links, a paywall teaser
    assert scores.non_articles_out == 0  # the template and the index page were kept
    assert scores.url_right < scores.articles  # web-archive URLs
    assert scores.date_right < scores.articles  # a "most read" sidebar's date
    assert scores.author_right < scores.articles  # "Par Anne Roy et Luc Petit" kept whole


def test_page_date_keeps_the_time_and_zone_the_page_states(normalize_bytes) -> None:
    article = normalize_bytes((PAGES / "00-lequotidien.html").read_bytes(), "p.html")
    assert article.date == "2016-01-01T08:00+01:00"
    assert article.title == "France : attaque à Valence (Drôme)"
    assert article.outlet == "Le Quotidien du Matin"
    assert article.author == "Claire Dubois"  # the byline "Par Claire Dubois"


def test_page_authors_from_json_ld_meta_and_a_two_name_byline(normalize_bytes) -> None:
    expected = {
        "02-echo-republicain.html": "Sophie Lefèvre; Pierre-Yves Le Gall",  # JSON-LD list
        "04-journalducentre.html": "Élodie Martin",  # <meta name="author">
        "07-gazettedunord.html": "Pierre-Yves Le Gall; Julien Moreau",  # "Par … et …"
        "08-lematin-numerique.html": None,  # the page names no one
    }
    for name, author in expected.items():
        assert normalize_bytes((PAGES / name).read_bytes(), name).author == author, name


def test_pages_without_an_article_are_quarantined(normalize_bytes) -> None:
    for name in ("template-page.html", "index-page.html"):
        entry = normalize_bytes((PAGES / name).read_bytes(), name)
        assert entry.reason == "no article text (template or index page)", name
