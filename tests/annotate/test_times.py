"""The time annotator: seed facts, unresolved values, dateparser's own French cases, offsets."""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from pathlib import Path

import pytest

from pipeline.annotate import timex_calendar as cal
from pipeline.annotate.base import Annotator
from pipeline.annotate.times import TimeAnnotator
from pipeline.annotate.timex_rules import find_timexes
from pipeline.errors import PipelineError
from pipeline.params import load_params
from pipeline.schema import PreannotatedArticle, TimeExpression, bare_article

PARAMS = load_params("preannotate")["times"]
SEED_DATE = "2025-09-19"  # a Friday


def seed_text(seeds_dir: Path) -> str:
    raw = (seeds_dir / "001_f9319d82666dafb3.txt").read_text(encoding="utf-8")
    # the normalize stage removes this header line and keeps the date as metadata
    return re.sub(r"^\s*date \d{4}-\d{2}-\d{2}\s+", "", raw)


def annotate(text: str, date: str | None) -> list[TimeExpression]:
    (out,) = TimeAnnotator(PARAMS).annotate([bare_article("a1", text, date=date)])
    return out.times


def by_text(times: list[TimeExpression]) -> dict[str, TimeExpression]:
    return {t.text: t for t in times}


# ------------------------------------------------------------------------------ seeds
@pytest.mark.parametrize("date", [SEED_DATE, f"{SEED_DATE}T14:30"])
def test_seed_001_facts(seeds_dir: Path, date: str) -> None:
    text = seed_text(seeds_dir)
    times = by_text(annotate(text, date))
    assert times["ce vendredi"].value == "2025-09-19"
    assert times["août"].value == "2025-08"  # "en août": the month, "en" is a signal
    samedi = times["samedi"]  # "au plus tard samedi": the signal stays outside the span
    assert text[samedi.start - len("au plus tard ") : samedi.start] == "au plus tard "
    assert samedi.value == "2025-09-20"
    assert times["2020"].value == "2020" and times["2021"].value == "2021"
    assert all(t.label == "DATE" for t in times.values())


def test_offsets_slice_the_text_and_ids_are_stable(seeds_dir: Path) -> None:
    text = seed_text(seeds_dir)
    first, second = annotate(text, SEED_DATE), annotate(text, SEED_DATE)
    assert first == second
    assert len({t.id for t in first}) == len(first)
    for t in first:
        assert text[t.start : t.end] == t.text
        assert t.id.startswith("t-")
        assert t.score is None
        assert re.fullmatch(r"dates:rules-fr@\d+\.\d+\.\d+\.[0-9a-f]{8}", t.source)


def test_undated_article_keeps_relative_values_unresolved() -> None:
    text = "Il est parti hier. Ce vendredi, le ministre parlera au plus tard samedi, "
    text += "comme le 12 mai 1999. Puis en août et le 3 juin à 14 h 30."
    times = by_text(annotate(text, None))
    assert times["hier"].value is None
    assert times["Ce vendredi"].value is None
    assert times["samedi"].value is None
    # what the text states outright is kept, the rest is left open (TimeML "X")
    assert times["le 12 mai 1999"].value == "1999-05-12"
    assert times["août"].value == "XXXX-08"
    assert times["le 3 juin"].value == "XXXX-06-03"
    assert times["14 h 30"].value == "XXXX-XX-XXT14:30"


def test_unreadable_article_date_counts_as_undated() -> None:
    assert by_text(annotate("Il est venu hier.", "pas une date"))["hier"].value is None


def test_annotator_interface_keeps_existing_labels() -> None:
    annotator = TimeAnnotator(PARAMS)
    assert isinstance(annotator, Annotator)
    kept = TimeExpression("t-x", 0, 2, "DATE", "Il", None, "annotator:1")
    base = bare_article("a1", "Il est venu hier.", date=SEED_DATE)
    (out,) = annotator.annotate([PreannotatedArticle(**{**base.__dict__, "times": [kept]})])
    assert out.times[0] == kept
    assert [t.value for t in out.times[1:]] == ["2025-09-18"]


def test_version_follows_parameters() -> None:
    changed = {**PARAMS, "tense_cue_window": PARAMS["tense_cue_window"] + 1}
    assert TimeAnnotator(PARAMS).version != TimeAnnotator(changed).version
    with pytest.raises(PipelineError, match="tense_cue_window"):
        TimeAnnotator({k: v for k, v in PARAMS.items() if k != "tense_cue_window"})


# --------------------------------------------------------------- expression resolution
FRIDAY = "2025-09-19"
MONDAY = "1999-09-13"


