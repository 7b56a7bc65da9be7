"""French time expressions: find candidates with compiled regexes, then resolve their values.

Two passes over an article, both cheap:

1. *Candidates.* About twenty compiled patterns (``timex_patterns``: day names, months,
   ``hier``/``demain``, ``le 12 mai 1999``, ``en 1999``, ``lundi dernier``, ``la semaine
   dernière``, ``ce matin``, ``14 h 30``, ``les années 1990``, holidays...) each propose
   spans; overlapping proposals are settled longest-first, so ``samedi 29 mai`` wins over
   ``samedi``.
2. *Values.* Each kept span is resolved against the article date (the TimeML document
   creation time), in text order, so that a bare clock time or ``le lendemain`` can lean on
   the last day mentioned before it. Numeric dates (``12/05/1999``, ``12.05.99``) go
   through ``dateparser.parse`` (day-first order, two-digit years, impossible days);
   dates with a month name are built from the matched parts (``datetime.date`` refuses
   ``31 février``); year-less and deictic expressions follow the rules below, which
   dateparser does not know (which Saturday is ``samedi`` in a past-tense sentence, what
   ``l'an dernier`` is as a TimeML value, that ``en août`` is a month, not August 1st).

Span convention (FR-TimeBank / TimeML): the extent is the noun phrase, with its determiner
and internal modifiers (``le 6 mai dernier``, ``la semaine dernière``, ``début octobre``);
prepositions and bounding signals stay outside (``en août`` → ``août``,
``au plus tard samedi`` → ``samedi``, ``jusqu'au 30 juin`` → ``30 juin``), but they are read
as cues: ``au plus tard`` points to the future, ``depuis`` to the past.

Which occurrence of a weekday or a year-less date is meant: an adjacent ``dernier`` /
``prochain`` decides; else a signal just before the span; else the verb tense nearest to the
span in its sentence (passé composé, imparfait, futur, ``va``/``doit`` + infinitive); else
the occurrence nearest to the article date.

Unresolvable is not invented: without an article date, ``hier`` or ``samedi`` get no value
(None), while what the text states is kept (``le 12 mai`` → ``XXXX-05-12``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from dateutil.easter import easter

from pipeline.annotate import timex_calendar as cal
from pipeline.annotate.timex_calendar import Direction
from pipeline.annotate.timex_patterns import APOS, NUMBER_WORDS, PATTERNS, ROMAN, WEEKDAY_NUMBER

_F = re.IGNORECASE

# --------------------------------------------------------------------------- tense cues
# Verbs are lower-case mid-sentence; matching them case-sensitively keeps names such as
# "Sandra" or "Vera" out of the future-tense cue.
_PAST_CUE = re.compile(
    r"\b(?:a|ont|avait|avaient|ai|avons|avez|eut|eurent|aurait|auraient|est|sont|était|"
    r"étaient|fut|furent|s['’]est|se\s+sont)\s+"
    r"(?:(?:pas|plus|déjà|jamais|été|bien|encore|aussi|même|notamment|finalement|ainsi|"
    r"d['’]abord|enfin)\s+)*"
    r"(?!lieu\b|besoin\b|peur\b|raison\b|tort\b|prévue?s?\b|attendue?s?\b|programmée?s?\b|"
    r"censée?s?\b|appelée?s?\b|convoquée?s?\b|fixée?s?\b|invitée?s?\b)"
    r"\w+(?:é|ée|és|ées|i|ie|is|ise|it|ite|u|ue|us|ert|erte|int|ainte|eint)\b"
    r"|\b\w{2,}(?:ait|aient)\b|\b(?:hier|avant-hier|dernière?s?)\b"
)
_FUTURE_CUE = re.compile(
    r"\b\w{2,}(?:era|eront|erons|erez|iront|ira|dra|dront|vra|vront|rra|rront)\b"
    r"|\b(?:sera|seront|aura|auront|fera|feront|ira|iront|doit|doivent|devra|devront|"
    r"prévue?s?|programmée?s?|attendue?s?|prochaine?s?|demain|après-demain)\b"
    r"|\b(?:va|vont)\s+\w+(?:er|ir|re)\b"
)
_FUTURE_SIGNAL = re.compile(
    rf"\b(?:au\s+plus\s+tard|jusqu{APOS}\s*(?:à|au|en)|d{APOS}\s*ici(?:\s+(?:à|au))?|"
    r"à\s+partir\s+d[eu]|à\s+compter\s+d[eu])\s*$",
    _F,
)
_PAST_SIGNAL = re.compile(r"\bdepuis\s*$", _F)
_SENTENCE_END = re.compile(r"[.!?\n]")


# ------------------------------------------------------------------------------ records
@dataclass(frozen=True)
class Timex:
    """A resolved time expression: ``[start, end)`` span, DATE/TIME label, TimeML value
    (None when unresolved) and the rule that produced it (for debugging and tests)."""

    start: int
    end: int
    label: str
    value: str | None
    rule: str


@dataclass
class _Context:
    """What resolving one article needs: its text, its date, and the last day mentioned."""

    text: str
    dct: dt.date | None
    settings: Mapping[str, Any]
    cue_window: int
    last_day: dt.date | None = None
    #: (year, offset) of the last year the text stated outright ("en 97", "mai 1988")
    last_year: tuple[int, int] | None = None


# ------------------------------------------------------------------------------ helpers
def _fold(word: str) -> str:
    """Lower-case, accent-free form for lexicon look-ups (``Août`` → ``aout``)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_MONTH_PREFIXES = [
    ("janv", 1), ("fev", 2), ("mars", 3), ("avr", 4), ("mai", 5), ("juin", 6), ("juil", 7),
    ("aou", 8), ("sep", 9), ("oct", 10), ("nov", 11), ("dec", 12),
]  # fmt: skip


