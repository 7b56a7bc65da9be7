"""Paragraph and heading spans over the final text, and the title line.

A paragraph is a line, or several lines when a line break looks like a hard wrap (the line
does not end a sentence and the next starts in lower case); blank lines always separate.
A heading is a short single-line paragraph without sentence punctuation at its end,
standing alone between body paragraphs (``Mesures de rétorsion``); a first paragraph of that
shape (up to a title's length) followed by more text is the article's title, and a
heading. Datelines are never headings. Spans are ``[start, end)`` and slice the text
exactly, without surrounding blanks.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.normalize.metadata import is_dateline
from pipeline.schema import Span

_SENTENCE_END = tuple('.!?…:;»"”)]')
# A title or heading may end with ?, ! or an ellipsis, not with other punctuation, and
# does not open like an attribution of a quotation or a list item.
_NOT_HEADING_END = tuple(".,;:–—-")
_NOT_HEADING_START = tuple("—–-•*·>")


@dataclass(frozen=True)
class Structure:
    """The paragraphs of a text, which of them are headings, and the title if one leads."""

    paragraphs: list[Span]
    headings: list[Span]
    title: str | None


def paragraph_spans(text: str) -> list[Span]:
    """``[start, end)`` spans of the paragraphs of ``text``, in order."""
    spans: list[Span] = []
    start = end = -1
    previous = ""
    pos = 0
    for line in text.split("\n"):
        line_start, pos = pos, pos + len(line) + 1
        content = line.strip()
        if not content:
            if start >= 0:
                spans.append(Span(start, end))
            start = -1
            continue
        first = line_start + (len(line) - len(line.lstrip()))
        last = line_start + len(line.rstrip())
        if start >= 0 and _is_wrap(previous, content):
            end = last
        else:
            if start >= 0:
                spans.append(Span(start, end))
            start, end = first, last
        previous = content
    if start >= 0:
        spans.append(Span(start, end))
    return spans


def _is_wrap(previous: str, line: str) -> bool:
    return not previous.endswith(_SENTENCE_END) and line[0].islower()


def _heading_like(paragraph: str, max_words: int) -> bool:
    return (
        "\n" not in paragraph
        and len(paragraph.split()) <= max_words
        and (paragraph.endswith("...") or not paragraph.endswith(_NOT_HEADING_END))
        and not paragraph.startswith(_NOT_HEADING_START)
        and not paragraph[0].islower()
        and not is_dateline(paragraph)
    )


def structure(
    text: str, title: str | None, title_max_words: int, heading_max_words: int
) -> Structure:
    """Paragraphs, headings and title of ``text``.

    ``title`` is a title given by the source's metadata: when the first paragraph repeats
    it, that paragraph is the title heading. Otherwise the first paragraph is the title when
    it looks like one and more text follows.
    """
    paragraphs = paragraph_spans(text)
    texts = [text[s.start : s.end] for s in paragraphs]
    short = [_heading_like(p, heading_max_words) for p in texts]
    headings: list[Span] = []
    if paragraphs:
        first = texts[0]
        if title is not None:
            if first == title.strip():
                headings.append(paragraphs[0])
        elif len(paragraphs) > 1 and _heading_like(first, title_max_words):
            headings.append(paragraphs[0])
            title = first
    # A heading stands alone between body paragraphs: runs of short lines are lists
    # (line-ups, related links, quotes' attributions), not headings.
    for index in range(1, len(paragraphs) - 1):
        alone = not short[index + 1] and (index == 1 or not short[index - 1])
        if short[index] and alone:
            headings.append(paragraphs[index])
    return Structure(paragraphs, headings, title)
