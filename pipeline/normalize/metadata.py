"""Article metadata found in the text itself: a header, a dateline, a title.

Dates are stored as ISO 8601 strings: ``YYYY-MM-DD``, or ``YYYY-MM-DDTHH:MM`` when a time is
known, with ``+HH:MM`` when the source names the time zone (``14h30 UTC`` ->
``...T14:30+00:00``). A date that is present but invalid is not guessed: the date stays
empty and the reason goes to ``date_error``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from pipeline.normalize.bylines import byline, split_authors
from pipeline.normalize.dates import ParsedDate, parse_date

MONTHS = {
    "janvier": 1,
    "février": 2,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "août": 8,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "décembre": 12,
    "decembre": 12,
}

# ` date 2025-09-19 La France…`: scraper headers glued before the body. Only keys whose
# value has an unmistakable shape are recognised, so ordinary prose is never eaten.
_HEADER = re.compile(r"\s*(?:(date)\s+(\d[\dTZ:+./-]*)|(url)\s+(https?://\S+))(?:\s+|\Z)")

# Wikinews-style dateline opening a paragraph: `1er janvier 2016, 14h30 . –`, optionally
# preceded by a place (`Paris, 3 mars 2016 —`) and followed by a time or a place.
_DATELINE = re.compile(
    r"(?:[^\d\n,.]{1,40},\s*)?"
    r"(?P<day>\d{1,2})(?:er)?\s+(?P<month>" + "|".join(MONTHS) + r")\s+(?P<year>\d{4})"
    r"(?P<extra>\s*,[^\n–—]{1,60}?)?\s*\.?\s*[–—]",
    re.IGNORECASE,
)
# Header lines: `Date : 19 septembre 2025`, `url: https://…`, `Auteur : Marie Curie`,
# `Publié le 19/09/2025 à 10h30, mis à jour le …` (a line of its own, among the first few);
# a byline (`Par Jean Dupont, envoyé spécial`) is one too (``bylines.byline``).
_HEADER_LINE = re.compile(
    r"(?P<key>date|url|auteurs?|author)\s*:\s*(?P<value>\S.*)|(?:publié|mis à jour)\s+le\b.*",
    re.IGNORECASE,
)
_STAMP = re.compile(r"\s*(?P<kind>publié|mis à jour)\s+le\s*:?\s*(?P<when>\S.*?)[\s.)]*", re.I)
_UPDATED = re.compile(r"\s*[,;|–—(-]\s*(?=mis à jour\b)", re.IGNORECASE)
_URL = re.compile(r"https?://\S+")
_BLANK_RUN = re.compile(r"\n{3,}")
# A "Publié le" line whose date does not parse is a header only when it is this short.
_MAX_HEADER_WORDS = 8
_TIME = re.compile(r"\b(?P<hour>\d{1,2})\s*[h:]\s*(?P<minute>\d{2})?")
_ZONE = re.compile(r"\bUTC\s*(?:(?P<sign>[+-])\s*(?P<offset>\d{1,2}))?", re.IGNORECASE)


@dataclass(frozen=True)
class Header:
    """What a header held: the text without it, its date (or the reason it has none), its
    URL, its author(s).

    ``found`` says whether any header was taken out of the text."""

    text: str
    found: bool = False
    date: str | None = None
    date_error: str | None = None
    url: str | None = None
    author: str | None = None


@dataclass
class _Line:
    """What one header line holds: a URL, ranked dates or an author."""

    url: str | None = None
    dates: list[tuple[int, ParsedDate]] = field(default_factory=list)
    author: str | None = None


@dataclass(frozen=True)
class Dateline:
    """A dateline's date (ISO) or the reason it is invalid."""

    date: str | None
    date_error: str | None


