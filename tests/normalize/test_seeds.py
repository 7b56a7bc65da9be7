"""The two sample articles: one story told by two outlets."""

from __future__ import annotations

from pathlib import Path

from pipeline.io import read_inputs
from pipeline.normalize.core import article_id, normalize_item
from pipeline.normalize.grouping import Grouper
from pipeline.schema import Article

SEED_000 = "000_1d858071adb957df.txt"
SEED_001 = "001_f9319d82666dafb3.txt"


def seeds(seeds_dir: Path, config) -> dict[str, Article]:
    items = read_inputs([seeds_dir], config.suffixes, config.max_article_bytes)
    articles = [normalize_item(raw, config) for raw in items]
    assert all(isinstance(a, Article) for a in articles)
    return {Path(a.source.path).name: a for a in articles}


def test_seed_001_header_gives_the_date_and_leaves_the_text(seeds_dir: Path, config) -> None:
    article = seeds(seeds_dir, config)[SEED_001]
    assert article.date == "2025-09-19"
    assert article.date_error is None
    assert article.text.startswith("La France a annoncé ce vendredi la suspension")
    assert "date 2025" not in article.text
    assert "header" in article.source.repairs
    assert article.title is None  # its first paragraph is a sentence, not a title
    assert article.id == article_id(article.text)


def test_seed_001_sub_heading_is_a_heading_span(seeds_dir: Path, config) -> None:
    article = seeds(seeds_dir, config)[SEED_001]
    headings = [article.text[s.start : s.end] for s in article.headings]
    assert headings == ["Mesures de rétorsion"]
    paragraphs = [article.text[s.start : s.end] for s in article.paragraphs]
    assert len(paragraphs) == 9
    assert paragraphs[3] == "Mesures de rétorsion"
    assert paragraphs[-1].startswith("Bamako n’a pas encore officiellement confirmé")
    assert "’" in article.text  # French apostrophes are kept, not straightened


def test_seed_000_first_line_is_the_title_and_stays_in_the_text(seeds_dir: Path, config) -> None:
    article = seeds(seeds_dir, config)[SEED_000]
    title = (
        "La France suspend sa coopération sécuritaire avec le Mali et expulse des diplomates "
        "en réponse à l'arrestation de son employé"
    )
    assert article.title == title
    first = article.headings[0]
    assert (first.start, first.end) == (0, len(title))
    assert article.text[first.start : first.end] == title
    assert article.date is None and article.date_error is None
    # one paragraph per line: the title and eight body lines
    assert len(article.paragraphs) == 9
    assert len(article.headings) == 1


def test_seeds_are_french_and_unflagged(seeds_dir: Path, config) -> None:
    for article in seeds(seeds_dir, config).values():
        assert article.language == "fr"
        assert article.language_score > 0.9
        assert not article.language_flag
        assert article.source.encoding == "utf-8"
        assert len(article.source.sha256) == 64


def test_seeds_share_a_story_but_are_not_near_duplicates(seeds_dir: Path, config) -> None:
    found = seeds(seeds_dir, config)
    grouper = Grouper(config)
    kept = [a for a in found.values() if grouper.add(a)]
    counts = grouper.finish()
    a, b = (grouper.annotate(x) for x in kept)
    assert a.story_id == b.story_id == "s-" + min(a.id, b.id)
    assert a.near_duplicate_of is None and b.near_duplicate_of is None
    assert counts["stories"] == 1 and counts["near_duplicates"] == 0
