"""One raw input item to one ``Article`` or one ``QuarantineEntry``; streams of them.

This is the pure heart of the stage: it sees bytes that someone else read and returns
values. Everything that changes the text happens here, before any offset is computed, so
the stored text is final: paragraphs, headings and later every entity are offsets into it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator

from pipeline.io import RawInput
from pipeline.normalize.config import NormalizeConfig
from pipeline.normalize.dates import parse_date
from pipeline.normalize.language import detect_language
from pipeline.normalize.metadata import Header, find_dateline, parse_header
from pipeline.normalize.readers import Document, ReaderError, read_document
from pipeline.normalize.repair import repair
from pipeline.normalize.structure import structure
from pipeline.schema import Article, QuarantineEntry, Source, Span

STAGE = "normalize"


def article_id(text: str) -> str:
    """The content-derived id: the first 16 hex digits of the sha256 of the UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def normalize_item(raw: RawInput, config: NormalizeConfig) -> Article | QuarantineEntry:
    """Normalize one input item; a bad item becomes a quarantine entry with the reason."""
    if raw.error is not None or raw.data is None:
        return QuarantineEntry(STAGE, raw.path, raw.error or "no data", raw.line)
    try:
        document = read_document(raw.path, raw.data, config)
    except ReaderError as exc:
        return QuarantineEntry(STAGE, raw.path, str(exc), raw.line)
    sha256 = hashlib.sha256(raw.data).hexdigest()
    article = normalize_document(document, raw.path, sha256, config, raw.line)
    if not article.text:
        return QuarantineEntry(STAGE, raw.path, "no text left after normalization", raw.line)
    return article


def normalize_document(
    document: Document,
    path: str,
    sha256: str,
    config: NormalizeConfig,
    line: int | None = None,
) -> Article:
    """Repair the text, take metadata out of it, find its structure and language."""
    text, repairs = repair(document.text)
    repairs = [*document.repairs, *repairs]
    header = parse_header(text, config.header_max_lines)
    if header.found:
        text = header.text
        repairs.append("header")
    given_title = repair(document.title)[0].replace("\n", " ") if document.title else None
    shape = structure(text, given_title, config.title_max_words, config.heading_max_words)
    date, date_error = _date(
        document, header, text, shape.paragraphs, config.dateline_max_paragraphs
    )
    language, score = detect_language(text, config.language_sample_chars)
    flagged = language not in config.languages or score < config.min_language_score
    source = Source(
        path=path,
        sha256=sha256,
        encoding=document.encoding,
        repairs=repairs,
        line=line,
        url=document.url or header.url,
    )
    return Article(
        id=article_id(text),
        text=text,
        title=shape.title,
        date=date,
        date_error=date_error,
        language=language,
        language_score=score,
        language_flag=flagged,
        paragraphs=shape.paragraphs,
        headings=shape.headings,
        outlet=document.outlet,
        author=document.author or header.author,
        source=source,
    )


def _date(
    document: Document, header: Header, text: str, paragraphs: list[Span], max_paragraphs: int
) -> tuple[str | None, str | None]:
    """The first date source present decides, invalid or not: the container's metadata, then
    an inline header, then a dateline among the first paragraphs. An invalid date is never
    replaced by a guess from a weaker source."""
    if document.date is not None:
        parsed = parse_date(document.date, "metadata date")
        return parsed.date, parsed.error
    if header.date is not None or header.date_error is not None:
        return header.date, header.date_error
    found = find_dateline([text[s.start : s.end] for s in paragraphs[:max_paragraphs]])
    if found is None:
        return None, None
    return found[1].date, found[1].date_error


def normalize_stream(
    items: Iterable[RawInput], config: NormalizeConfig
) -> Iterator[Article | QuarantineEntry]:
    """Normalize items one at a time; what a result counts for is ``result_counts``."""
    for raw in items:
        yield normalize_item(raw, config)


def result_counts(result: Article | QuarantineEntry) -> Counter[str]:
    """What one normalized item adds to a run's stats: ``read`` and ``articles`` or
    ``quarantined``. A value, not a counter the core mutates, so that the executor (the
    local command or each Ray worker) gathers them and partial counts merge by addition."""
    outcome = "quarantined" if isinstance(result, QuarantineEntry) else "articles"
    return Counter({"read": 1, outcome: 1})