def month_number(word: str) -> int:
    """1–12 for a French month name or abbreviation matched by ``MONTH``."""
    folded = _fold(word).rstrip(".")
    for prefix, number in _MONTH_PREFIXES:
        if folded.startswith(prefix):
            return number
    raise ValueError(f"not a month: {word!r}")


def _day_number(word: str) -> int:
    return int(word) if word.isdigit() else 1  # "1er", "1 er", "1re", "premier"


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word.lower()]


def _weekday(word: str) -> int:
    return WEEKDAY_NUMBER[word.lower()]


def _part_code(word: str) -> str:
    return cal.PARTS_OF_DAY[word.lower()]


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the sentence (or line) around a span; cheap, punctuation-based."""
    left = max(text.rfind(c, 0, start) for c in ".!?\n") + 1
    match = _SENTENCE_END.search(text, end)
    return left, match.start() if match else len(text)


def direction(text: str, start: int, end: int, cue_window: int) -> Direction:
    """Past or future occurrence for a span, from a signal just before it, else the nearest
    tense cue in its sentence within ``cue_window`` characters, else ``nearest`` (see the
    module docstring)."""
    before = text[max(0, start - 30) : start]
    if _FUTURE_SIGNAL.search(before):
        return "future"
    if _PAST_SIGNAL.search(before):
        return "past"
    left, right = _sentence(text, start, end)
    window = text[left:right]
    if window.isupper():
        window = window.lower()  # a headline in capitals: its verbs are cues all the same
    start, end = start - left, end - left
    best: tuple[int, Direction] | None = None
    for pattern, tense in ((_PAST_CUE, "past"), (_FUTURE_CUE, "future")):
        for m in pattern.finditer(window):
            if m.start() < end and m.end() > start:
                continue  # the expression itself ("hier", "prochain") is not a cue here
            distance = start - m.end() if m.end() <= start else m.start() - end
            if distance <= cue_window and (best is None or distance < best[0]):
                best = (distance, tense)  # type: ignore[assignment]
    return best[1] if best else "nearest"


@lru_cache(maxsize=4096)
def _dateparser_day(expression: str, settings_key: tuple[tuple[str, Any], ...]) -> dt.date | None:
    """A numeric date through ``dateparser.parse`` (cached: the same dates recur across
    articles, and a parse costs about a millisecond)."""
    import dateparser

    parsed = dateparser.parse(expression, languages=["fr"], settings=dict(settings_key))
    return parsed.date() if parsed else None


def _remember(ctx: _Context, d: dt.date | None) -> None:
    if d is not None:
        ctx.last_day = d


def _remember_year(ctx: _Context, year: int, offset: int) -> None:
    ctx.last_year = (year, offset)


def _sentence_year(ctx: _Context, m: re.Match[str]) -> int | None:
    """A year stated earlier in the same sentence ("en 97 (en janvier ..., en octobre ...)")
    anchors a year-less month better than the article date does."""
    if ctx.last_year is None:
        return None
    year, offset = ctx.last_year
    left, _ = _sentence(ctx.text, m.start(), m.end())
    return year if offset >= left else None


# -------------------------------------------------------------------------- resolvers
# Each takes the match and the context and returns (label, value), or None to drop the
# candidate (a false alarm recognisable only once its context is read).
Resolution = tuple[str, str | None] | None


def _day_month(m: re.Match[str], ctx: _Context) -> Resolution:
    g = m.groupdict()  # shared with "day_range", which has no "yy" or "rel" group
    d, mo = _day_number(g["d"]), month_number(g["m"])
    if g["y"] or g.get("yy"):
        year = int(g["y"]) if g["y"] else cal.two_digit_year(int(g["yy"]), ctx.dct)
        try:
            full = dt.date(year, mo, d)
        except ValueError:
            return None  # "31 février 2014"
        _remember(ctx, full)
        _remember_year(ctx, year, m.start())
        return "DATE", cal.day(full)
    if ctx.dct is None:
        try:
            dt.date(2000, mo, d)  # a leap year: 29 février exists
        except ValueError:
            return None
        return "DATE", f"XXXX-{mo:02d}-{d:02d}"
    rel = (g.get("rel") or "").lower()
    way: Direction = (
        "past" if rel == "dernier" else "future" if rel == "prochain" else _direction(m, ctx)
    )
    resolved = cal.day_month_date(ctx.dct, mo, d, way)
    if resolved is None:
        return None
    _remember(ctx, resolved)
    return "DATE", cal.day(resolved)


def _numeric(m: re.Match[str], ctx: _Context) -> Resolution:
    parsed = _dateparser_day(m.group(0), tuple(sorted(ctx.settings.items())))
    if parsed is None:
        return None
    _remember(ctx, parsed)
    return "DATE", cal.day(parsed)


_MONTH_PREPOSITION = re.compile(
    rf"(?:\b(?:en|de|depuis|dès|jusqu{APOS}\s*en|d{APOS}|fin|début|mi|courant)\s*-?\s*)$", _F
)


_APRIL_FOOL = re.compile(rf"poissons?\s+d{APOS}\s*$", _F)


def _month(m: re.Match[str], ctx: _Context) -> Resolution:
    word = m["m"]
    mo = month_number(word)
    if m["y"] or m["yy"]:
        year = int(m["y"]) if m["y"] else cal.two_digit_year(int(m["yy"]), ctx.dct)
        _remember_year(ctx, year, m.start())
        return "DATE", cal.month(year, mo)
    # "Mars" or "Mai" capitalised with nothing temporal around is a name, not a month.
    before = ctx.text[max(0, m.start() - 15) : m.start()]
    if _APRIL_FOOL.search(before):
        return None  # "poisson d'avril"
    if word[0].isupper() and not (m["mod"] or m["det"] or _MONTH_PREPOSITION.search(before)):
        return None
    rel = (m["rel"] or "").lower()
    stated = None if rel else _sentence_year(ctx, m)
    if stated is not None:
        return "DATE", cal.month(stated, mo)
    if ctx.dct is None:
        return "DATE", f"XXXX-{mo:02d}"
    if rel:
        year = cal.strict_month_year(ctx.dct, mo, "past" if rel == "dernier" else "future")
    else:
        year = cal.month_year(ctx.dct, mo, _direction(m, ctx))
    return "DATE", cal.month(year, mo)


def _deictic(m: re.Match[str], ctx: _Context) -> Resolution:
    word = _fold(m["w"]).replace(" ", "")
    offset = {"avant-hier": -2, "hier": -1, "demain": 1, "apres-demain": 2}.get(word, 0)
    part = (m["part"] or "").lower()
    label = "TIME" if part and part != "journée" else "DATE"
    if ctx.dct is None:
        return label, None
    d = ctx.dct + dt.timedelta(days=offset)
    _remember(ctx, d)
    if part == "midi":
        return label, cal.clock(d, 12, 0)
    if part:
        return label, f"{cal.day(d)}T{_part_code(part)}"
    return label, cal.day(d)


def _demonstrative(m: re.Match[str], ctx: _Context) -> Resolution:
    part = (m["part"] or m["part2"] or "").lower()
    label = "TIME" if part else "DATE"
    if ctx.dct is None:
        return label, None
    if m["wd"]:
        d = cal.weekday_date(ctx.dct, _weekday(m["wd"]), "nearest")
        _remember(ctx, d)
        return label, f"{cal.day(d)}T{_part_code(part)}" if part else cal.day(d)
    if part:
        _remember(ctx, ctx.dct)
        if part == "midi":
            return label, cal.clock(ctx.dct, 12, 0)
        return label, f"{cal.day(ctx.dct)}T{_part_code(part)}"
    return label, _unit_value(m["unit"].lower(), ctx.dct, 0)


def _unit_value(unit: str, anchor: dt.date, offset: int) -> str:
    """The calendar unit containing ``anchor``, shifted by ``offset`` units."""
    if unit in ("an", "année"):
        return f"{anchor.year + offset:04d}"
    if unit == "mois":
        return cal.month(*cal.add_months(anchor, offset))
    if unit == "semaine":
        return cal.iso_week(anchor + dt.timedelta(weeks=offset))
    if unit == "week-end":
        return cal.weekend(anchor, offset)
    if unit == "trimestre":
        year, mo = cal.add_months(anchor, 3 * offset)
        return f"{year:04d}-Q{(mo - 1) // 3 + 1}"
    if unit == "semestre":
        year, mo = cal.add_months(anchor, 6 * offset)
        return f"{year:04d}-H{(mo - 1) // 6 + 1}"
    # a season: the winter of a January article began the year before
    code = cal.SEASONS[unit]
    year = anchor.year + offset
    if code == "WI" and anchor.month <= 2 and offset == 0:
        year -= 1
    return f"{year:04d}-{code}"


def _weekday_rule(m: re.Match[str], ctx: _Context) -> Resolution:
    rel = (m["rel"] or "").lower()
    if (m["det"] and not rel) or _HABITUAL.search(ctx.text[max(0, m.start() - 12) : m.start()]):
        return None  # "le mardi", "chaque mardi": a habit (TimeML SET), not a date
    if _is_name(m["wd"], m.start("wd"), ctx.text):
        return None  # "l'accord du Vendredi saint"
    part = (m["part"] or "").lower()
    label = "TIME" if part else "DATE"
    if ctx.dct is None:
        return label, None
    wd = _weekday(m["wd"])
    if rel:
        d = cal.strict_weekday_date(ctx.dct, wd, "past" if rel == "dernier" else "future")
    else:
        d = cal.weekday_date(ctx.dct, wd, _direction(m, ctx))
    _remember(ctx, d)
    return label, f"{cal.day(d)}T{_part_code(part)}" if part else cal.day(d)


def _is_name(word: str, start: int, text: str) -> bool:
    """A capitalised common word in mid-sentence (not a headline in capitals) is a name."""
    if not word[0].isupper() or word.isupper():
        return False
    before = text[max(0, start - 3) : start].rstrip(" \t«\"'’(")
    return bool(before) and before[-1] not in ".!?:\n"


_HABITUAL = re.compile(r"\b(?:chaque|tous\s+les|le)\s+$", _F)


def _night(m: re.Match[str], ctx: _Context) -> Resolution:
    if ctx.dct is None:
        return "TIME", None
    d = cal.weekday_date(ctx.dct, _weekday(m["wd"]), _direction(m, ctx))
    _remember(ctx, d)
    return "TIME", f"{cal.day(d)}TNI"


def _relative(m: re.Match[str], ctx: _Context) -> Resolution:
    if ctx.dct is None:
        return "DATE", None
    offset = -1 if _fold(m["rel"]).startswith(("dern", "pass")) else 1
    return "DATE", _unit_value(m["unit"].lower(), ctx.dct, offset)


def _offset(m: re.Match[str], ctx: _Context) -> Resolution:
    if ctx.dct is None:
        return "DATE", None
    sign = 1 if m["sig"].lower() == "dans" else -1
    n = sign * _number(m["n"])
    unit = _fold(m["unit"])
    if unit.startswith("jour"):
        d = ctx.dct + dt.timedelta(days=n)
    elif unit.startswith("semaine"):
        d = ctx.dct + dt.timedelta(weeks=n)
    elif unit == "mois":
        return "DATE", cal.month(*cal.add_months(ctx.dct, n))
    else:
        return "DATE", f"{ctx.dct.year + n:04d}"
    _remember(ctx, d)
    return "DATE", cal.day(d)


_QUANTITY_BEFORE = re.compile(
    r"(?:\b(?:plus\s+de|moins\s+de|près\s+de|environ|quelque|sur|dont|les|des|ces|ses|leurs|"
    r"nos|vos|aux|n°|numéro|article|page|pages|code|total\s+de|nombre\s+de|chiffre\s+de|"
    r"à\s+peine|jusqu['’]à|km|kilomètres|mètres)\s+|[€$]\s*)$",
    _F,
)
_QUANTITY_AFTER = re.compile(
    r"\s+(?:personnes|habitants|euros|francs|dollars|€|mètres|m|km|kilomètres|tonnes|hectares|"
    r"ha|places|emplois|salariés|élèves|étudiants|participants|manifestants|spectateurs|"
    r"visiteurs|voitures|véhicules|logements|exemplaires|points|voix|morts|victimes|soldats|"
    r"hommes|femmes|enfants|membres|adhérents|livres|fois|ans|mois|jours|heures|mètres|"
    r"litres|kilos|kg|pages|signatures|candidats|entreprises|postes|lits|m2|m²)(?!\w)",
    _F,
)


def _year(m: re.Match[str], ctx: _Context) -> Resolution:
    if not m["det"]:
        if _QUANTITY_BEFORE.search(ctx.text[max(0, m.start() - 25) : m.start()]):
            return None
        if _QUANTITY_AFTER.match(ctx.text, m.end()):
            return None
    _remember_year(ctx, int(m["y"]), m.start())
    return "DATE", m["y"]


def _short_year(m: re.Match[str], ctx: _Context) -> Resolution:
    year = cal.two_digit_year(int(m["yy"]), ctx.dct)
    _remember_year(ctx, year, m.start())
    return "DATE", f"{year:04d}"


#: The month a season starts in, to tell whether it lies before or after the article date.
_SEASON_START = {"SP": 3, "SU": 6, "FA": 9}


def _season(m: re.Match[str], ctx: _Context) -> Resolution:
    code = cal.SEASONS[m["s"].lower()]
    if m["y"]:
        _remember_year(ctx, int(m["y"]), m.start())
        return "DATE", f"{m['y']}-{code}"
    if ctx.dct is None:
        return "DATE", f"XXXX-{code}"
    if code in _SEASON_START:  # winter straddles two years: left to the plain rule
        year = cal.month_year(ctx.dct, _SEASON_START[code], _direction(m, ctx))
        return "DATE", f"{year:04d}-{code}"
    return "DATE", _unit_value(m["s"].lower(), ctx.dct, 0)


def _day_range(m: re.Match[str], ctx: _Context) -> Resolution:
    return _day_month(m, ctx)


def _an_year(m: re.Match[str], ctx: _Context) -> Resolution:
    _remember_year(ctx, int(m["y"]), m.start())
    return "DATE", f"{int(m['y']):04d}"


def _weekday_daynum(m: re.Match[str], ctx: _Context) -> Resolution:
    """``jeudi 26``: the day numbered 26 that is a Thursday, in the month before, of, or
    after the article date (the closest if several); XXXX-XX-26 without a date."""
    if _is_name(m["wd"], m.start("wd"), ctx.text):
        return None
    d = _day_number(m["d"])
    if ctx.dct is None:
        return "DATE", f"XXXX-XX-{d:02d}"
    wd = _weekday(m["wd"])
    found = []
    for shift in (-1, 0, 1):
        year, mo = cal.add_months(ctx.dct, shift)
        try:
            candidate = dt.date(year, mo, d)
        except ValueError:
            continue
        if candidate.weekday() == wd:
            found.append(candidate)
    if not found:
        return None  # "mardi 31" that is no Tuesday nearby: not a date we can place
    best = min(found, key=lambda c: abs((c - ctx.dct).days))  # type: ignore[operator]
    _remember(ctx, best)
    return "DATE", cal.day(best)


def _decade(m: re.Match[str], ctx: _Context) -> Resolution:
    digits = m["dec"]
    century = digits[:2] if len(digits) == 4 else "19"
    return "DATE", f"{century}{digits[-2]}X"


def _century(m: re.Match[str], ctx: _Context) -> Resolution:
    raw = m["c"]
    if raw.isdigit():
        n = int(raw)
    else:
        values = [ROMAN[c] for c in raw]
        n = sum(
            -v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values)
        )
    if not 1 <= n <= 21:
        return None
    return "DATE", f"{n - 1:02d}XX"


_CLOCK_SIGNAL = re.compile(
    rf"\b(?:à|a|vers|dès|de|jusqu{APOS}\s*à|avant|après|entre|et|depuis|pour)\s+$", _F
)
_DURATION_BEFORE = re.compile(
    r"\b(?:en|pendant|durant|plus\s+de|moins\s+de|près\s+de|environ|les|toutes\s+les|"
    r"quelque|chaque)\s+$",
    _F,
)


def _clock(m: re.Match[str], ctx: _Context) -> Resolution:
    before = ctx.text[max(0, m.start() - 20) : m.start()]
    if m["noon"]:
        if m["noon"][0].isupper() and m.start() and ctx.text[m.start() - 2 : m.start()] != ". ":
            return None  # "le Midi": the south of France
        hour, minute = (12, 0) if m["noon"].lower() == "midi" else (0, 0)
    else:
        if _DURATION_BEFORE.search(before):
            return None  # "en 48 h", "pendant 2 heures": a duration
        said_clock = m["ampm"] or m["zone"] or _CLOCK_SIGNAL.search(before)
        if m["unit"] and m["unit"].lower() != "h" and not said_clock:
            return None  # "24 heures" without "à"/"vers": most often a duration
        hour = int(m["h"] or m["h2"])
        minute = int(m["mi"] or m["mi2"] or 0)
        if m["ampm"] and not m["ampm"].lower().endswith("matin") and hour < 12:
            hour += 12  # "8 h du soir"
        if hour == 24:
            hour = 0
    anchor = ctx.last_day or ctx.dct
    return "TIME", cal.clock(anchor, hour, minute)


_HOLIDAY_PREPOSITION = re.compile(
    rf"\b(?:à|de|depuis|avant|après|pour|dès|jusqu{APOS}\s*à|pendant|durant)\s+$", _F
)


def _holiday(m: re.Match[str], ctx: _Context) -> Resolution:
    if not m["det"] and not _HOLIDAY_PREPOSITION.search(
        ctx.text[max(0, m.start() - 12) : m.start()]
    ):
        return None  # "Noël Mamère", "Pâques" as a name: only a preposition makes it a date
    if ctx.dct is None:
        return "DATE", None
    name = _fold(m["h"])
    candidates = [
        _holiday_date(name, year) for year in (ctx.dct.year - 1, ctx.dct.year, ctx.dct.year + 1)
    ]
    d = min(candidates, key=lambda c: (abs((c - ctx.dct).days), c > ctx.dct))  # type: ignore[operator]
    hmod = _fold(m["hmod"] or "")
    if hmod == "week-end":
        return "DATE", cal.iso_week(d) + "-WE"
    d += dt.timedelta(days={"veille": -1, "lendemain": 1, "lundi": 1}.get(hmod, 0))
    _remember(ctx, d)
    return "DATE", cal.day(d)


def _holiday_date(name: str, year: int) -> dt.date:
    fixed = {
        "noel": (12, 25), "toussaint": (11, 1), "saint-sylvestre": (12, 31),
        "saint-valentin": (2, 14),
    }  # fmt: skip
    if name in fixed:
        return dt.date(year, *fixed[name])
    shift = {"paques": 0, "ascension": 39, "pentecote": 49}[name]
    day: dt.date = easter(year) + dt.timedelta(days=shift)
    return day


_GENERIC_OF = re.compile(r"\b(?:du|des)\s+$", _F)


def _anaphoric(m: re.Match[str], ctx: _Context) -> Resolution:
    if _GENERIC_OF.search(ctx.text[max(0, m.start() - 5) : m.start()]):
        return None  # "l'incertitude du lendemain": the future in general, not a day
    part = (m["part"] or "").lower()
    label = "TIME" if part else "DATE"
    if m["of"] is not None or ctx.last_day is None:
        return label, None  # "au lendemain de l'élection": anchored to an event, not a date
    offset = {"veille": -1, "lendemain": 1, "surlendemain": 2}.get(m["w"].lower(), 0)
    d = ctx.last_day + dt.timedelta(days=offset)
    if part == "midi":
        return label, cal.clock(d, 12, 0)
    return label, f"{cal.day(d)}T{_part_code(part)}" if part else cal.day(d)


def _period_part(m: re.Match[str], ctx: _Context) -> Resolution:
    """``la fin de l'année``: the value is the period (TimeML puts "fin" in ``mod``)."""
    if ctx.dct is None:
        return "DATE", None
    unit = (m["u1"] or m["u2"] or m["u3"]).lower()
    rel = _fold(m["rel"] or "")
    offset = 0 if not rel else -1 if rel.startswith(("dern", "pass")) else 1
    return "DATE", _unit_value(unit, ctx.dct, offset)