@pytest.mark.parametrize(
    ("text", "date", "span", "label", "value"),
    [
        ("Il est venu avant-hier.", FRIDAY, "avant-hier", "DATE", "2025-09-17"),
        ("Rendez-vous demain.", FRIDAY, "demain", "DATE", "2025-09-20"),
        ("Il a parlé lundi dernier.", FRIDAY, "lundi dernier", "DATE", "2025-09-15"),
        ("Il viendra samedi prochain.", FRIDAY, "samedi prochain", "DATE", "2025-09-20"),
        ("Il viendra lundi prochain.", FRIDAY, "lundi prochain", "DATE", "2025-09-22"),
        ("Vendredi dernier, il a plu.", FRIDAY, "Vendredi dernier", "DATE", "2025-09-12"),
        ("Il a perdu samedi à Montpellier.", MONDAY, "samedi", "DATE", "1999-09-11"),
        ("La finale se jouera samedi.", MONDAY, "samedi", "DATE", "1999-09-18"),
        ("Il a été élu la semaine dernière.", FRIDAY, "la semaine dernière", "DATE", "2025-W37"),
        ("Cette semaine, rien.", FRIDAY, "Cette semaine", "DATE", "2025-W38"),
        ("Il a été élu l'an dernier.", FRIDAY, "l'an dernier", "DATE", "2024"),
        ("Il partira l’année prochaine.", FRIDAY, "l’année prochaine", "DATE", "2026"),
        ("Les prix ont monté le mois dernier.", FRIDAY, "le mois dernier", "DATE", "2025-08"),
        ("Il est arrivé ce matin.", FRIDAY, "ce matin", "TIME", "2025-09-19TMO"),
        ("Il est arrivé hier soir.", FRIDAY, "hier soir", "TIME", "2025-09-18TEV"),
        ("Il est né en 1999.", FRIDAY, "1999", "DATE", "1999"),
        ("Il est né le 12 mai 1999.", FRIDAY, "le 12 mai 1999", "DATE", "1999-05-12"),
        ("dans les années 1990", FRIDAY, "les années 1990", "DATE", "199X"),
        ("au début des années 60", FRIDAY, "début des années 60", "DATE", "196X"),
        ("à la fin du XIXe siècle", FRIDAY, "la fin du XIXe siècle", "DATE", "18XX"),
        ("La réunion commence à 14h30.", FRIDAY, "14h30", "TIME", "2025-09-19T14:30"),
        ("Le samedi 5 juin, à 17 h.", "1999-05-22", "17 h", "TIME", "1999-06-05T17:00"),
        ("Il a été élu le 6 mai dernier.", "1999-05-27", "le 6 mai dernier", "DATE", "1999-05-06"),
        ("Il a parlé le 21 décembre.", "2002-01-03", "le 21 décembre", "DATE", "2001-12-21"),
        ("Il a démissionné en octobre 98.", FRIDAY, "octobre 98", "DATE", "1998-10"),
        ("Ils ont été tués il y a deux ans.", FRIDAY, "il y a deux ans", "DATE", "2023"),
        ("Le stage a lieu du 19 au 23 juillet.", "1999-07-16", "19", "DATE", "1999-07-19"),
        ("Il est revenu le jeudi 26.", "2017-01-20", "le jeudi 26", "DATE", "2017-01-26"),
        ("à la Toussaint", "2002-10-20", "la Toussaint", "DATE", "2002-11-01"),
        ("Numérique : 12/05/1999.", FRIDAY, "12/05/1999", "DATE", "1999-05-12"),
        ("Il finira d'ici la fin de l'année.", FRIDAY, "la fin de l'année", "DATE", "2025"),
        (
            "Il est rentré hier. Dans la soirée, il a parlé.",
            FRIDAY,
            "la soirée",
            "TIME",
            "2025-09-18TEV",
        ),
        ("Elle a touché à l'été 2002 un salaire.", FRIDAY, "l'été 2002", "DATE", "2002-SU"),
        (
            "Il a été arrêté le 3 mai et libéré le lendemain.",
            FRIDAY,
            "le lendemain",
            "DATE",
            "2025-05-04",
        ),
        ("Il a parlé le lendemain de l'attaque.", FRIDAY, "le lendemain", "DATE", None),
    ],
)
def test_expression_values(text: str, date: str, span: str, label: str, value: str | None) -> None:
    found = {text[t.start : t.end]: t for t in find_timexes(text, date, **_kwargs())}
    assert span in found, f"{span!r} not found in {sorted(found)}"
    assert (found[span].label, found[span].value) == (label, value)


@pytest.mark.parametrize(
    "text",
    [
        "Plus de 2000 manifestants ont défilé.",  # a quantity, not a year
        "l'accord du Vendredi saint reste en vigueur",  # a name
        "Le marché a lieu le mardi.",  # a habit (TimeML SET), not a date
        "Noël Mamère a parlé.",  # a person
        "Le trajet dure en 48 h.",  # a duration
        "C'était un poisson d'avril.",  # a joke, not April
        "La nuit tombe vite.",  # no signal places an event in it
        "l'incertitude du lendemain",  # the future in general
    ],
)
def test_not_time_expressions(text: str) -> None:
    assert find_timexes(text, FRIDAY, **_kwargs()) == []


def _kwargs() -> dict[str, object]:
    return {
        "dateparser_settings": PARAMS["dateparser_settings"],
        "cue_window": PARAMS["tense_cue_window"],
    }


