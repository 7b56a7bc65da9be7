"""The French lexicon of time expressions as compiled regular expressions.

One pattern per kind of expression, each with named groups its resolver in ``timex_rules``
reads (``d`` day, ``m`` month, ``y``/``yy`` year, ``wd`` weekday, ``part`` part of the day,
``rel`` dernier/prochain...). A pattern whose extent is narrower than its match (a signal
word it needs but leaves outside) marks the extent with a ``span`` group.
"""

from __future__ import annotations

import re

#: Every apostrophe French text uses in ``aujourd'hui`` or ``l'an`` (typewriter, typographic,
#: modifier letters and the look-alikes dateparser's own tests list).
APOS = "['’ʼʻ՚ꞌ＇′‵ʹ]"
DAYS = "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
WEEKDAY_NUMBER = {name: i for i, name in enumerate(DAYS.split("|"))}
_MONTH_NAMES = (
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|"
    "novembre|décembre|decembre"
)
# Abbreviations only with their dot or before a year: "sept" alone is the number seven.
_MONTH_ABBR = "janv|févr|fév|fevr|fev|avr|juil|sept|oct|nov|déc|dec"
MONTH = rf"(?:{_MONTH_NAMES}|(?:{_MONTH_ABBR})(?:\.|(?=\s+\d{{4}})))(?!\w)"
DAYNUM = r"(?:1\s?er|1\s?re|premier|[12]\d|3[01]|0?[1-9])"
YEAR4 = r"(?:1\d{3}|20\d{2})"
# A two-digit year only where nothing else can follow it ("octobre 98", "10 novembre 93,").
YEAR2 = r"(?:\d{2}(?=\s*[,.;:)!?»]|\s+(?:et|à|au|puis|ou)(?!\w)|\s*$))"
PART = r"(?:matinée|matin|après-midi|soirée|soir|nuit)"
PART_PREFIX = rf"(?:en\s+(?:début|fin)\s+d(?:e\s+|{APOS}\s*)|dans\s+la\s+|en\s+)"
#: "de", "du", "des", "d'": what ties a time word to the event or date that anchors it.
OF = rf"(?:d(?:e|u|es)(?!\w)|d{APOS})"
NUMBER_WORDS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
    "quinze": 15, "seize": 16, "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50,
    "cent": 100,
}  # fmt: skip
NUMBER = rf"(?:\d{{1,3}}|{'|'.join(NUMBER_WORDS)})"
ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50}

_F = re.IGNORECASE