_PART_SIGNAL = re.compile(r"\b(?:dans|durant|pendant|en|tard\s+dans|tôt\s+dans)$", _F)


def _part_of_day(m: re.Match[str], ctx: _Context) -> Resolution:
    """The extent is the ``span`` group: the signal word before it only licenses it."""
    if not _PART_SIGNAL.search(ctx.text[max(0, m.start() - 12) : m.start()]):
        return None  # "la nuit tombe": only "dans la nuit", "en soirée" place an event
    anchor = ctx.last_day or ctx.dct
    if anchor is None:
        return "TIME", None
    return "TIME", f"{cal.day(anchor)}T{_part_code(m['part'])}"


def _direction(m: re.Match[str], ctx: _Context) -> Direction:
    return direction(ctx.text, m.start(), m.end(), ctx.cue_window)


RESOLVERS: dict[str, Callable[[re.Match[str], _Context], Resolution]] = {
    "day_month": _day_month,
    "numeric": _numeric,
    "day_range": _day_range,
    "season": _season,
    "weekday_daynum": _weekday_daynum,
    "an_year": _an_year,
    "short_year": _short_year,
    "month": _month,
    "deictic": _deictic,
    "demonstrative": _demonstrative,
    "weekday": _weekday_rule,
    "night": _night,
    "relative": _relative,
    "offset": _offset,
    "year": _year,
    "decade": _decade,
    "century": _century,
    "clock": _clock,
    "holiday": _holiday,
    "anaphoric": _anaphoric,
    "period_part": _period_part,
    "part_of_day": _part_of_day,
}


