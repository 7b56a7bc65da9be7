"""The 964 WiNER-fr development articles (French Wikinews 2016-2017, CC BY 2.5).

Each file is a whole article: a title line, a dateline such as ``1er janvier 2016, 14h30 . –``
and paragraphs. Title and date must be found for at least 95 % of them, and the stored
text must stay the file's text (the gold entity offsets of the ``.ann`` files refer to it).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import ftfy
import pytest

from pipeline.io import read_inputs
from pipeline.normalize.core import normalize_item
from pipeline.normalize.grouping import Grouper
from pipeline.normalize.repair import _ftfy_config, fix_with_ftfy
from pipeline.schema import Article


@pytest.fixture(scope="module")
def winer(shared_data: Path, config) -> list[tuple[Path, Article]]:
    files = sorted((shared_data / "winer-fr-dev").glob("*/*/*.txt"))
    assert len(files) == 964
    items = read_inputs(files, config.suffixes, config.max_article_bytes)
    return [(f, normalize_item(raw, config)) for f, raw in zip(files, items, strict=True)]


def test_title_and_date_found_for_at_least_95_percent(winer) -> None:
    titled = [a for _, a in winer if a.title]
    dated = [a for _, a in winer if a.date]
    assert len(titled) / len(winer) >= 0.95, len(titled)
    assert len(dated) / len(winer) >= 0.95, len(dated)
    # measured when written: 964/964 titles, 964/964 dates
    assert len(titled) == len(dated) == 964


def test_title_is_the_first_line_and_a_heading(winer) -> None:
    for path, article in winer:
        first_line = path.read_text(encoding="utf-8").split("\n", 1)[0].strip()
        assert article.title == first_line, path
        assert article.text[article.headings[0].start : article.headings[0].end] == first_line


def test_dates_agree_with_the_file_names(winer) -> None:
    """The file name holds the publication day; a dateline may name the event's day."""
    disagree = []
    for path, article in winer:
        named = path.name[:10].replace("_", "-")
        if article.date[:10] != named:
            disagree.append((path.name, article.date))
    # 4 datelines give the day before the publication day, 1 is a typo in the source
    # (2017_02_08-001 says "28 février 2017")
    assert len(disagree) <= 5, disagree


def test_dateline_with_time(winer) -> None:
    by_name = {p.name: a for p, a in winer}
    assert by_name["2016_01_01-001.txt"].date == "2016-01-01T14:30"
    timed = [a.date for a in by_name.values() if "T" in a.date]
    assert len(timed) == 14
    assert any(d.endswith("+00:00") for d in timed)  # "11 h 40 UTC"
    assert any(d.endswith("+03:00") for d in timed)  # "1 h 30 UTC+3"


def test_text_is_the_file_text_but_for_invisible_marks(winer) -> None:
    changed = []
    for path, article in winer:
        original = path.read_text(encoding="utf-8")
        if article.text != original.strip():
            changed.append(path.name)
            assert article.source.repairs == ["invisible"], path
            visible = "".join(ch for ch in original if unicodedata.category(ch) != "Cf")
            assert article.text == visible.strip()
    assert len(changed) == 4, changed


def test_all_french_and_spans_slice_the_text(winer) -> None:
    for _, article in winer:
        assert article.language == "fr" and not article.language_flag
        for span in article.paragraphs:
            piece = article.text[span.start : span.end]
            assert piece and piece == piece.strip()
        assert set(article.headings) <= set(article.paragraphs)


def test_skipping_ftfy_gives_ftfy_output_on_real_articles(shared_data: Path) -> None:
    for path in sorted((shared_data / "winer-fr-dev").glob("*/*/*.txt"))[:300]:
        text = path.read_text(encoding="utf-8")
        assert fix_with_ftfy(text) == ftfy.fix_text(text, _ftfy_config()), path


def test_story_clusters(winer, config) -> None:
    """Measured when written: 29 multi-article stories holding 72 of the 964 articles (by
    eye: 12 running stories, 11 series of one competition, 6 same-topic merges), no near
    duplicates, the largest story the 11 Tour de France 2016 stage reports."""
    grouper = Grouper(config)
    kept = [a for _, a in winer if grouper.add(a)]
    counts = grouper.finish()
    stories: dict[str, list[str]] = {}
    for article in map(grouper.annotate, kept):
        stories.setdefault(article.story_id, []).append(article.title)
    multi = [titles for titles in stories.values() if len(titles) > 1]
    assert counts["near_duplicates"] == 0 and counts["duplicates"] == 0
    assert len(multi) == counts["multi_article_stories"] == 29
    assert sum(map(len, multi)) == 72
    largest = max(multi, key=len)
    assert len(largest) == 11 and all(t.startswith("Tour de France 2016") for t in largest)
    eurovision = next(t for t in multi if "Ukraine" in " ".join(t))
    assert len(eurovision) == 3 and all("Eurovision de la chanson 2016" in t for t in eurovision)