def parse_header(text: str, max_lines: int) -> Header:
    """Take the header out of the start of ``text``: ``key value`` pairs glued before the body
    (``date``, ``url``), then header lines among the first ``max_lines`` lines (``date:``,
    ``Date :``, ``url:``, ``Auteur :``, ``Par NAME``, ``Publié le …``, ``Mis à jour le …``; a
    title line may come first).

    The publication date wins over a ``date:`` line, which wins over an update date."""
    pos, dates, url, author = 0, [], None, None
    while match := _HEADER.match(text, pos):
        if match.group(1):
            dates.append((1, parse_date(match.group(2), "header date")))
        else:
            url = match.group(4)
        pos = match.end()
    body = text[pos:].lstrip() if pos else text
    lines = body.split("\n", max_lines)
    head, rest = lines[:max_lines], lines[max_lines:]
    kept: list[str] = []
    for line in head:
        found = _header_line(line.strip())
        if found is None:
            kept.append(line)
            continue
        url, author = found.url or url, author or found.author
        dates.extend(found.dates)
    if len(kept) < len(head):
        top = _BLANK_RUN.sub("\n\n", "\n".join(kept)).strip("\n")
        body = "\n".join([top, *rest] if top else rest).lstrip()
    elif not pos:
        return Header(text)
    date = min(dates, key=lambda d: d[0])[1] if dates else ParsedDate()
    return Header(body, True, date.date, date.error, url, author)


def _header_line(line: str) -> _Line | None:
    """A header line's URL, author or dates ranked (0: published, 1: date, 2: updated); None
    when the line is not a header. A ``Publié le`` line is prose unless its date parses or
    it is as short as a header."""
    match = _HEADER_LINE.fullmatch(line)
    if match is None:
        names = byline(line)
        return _Line(author=names) if names else None
    key = (match["key"] or "").lower()
    if key == "url":
        return _Line(url=match["value"]) if _URL.fullmatch(match["value"]) else None
    if key:
        if key == "date":
            return _Line(dates=[(1, parse_date(match["value"], "header date"))])
        names = split_authors(match["value"])
        return _Line(author=names) if names else None
    found = []
    for part in _UPDATED.split(line):
        stamp = _STAMP.fullmatch(part)
        if stamp is None:
            return None
        rank = 0 if stamp["kind"].lower().startswith("publi") else 2
        parsed = parse_date(stamp["when"], f"header date ({stamp['kind'].lower()})")
        if parsed.date is None and len(line.split()) > _MAX_HEADER_WORDS:
            return None
        found.append((rank, parsed))
    return _Line(dates=found)


def find_dateline(paragraphs: list[str]) -> tuple[int, Dateline] | None:
    """The first paragraph that opens with a dateline, with its date, if any."""
    for index, paragraph in enumerate(paragraphs):
        match = _DATELINE.match(paragraph)
        if match:
            return index, _dateline_date(match)
    return None


def is_dateline(paragraph: str) -> bool:
    """Whether a paragraph opens with a dateline (never a title or a heading)."""
    return _DATELINE.match(paragraph) is not None


def _dateline_date(match: re.Match[str]) -> Dateline:
    raw = match.group(0).rstrip(" .–—")
    try:
        day = dt.date(int(match["year"]), MONTHS[match["month"].lower()], int(match["day"]))
    except ValueError as exc:
        return Dateline(None, f"dateline {raw!r} is not a valid date ({exc})")
    extra = match["extra"] or ""
    time = _TIME.search(extra)
    if not time or int(time["hour"]) > 23:
        return Dateline(day.isoformat(), None)
    moment = dt.datetime(day.year, day.month, day.day, int(time["hour"]), int(time["minute"] or 0))
    zone = _ZONE.search(extra)
    if zone:
        hours = int(zone["offset"] or 0) * (-1 if zone["sign"] == "-" else 1)
        if abs(hours) > 14:
            return Dateline(day.isoformat(), None)
        moment = moment.replace(tzinfo=dt.timezone(dt.timedelta(hours=hours)))
    return Dateline(moment.isoformat(timespec="minutes"), None)