PATTERNS: dict[str, re.Pattern[str]] = {
    # le 12 mai 1999, samedi 29 mai, le jeudi 7 octobre, 1er juin, le 6 mai dernier
    "day_month": re.compile(
        rf"(?<!\w)(?:(?P<det>le|ce)\s+)?(?:(?P<wd>{DAYS})\s*,?\s+)?(?P<d>{DAYNUM})\s+"
        rf"(?P<m>{MONTH})(?:\s+(?P<y>{YEAR4})(?!\d)|\s+(?P<yy>{YEAR2}))?"
        rf"(?:\s+(?P<rel>dernier|prochain)(?!\w))?",
        _F,
    ),
    # 12/05/1999, 12.05.99
    "numeric": re.compile(r"(?<![\w./-])[0-3]?\d([/.])[01]?\d\1(?:\d{4}|\d{2})(?![\w/.-]?\d)"),
    # août, mai 1988, octobre 98, juin prochain, début octobre, le mois de juin, mi-mai
    "month": re.compile(
        rf"(?<!\w)(?P<mod>(?:début|fin|mi|courant|milieu)(?:\s*-\s*|\s+d(?:e\s+|{APOS}\s*)|\s+))?"
        rf"(?P<det>(?:le\s+)?mois\s+d(?:e\s+|{APOS}\s*))?(?P<m>{MONTH})"
        rf"(?:\s+(?P<y>{YEAR4})(?!\d)|\s+(?P<yy>{YEAR2})|\s+(?P<rel>dernier|prochain)(?!\w))?",
        _F,
    ),
    # hier, avant-hier, aujourd'hui, demain, hier soir, aujourd'hui vendredi,
    # hier en début d'après-midi
    "deictic": re.compile(
        rf"(?<!\w)(?P<w>avant-hier|après-demain|aujourd{APOS}\s?hui|hier|demain)(?![\w-])"
        rf"(?:\s+(?P<wd>{DAYS})(?!\w))?"
        rf"(?:\s*,?\s*(?P<pmod>{PART_PREFIX})?(?P<part>{PART}|midi|journée)(?!\w))?",
        _F,
    ),
    # ce vendredi, ce matin, cette semaine, cet été, ce mardi soir
    "demonstrative": re.compile(
        rf"(?<!\w)(?P<det>ce|cet|cette)\s+(?:(?P<wd>{DAYS})(?:\s+(?P<part>{PART}))?"
        rf"|(?P<part2>{PART}|midi)"
        rf"|(?P<unit>semaine|mois|année|an|week-end|trimestre|semestre|printemps|été|automne|hiver))"
        rf"(?:-ci)?(?![\w-])",
        _F,
    ),
    # lundi, samedi prochain, mardi soir, le mercredi dernier
    "weekday": re.compile(
        rf"(?<!\w)(?:(?P<det>le)\s+)?(?P<wd>{DAYS})(?!\w)"
        rf"(?:\s+(?P<rel>dernier|prochain)(?!\w))?(?:\s+(?P<part>{PART})(?!\w))?",
        _F,
    ),
    # du 19 au 23 juillet: the first day borrows the month (and year) of the second
    "day_range": re.compile(
        rf"(?<!\w)(?P<d>{DAYNUM})(?=(?:\s+(?:au|et)\s+|\s*-\s*){DAYNUM}\s+(?P<m>{MONTH})"
        rf"(?:\s+(?P<y>{YEAR4})(?!\d))?)",
        _F,
    ),
    # l'automne, le printemps, en été (the extent leaves "en"/"au" out)
    "season": re.compile(
        rf"(?:(?<!\w)(?:l{APOS}\s*|le\s+)|(?<=\ben\s)|(?<=\bau\s))"
        rf"(?P<s>printemps|été|automne|hiver)(?![\w-])(?!\s+{OF}\s*\D)"
        rf"(?:\s+(?P<y>{YEAR4})(?!\d))?",
        _F,
    ),
    # en 97, rien en 98, (a two-digit year only right after "en" and before punctuation)
    "short_year": re.compile(r"(?<=\ben\s)(?P<yy>\d{2})(?=\s*[,.;:()])", _F),
    # jeudi 26, le mardi 3 (a day of the month whose month the weekday pins down)
    "weekday_daynum": re.compile(
        rf"(?<!\w)(?:(?P<det>le|ce)\s+)?(?P<wd>{DAYS})\s+(?P<d>{DAYNUM})"
        r"(?!\s*(?:h\b|heures?\b|[:.,]?\d|%|\w))",
        _F,
    ),
    # l'an 1000, l'année 1400 (any year once "an"/"année" says it is one)
    "an_year": re.compile(rf"(?<!\w)l{APOS}\s*(?:an|année)\s+(?P<y>\d{{3,4}})(?!\d)", _F),
    # la nuit de lundi à mardi
    "night": re.compile(
        rf"(?<!\w)(?:la\s+)?nuit\s+d[eu]\s+(?P<wd>{DAYS})\s+(?:à|au)\s+(?:{DAYS})(?!\w)", _F
    ),
    # l'an dernier, la semaine dernière, le mois prochain, l'été dernier
    "relative": re.compile(
        rf"(?<!\w)(?:l{APOS}\s*|la\s+|le\s+)"
        r"(?P<unit>an|année|semaine|mois|week-end|trimestre|semestre|été|hiver|automne|printemps)"
        r"\s+(?P<rel>dernier|dernière|passé|passée|prochain|prochaine)(?!\w)",
        _F,
    ),
    # il y a deux ans, il y a une semaine, dans trois jours
    "offset": re.compile(
        rf"(?<!\w)(?P<sig>il\s+y\s+a|dans|voici|voilà)\s+(?P<n>{NUMBER})\s+"
        rf"(?P<unit>jours?|semaines?|mois|ans|années?)(?!\w)(?!\s+{OF})",
        _F,
    ),
    # 1999, en 1975 (→ 1975), l'année 2001, fin 2001
    "year": re.compile(
        rf"(?<![\w.,/])(?<!\d\s)(?P<det>l{APOS}\s*(?:an|année)\s+|"
        rf"(?:(?:le\s+|la\s+)?(?:début|fin|mi|milieu)(?:\s*-\s*|\s+d(?:e\s+|{APOS}\s*)|\s+)))?"
        r"(?P<y>1[5-9]\d{2}|20\d{2})(?![\w%€]|[.,]\d|\s\d)",
        _F,
    ),
    # les années 60, dans les années 1990 (→ les années 1990), début des années 60
    "decade": re.compile(
        r"(?<!\w)(?:(?:début|fin|milieu)\s+des\s+|les\s+|des\s+)années\s+"
        r"(?P<dec>(?:19|20)?\d0)(?!\d)",
        _F,
    ),
    # le XIXe siècle, la fin du XIXe siècle
    "century": re.compile(
        r"(?<!\w)(?:(?:le\s+|la\s+)?(?:début|fin|milieu)\s+du\s+|le\s+)?"
        r"(?P<c>[IVXL]+|\d{1,2})\s?(?:e|ème|è)\s+siècle(?!\w)"
    ),
    # 14 h 30, 14h30, 21 h, 9 heures, 15:12, midi, minuit
    "clock": re.compile(
        r"(?<![\w,.:])(?P<h>[01]?\d|2[0-4])\s?(?P<unit>h|heures?)(?:\s?(?P<mi>[0-5]\d)"
        r"(?:\s?(?:min|mn))?)?(?![\w/])"
        rf"(?:\s+(?P<ampm>du\s+matin|du\s+soir|de\s+l{APOS}\s*après-midi)(?!\w)"
        r"|(?=\s+(?P<zone>UTC|GMT|heure\s+locale|locales?|heure\s+de\s+Paris)(?!\w)))?"
        r"|(?<![\w,.:])(?P<h2>[01]?\d|2[0-3]):(?P<mi2>[0-5]\d)(?![\w:])"
        r"|(?<![\w-])(?P<noon>midi|minuit)(?![\w-])",
        _F,
    ),
    # Noël, la fête de Pentecôte, le lundi de Pâques, la veille de Noël
    "holiday": re.compile(
        rf"(?<!\w)(?P<det>(?:(?:cette|la|le)\s+)?(?P<hmod>fête|fêtes|veille|lendemain|week-end|"
        rf"lundi|jour)\s+de\s+(?:la\s+|l{APOS}\s*)?|la\s+|l{APOS}\s*)?"
        r"(?P<h>(?-i:Noël|Pâques|Pentecôte|Toussaint|Ascension|Saint-Sylvestre|Saint-Valentin))"
        r"(?![\w-])(?!\s+(?-i:[A-Z]))",
        _F,
    ),
    # la fin de l'année, début de la semaine prochaine, fin du mois dernier
    "period_part": re.compile(
        rf"(?<!\w)(?:(?:la|le)\s+)?(?P<mod>début|fin|milieu|mi)\s*-?\s*"
        rf"(?:d(?:e\s+|{APOS}\s*)(?:l{APOS}\s*)?(?P<u1>année|an)|du\s+(?P<u2>mois)|"
        r"de\s+la\s+(?P<u3>semaine))"
        r"(?:\s+(?P<rel>dernière|dernier|prochaine|prochain|passée|passé))?(?!\w)",
        _F,
    ),
    # dans la soirée, en fin de matinée, durant la nuit (the day is the last one mentioned)
    "part_of_day": re.compile(
        rf"(?<=\w)\s+(?P<span>(?:la\s+)?(?:(?:début|fin)\s+d(?:e\s+|{APOS}\s*))?"
        rf"(?P<part>matinée|soirée|nuit|après-midi))(?![\w-])(?!\s+{OF})",
        _F,
    ),
    # la veille, le lendemain (matin), le même jour, ce jour-là
    "anaphoric": re.compile(
        rf"(?<!\w)(?:la\s+|le\s+)?(?P<w>veille|lendemain|surlendemain|même\s+jour)(?!\w)"
        rf"(?:\s+(?P<part>matin|soir|après-midi|midi)(?!\w))?(?P<of>(?=\s+{OF}))?",
        _F,
    ),
}
