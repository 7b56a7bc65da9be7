"""Properties over generated articles: spans slice the text, normalizing is idempotent."""

from __future__ import annotations

import ftfy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.normalize.repair import _ftfy_config, fix_with_ftfy, repair
from pipeline.schema import Article

# French letters and punctuation, the whitespace and line breaks of real files, invisible
# marks, decomposed accents and a few mojibake sequences.
PIECES = st.sampled_from(
    [
        "le", "La", "été", "Noël", "ça", "œuvre", "Mesures de rétorsion", "Paris", "2016",
        "a-t-il", "l’État", "« citation »", "…", ".", ",", " ; ", " : ", "?", "!", " ", " ",
        "\u00a0", "\u202f", "\t", "\n", "\n\n", "\r\n", "\r", "\u2028", "\u200b", "\u00ad",
        "\u200f", "\ufeff", "e\u0301", "c\u0327", "Ã©", "Ã¨", "â€™", "1er janvier 2016 . –",
        " date 2025-09-19 ", "date 2025-02-30 ", "&amp;", "ﬁ", "\x85", "Ｆ", "\x1b[0m",
    ]
)  # fmt: skip
TEXTS = st.lists(PIECES, min_size=1, max_size=60).map("".join)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(TEXTS)
def test_spans_slice_the_stored_text(normalize_bytes, text: str) -> None:
    article = normalize_bytes(text.encode())
    if not isinstance(article, Article):
        return  # blank after repair: quarantined, nothing to slice
    previous_end = -1
    for span in article.paragraphs:
        piece = article.text[span.start : span.end]
        assert 0 <= span.start < span.end <= len(article.text)
        assert span.start > previous_end  # ordered, disjoint, separated
        assert piece == piece.strip()
        previous_end = span.end
    assert set(article.headings) <= set(article.paragraphs)
    covered = "".join(article.text[s.start : s.end] for s in article.paragraphs)
    assert "".join(covered.split()) == "".join(article.text.split())
    if article.title is not None and article.headings:
        first = article.headings[0]
        assert article.text[first.start : first.end] == article.title


@SETTINGS
@given(TEXTS)
def test_normalizing_normalized_text_changes_nothing(normalize_bytes, text: str) -> None:
    article = normalize_bytes(text.encode())
    if not isinstance(article, Article):
        return
    again = normalize_bytes(article.text.encode())
    assert again.text == article.text
    assert again.id == article.id
    assert again.paragraphs == article.paragraphs
    assert again.headings == article.headings
    assert again.title == article.title
    assert again.source.repairs == []


@SETTINGS
@given(TEXTS)
def test_repair_is_idempotent(text: str) -> None:
    once, _ = repair(text)
    assert repair(once) == (once, [])


@SETTINGS
@given(TEXTS)
def test_skipping_ftfy_never_changes_the_result(text: str) -> None:
    """ftfy is skipped on text it cannot change; the output must be ftfy's own."""
    assert fix_with_ftfy(text) == ftfy.fix_text(text, _ftfy_config())
