"""Article metadata found in the text itself: an inline header, a dateline, a title.

Dates are stored as ISO 8601 strings: ``YYYY-MM-DD``, or ``YYYY-MM-DDTHH:MM`` when a time is
known, with ``+HH:MM`` when the source names the time zone (``14h30 UTC`` ->
``...T14:30+00:00``). A date that is present but invalid is not guessed: the date stays
empty and the reason goes to ``date_error``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

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
_TIME = re.compile(r"\b(?P<hour>\d{1,2})\s*[h:]\s*(?P<minute>\d{2})?")
_ZONE = re.compile(r"\bUTC\s*(?:(?P<sign>[+-])\s*(?P<offset>\d{1,2}))?", re.IGNORECASE)


@dataclass(frozen=True)
class Header:
    """What an inline header held, and how many characters of the text it took."""

    length: int = 0
    date: str | None = None
    date_error: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Dateline:
    """A dateline's date (ISO) or the reason it is invalid."""

    date: str | None
    date_error: str | None


def parse_header(text: str) -> Header:
    """Read ``key value`` pairs glued at the very start of the text (``date``, ``url``)."""
    pos, date, error, url = 0, None, None, None
    while match := _HEADER.match(text, pos):
        if match.group(1):
            date, error = parse_iso_date(match.group(2), "header date")
        else:
            url = match.group(4)
        pos = match.end()
    return Header(pos, date, error, url)


def parse_iso_date(value: str, what: str = "date") -> tuple[str | None, str | None]:
    """An ISO date or date-time string, normalized, or (None, reason) when it is invalid."""
    value = value.strip()
    try:
        if len(value) <= 10:
            return dt.date.fromisoformat(value).isoformat(), None
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        return None, f"{what} {value!r} is not a valid date ({exc})"
    spec = "minutes" if moment.second == 0 and moment.microsecond == 0 else "seconds"
    return moment.isoformat(timespec=spec), None


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
