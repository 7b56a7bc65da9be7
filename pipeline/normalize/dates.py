"""One date value as a source wrote it (a metadata field, a header) to ISO 8601, or the reason.

Formats, tried cheapest first: ISO 8601 (``datetime.fromisoformat``), RFC 2822 as in mail and
RSS (``email.utils``: ``Fri, 19 Sep 2025 10:00:00 +0200``), then dateparser restricted to
absolute dates in French and English with the day first (``19/09/2025``,
``19 septembre 2025 à 10h30``, ``September 19, 2025``). dateparser costs about a millisecond
a call, so it only sees values the fast parsers refused. Relative expressions (``hier``) and
partial dates (``5 mars``, ``2025``) are refused: a publication date is a whole day.

The output keeps what the source gave and no more: ``YYYY-MM-DD`` without a time,
``YYYY-MM-DDTHH:MM`` (seconds when non-zero) with one, and ``+HH:MM`` when it names a zone.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

#: Languages of the press whose month and day names are read.
LANGUAGES = ("fr", "en")
# A value shaped like ISO 8601 gets ISO's own error message when it is invalid.
_ISO_SHAPE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?:[T ].*)?\Z")
# RFC 2822: an optional weekday, then `19 Sep 2025 10:00[:00] +0200` (or a zone name).
_RFC_2822 = re.compile(r"(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")
# A clock time in the value (10:30, 10h30, 10 h, 10am): without one, the output is a day.
_TIME = re.compile(r"\d\s*(?:[:h]\s*\d|h\b|[ap]\.?m\b)", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")


@dataclass(frozen=True)
class ParsedDate:
    """An ISO 8601 date (or date-time), or the one-line reason there is none."""

    date: str | None = None
    error: str | None = None


def parse_date(value: object, what: str = "date") -> ParsedDate:
    """Parse a date as a source gave it; ``what`` names the source in the error message.

    A value that is not a string (a number, a list) is an error, not a guess: an integer may
    be a Unix time or ``20250919``, and the reader cannot tell which.
    """
    if not isinstance(value, str):
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "…"
        return ParsedDate(error=f"{what} has type {type(value).__name__} ({shown}), not a string")
    value = value.strip()
    if _ISO_SHAPE.match(value):
        try:
            return ParsedDate(_iso(value))
        except ValueError as exc:
            return ParsedDate(error=f"{what} {value!r} is not a valid date ({exc})")
    if _RFC_2822.match(value):
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            pass  # dateparser below reads what email.utils refuses
        else:
            return ParsedDate(_format(moment, with_time=True))
    found = _dateparser(value) if _YEAR.search(value) else None
    if found is None:
        return ParsedDate(error=f"{what} {value!r} is not a whole date in a known format")
    return ParsedDate(_format(found, with_time=_TIME.search(value) is not None))


def _iso(value: str) -> str:
    if len(value) <= 10:
        return dt.date.fromisoformat(value).isoformat()
    return _format(dt.datetime.fromisoformat(value.replace("Z", "+00:00")), with_time=True)


def _format(moment: dt.datetime, with_time: bool) -> str:
    if not with_time:
        return moment.date().isoformat()
    offset = moment.utcoffset()
    if offset is not None:  # a fixed offset prints as +HH:MM, whatever the tzinfo class
        moment = moment.replace(tzinfo=dt.timezone(offset))
    spec = "minutes" if moment.second == 0 and moment.microsecond == 0 else "seconds"
    return moment.isoformat(timespec=spec)


def _dateparser(value: str) -> dt.datetime | None:
    import dateparser

    try:
        result: dt.datetime | None = dateparser.parse(
            value, languages=list(LANGUAGES), settings=_settings()
        )
    except (ValueError, OverflowError):  # out-of-range parts that slipped past its checks
        return None
    return result


@cache
def _settings() -> dict[str, Any]:
    # STRICT_PARSING: day, month and year must all be there; absolute-time only: no "hier",
    # no Unix timestamps; DMY: 05/03/2025 is the 5th of March, as the French press writes.
    return {"DATE_ORDER": "DMY", "STRICT_PARSING": True, "PARSERS": ["absolute-time"]}