#: Rules whose expressions name one day, which later clock times and "le lendemain" refer to.
DAY_LEVEL_RULES = frozenset(
    {"day_month", "day_range", "weekday", "weekday_daynum", "deictic", "demonstrative", "night"}
)


# ------------------------------------------------------------------------------- driver
def parse_article_date(value: str | None) -> dt.date | None:
    """The article date as a day: ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM`` (any ISO 8601 form
    ``datetime.fromisoformat`` reads); None when absent or unreadable."""
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.strip()).date()
    except ValueError:
        return None


def find_timexes(
    text: str,
    article_date: str | None,
    *,
    dateparser_settings: Mapping[str, Any] | None = None,
    cue_window: int = 80,
) -> list[Timex]:
    """Every DATE/TIME expression of ``text``, in text order, resolved against
    ``article_date`` (None: relative expressions stay unresolved).

    ``dateparser_settings`` go to ``dateparser.parse`` (numeric dates); ``cue_window`` is how
    far (in characters) a tense cue may stand from an expression to decide its direction.
    """
    candidates = [
        (*(m.span("span") if "span" in pattern.groupindex else m.span()), rule, m)
        for rule, pattern in PATTERNS.items()
        for m in pattern.finditer(text)
        if m.end() > m.start()
    ]
    # longest first, then leftmost: a longer reading of the same words wins
    candidates.sort(key=lambda c: (c[0] - c[1], c[0]))
    kept: list[tuple[int, int, str, re.Match[str]]] = []
    for cand in candidates:
        if all(cand[1] <= k[0] or cand[0] >= k[1] for k in kept):
            kept.append(cand)
    kept.sort(key=lambda c: c[0])
    ctx = _Context(
        text=text,
        dct=parse_article_date(article_date),
        settings=dateparser_settings or {},
        cue_window=cue_window,
    )
    out: list[Timex] = []
    for start, end, rule, match in kept:
        resolved = RESOLVERS[rule](match, ctx)
        if resolved is not None:
            label, value = resolved
            out.append(Timex(start, end, label, value, rule))
            if rule in DAY_LEVEL_RULES and (value is None or value.startswith("X")):
                ctx.last_day = None  # a day we cannot place: later clock times can't lean on
                # an older one
    return out
