"""Calendar arithmetic and TimeML value strings for resolved time expressions.

Values follow ISO-TimeML, the convention of the FR-TimeBank gold data:

- a day ``2025-09-19``, a month ``2025-08``, a year ``1999``, an ISO week ``1999-W20``, a
  weekend ``1999-W20-WE``, a season ``1999-SU`` (SP, SU, FA, WI), a quarter ``2002-Q1``, a
  decade ``199X``, a century ``18XX``;
- a clock time ``1999-05-23T22:00``; a part of a day ``1999-05-23TEV`` (MO morning,
  AF afternoon, EV evening, NI night, DT daytime);
- ``X`` for what the text leaves open and no date can fill (``XXXX-05-12`` for ``le 12 mai``
  in an undated article): the text's own information is kept, nothing is invented.

Granularity is the text's: ``en août`` is a month (``2025-08``), never the 1st of August.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

#: Which occurrence of a repeating calendar point a rule wants, relative to the anchor.
Direction = Literal["past", "future", "nearest"]

PARTS_OF_DAY = {
    "matin": "MO",
    "matinée": "MO",
    "après-midi": "AF",
    "soir": "EV",
    "soirée": "EV",
    "nuit": "NI",
    "journée": "DT",
}

SEASONS = {"printemps": "SP", "été": "SU", "automne": "FA", "hiver": "WI"}


def day(d: dt.date) -> str:
    """``YYYY-MM-DD``."""
    return d.isoformat()


def month(year: int, month_number: int) -> str:
    """``YYYY-MM``."""
    return f"{year:04d}-{month_number:02d}"


def iso_week(d: dt.date) -> str:
    """``YYYY-Www``: ISO 8601 week (weeks start on Monday; week-years may differ)."""
    year, week, _ = d.isocalendar()
    return f"{year:04d}-W{week:02d}"


def clock(d: dt.date | None, hour: int, minute: int) -> str:
    """``YYYY-MM-DDTHH:MM``, or ``XXXX-XX-XXTHH:MM`` when no day is known."""
    prefix = d.isoformat() if d else "XXXX-XX-XX"
    return f"{prefix}T{hour:02d}:{minute:02d}"


def add_months(d: dt.date, months: int) -> tuple[int, int]:
    """(year, month) ``months`` after (or before) ``d``'s month."""
    index = d.year * 12 + d.month - 1 + months
    return index // 12, index % 12 + 1


def weekday_date(anchor: dt.date, weekday: int, direction: Direction) -> dt.date:
    """The ``weekday`` (Monday=0) seen from ``anchor``.

    ``past``/``future`` take the closest occurrence on that side (the anchor day itself when
    it is that weekday); ``nearest`` takes whichever is closer, the past one on a tie, since
    news mostly reports what already happened.
    """
    back = (anchor.weekday() - weekday) % 7
    ahead = (weekday - anchor.weekday()) % 7
    if direction == "past":
        offset = -back
    elif direction == "future":
        offset = ahead
    else:
        offset = -back if back <= ahead else ahead
    return anchor + dt.timedelta(days=offset)


def strict_weekday_date(anchor: dt.date, weekday: int, direction: Direction) -> dt.date:
    """``lundi dernier`` / ``lundi prochain``: never the anchor day itself."""
    d = weekday_date(anchor, weekday, direction)
    if d == anchor:
        d += dt.timedelta(days=-7 if direction == "past" else 7)
    return d


def day_month_date(
    anchor: dt.date, month_number: int, day_number: int, direction: Direction
) -> dt.date | None:
    """The year-less ``le 12 mai`` placed in a year relative to ``anchor``.

    The anchor's year by default; the year before when the rule says ``past`` and that date
    is after the anchor, the year after for ``future`` before it; ``nearest`` takes the closest
    of the three years. None for a day that does not exist (``30 février``).
    """
    candidates = []
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            candidates.append(dt.date(year, month_number, day_number))
        except ValueError:
            continue
    if not candidates:
        return None
    if direction == "past":
        past = [c for c in candidates if c <= anchor]
        return max(past) if past else None
    if direction == "future":
        future = [c for c in candidates if c >= anchor]
        return min(future) if future else None
    return min(candidates, key=lambda c: (abs((c - anchor).days), c > anchor))


def month_year(anchor: dt.date, month_number: int, direction: Direction) -> int:
    """The year of a year-less month: the anchor's, unless the direction crosses a year."""
    if direction == "past" and month_number > anchor.month:
        return anchor.year - 1
    if direction == "future" and month_number < anchor.month:
        return anchor.year + 1
    return anchor.year


def strict_month_year(anchor: dt.date, month_number: int, direction: Direction) -> int:
    """``juin dernier`` / ``juin prochain``: never the anchor's own month."""
    if direction == "past":
        return anchor.year if month_number < anchor.month else anchor.year - 1
    return anchor.year if month_number > anchor.month else anchor.year + 1


def two_digit_year(yy: int, anchor: dt.date | None) -> int:
    """``octobre 98``: the century that puts the year at most ten years after the anchor.

    Without an anchor the pivot is fixed (``30`` → 1930, ``29`` → 2029), never today's date,
    so the same text always gets the same value.
    """
    if anchor is None:
        return 1900 + yy if yy >= 30 else 2000 + yy
    year = anchor.year // 100 * 100 + yy
    return year - 100 if year > anchor.year + 10 else year


def weekend(anchor: dt.date, offset_weeks: int) -> str:
    """``ce week-end`` (offset 0), ``le week-end dernier`` (-1), ``prochain`` (+1).

    Early in the week (Monday, Tuesday) ``ce week-end`` is the one just past.
    """
    base = anchor
    if offset_weeks == 0 and anchor.weekday() <= 1:
        base = anchor - dt.timedelta(days=7)
    elif offset_weeks:
        base = anchor + dt.timedelta(days=7 * offset_weeks)
    return iso_week(base) + "-WE"