def test_weekday_calendar() -> None:
    friday = dt.date(2025, 9, 19)
    assert cal.weekday_date(friday, 5, "nearest") == dt.date(2025, 9, 20)
    assert cal.weekday_date(friday, 5, "past") == dt.date(2025, 9, 13)
    assert cal.weekday_date(friday, 4, "future") == friday
    assert cal.strict_weekday_date(friday, 4, "future") == dt.date(2025, 9, 26)
    assert cal.day_month_date(friday, 2, 30, "nearest") is None
    assert cal.two_digit_year(98, friday) == 1998 and cal.two_digit_year(3, friday) == 2003


# ------------------------------------------------------- dateparser's own French cases
DATEPARSER_INPUTS = [
    "11 Mai 2014",
    "11 sept. 2014",
    "dimanche, 11 Mai 2014",
    "22 janvier 2015 à 14h40",
    "Le 11 Décembre 2014 à 09:00",
    "le 08 Déc 2014 15:11",
    "20 Février 2012",
    "Mercredi 19 Novembre 2013",
    "18 octobre 2012 à 19 h 21 min",
    "29 mai 2021",
]
RELATIVE_INPUTS = [
    "Aujourd'hui", "Aujourd’hui", "Aujourdʼhui", "Aujourdʻhui", "Aujourd՚hui", "Aujourdꞌhui",
    "Aujourd＇hui", "Aujourd′hui", "Aujourd‵hui", "Aujourdʹhui", "Hier", "Avant-hier",
    "Dans un jour",
]  # fmt: skip


def _dateparser_cases(shared_data: Path) -> list[dict[str, object]]:
    path = shared_data / "dateparser-fr" / "dateparser_french_test_cases.json"
    return json.loads(path.read_text(encoding="utf-8"))["cases"]


def _literal_datetime(source: str) -> dt.datetime:
    return dt.datetime(*(int(x) for x in re.findall(r"\d+", source)))


def _english_datetime(source: str) -> dt.datetime:
    """dateparser's translation tests give the English form ("18 october 2012 19:21")."""
    for fmt in ("%d %B %Y %H:%M", "%A %d %B %Y", "%d %B %Y"):
        try:
            return dt.datetime.strptime(source, fmt)
        except ValueError:
            continue
    raise ValueError(source)


def test_dateparser_absolute_cases(shared_data: Path) -> None:
    """Each chosen input's expected datetime, as dateparser's tests state it."""
    expected: dict[str, dt.datetime] = {}
    for case in _dateparser_cases(shared_data):
        args, kwargs = case["args"], case["kwargs"]
        if case["test"] in ("test_dates_parsing", "test_dates_parsing_with_normalization"):
            expected[ast.literal_eval(args[0])] = _literal_datetime(args[1])
        elif case["test"] == "test_translation":
            expected[ast.literal_eval(args[1])] = _english_datetime(ast.literal_eval(args[2]))
        elif "date_string" in kwargs:
            expected[ast.literal_eval(kwargs["date_string"])] = _literal_datetime(
                kwargs["expected"]
            )
    for text in DATEPARSER_INPUTS:
        when = expected[text]
        times = find_timexes(text, "2000-01-01", **_kwargs())
        dates = [t.value for t in times if t.label == "DATE"]
        assert dates == [when.date().isoformat()], text
        if when.time() != dt.time(0):
            clocks = [t.value for t in times if t.label == "TIME"]
            assert clocks == [when.strftime("%Y-%m-%dT%H:%M")], text


def test_dateparser_relative_cases(shared_data: Path) -> None:
    """Relative French expressions, with dateparser's expected offsets in days."""
    offsets: dict[str, int] = {}
    for case in _dateparser_cases(shared_data):
        kw = case["kwargs"]
        if case["test"] in ("test_relative_past_dates", "test_relative_future_dates"):
            key = "ago" if "ago" in kw else "in_future"
            delta = ast.literal_eval(kw[key])
            if set(delta) == {"days"}:
                sign = -1 if key == "ago" else 1
                offsets[ast.literal_eval(case["args"][0])] = sign * delta["days"]
    base = dt.date(2025, 9, 19)
    for text in RELATIVE_INPUTS:
        (t,) = find_timexes(text, base.isoformat(), **_kwargs())
        assert t.value == (base + dt.timedelta(days=offsets[text])).isoformat(), text


def test_dateparser_search_cases() -> None:
    """dateparser's search tests: the same surfaces and dates."""
    text = (
        "La Seconde Guerre mondiale est un conflit armé qui dura du 1 septembre 1939 au "
        "2 septembre 1945. Le premier satellite artificiel, lancé le 4 octobre 1957, pesait 83 kg"
    )
    found = [
        (text[t.start : t.end], t.value) for t in find_timexes(text, "2000-01-01", **_kwargs())
    ]
    assert found == [
        ("1 septembre 1939", "1939-09-01"),
        ("2 septembre 1945", "1945-09-02"),
        ("le 4 octobre 1957", "1957-10-04"),
    ]
