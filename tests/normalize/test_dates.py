"""Dates as sources write them: metadata fields, header lines, JSON lines; and stray controls."""

from __future__ import annotations

import ast
import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.io import read_inputs
from pipeline.normalize.core import normalize_item
from pipeline.normalize.dates import parse_date
from pipeline.schema import Article, QuarantineEntry

TEXT = (
    "La France a annoncé ce vendredi la suspension de sa coopération sécuritaire avec le Mali. "
    "Les diplomates ont été expulsés dans la soirée."
)
DATEPARSER_FR = Path(__file__).parents[2].parent / "shared" / "data" / "dateparser-fr"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-09-19", "2025-09-19"),
        ("2025-09-19T10:00:00+02:00", "2025-09-19T10:00+02:00"),
        ("2025-09-19T08:30:15Z", "2025-09-19T08:30:15+00:00"),
        ("Fri, 19 Sep 2025 10:00:00 +0200", "2025-09-19T10:00+02:00"),
        ("19 Sep 2025 10:00 GMT", "2025-09-19T10:00+00:00"),
        ("19/09/2025", "2025-09-19"),
        ("05/03/2025", "2025-03-05"),  # day first, as the French press writes
        ("19.09.2025 à 10h30", "2025-09-19T10:30"),
        ("19 septembre 2025", "2025-09-19"),
        ("1er janvier 2016", "2016-01-01"),
        ("vendredi 19 septembre 2025 à 10h30", "2025-09-19T10:30"),
        ("19 septembre 2025 à 10h30 CEST", "2025-09-19T10:30+02:00"),
        ("September 19, 2025", "2025-09-19"),
        ("Sept. 19, 2025 10:00 AM", "2025-09-19T10:00"),
    ],
)
def test_date_formats(value: str, expected: str) -> None:
    assert parse_date(value) == parse_date(value)  # no hidden state
    assert parse_date(value).date == expected
    assert parse_date(value).error is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2025-02-30", "day is out of range for month"),
        ("2025-13-45", "month must be in 1..12"),
        ("31 février 2025", "not a whole date"),
        ("5 mars", "not a whole date"),  # no year: not guessed
        ("hier", "not a whole date"),  # relative: not resolved against today
        ("n'importe quoi", "not a whole date"),
        (20250919, "has type int (20250919), not a string"),
        (["2025-09-19"], "has type list"),
    ],
)
def test_bad_dates_say_why(value: object, reason: str) -> None:
    parsed = parse_date(value, "metadata date")
    assert parsed.date is None
    assert parsed.error.startswith("metadata date") and reason in parsed.error


def test_dateparser_french_cases_with_a_whole_date() -> None:
    """dateparser's own French cases: every one with day, month and year is read; the
    others (no year, relative) are refused, not resolved against today."""
    cases = json.loads((DATEPARSER_FR / "dateparser_french_test_cases.json").read_text("utf-8"))
    whole = refused = 0
    for case in cases["cases"]:
        if case["test"] != "test_dates_parsing":
            continue
        text = ast.literal_eval(case["args"][0])
        expected = eval(case["args"][1], {"datetime": dt.datetime})  # a datetime(...) literal
        parsed = parse_date(text)
        if str(expected.year) in text:
            assert parsed.date is not None and parsed.date[:10] == expected.date().isoformat()
            if expected.hour or expected.minute:
                assert parsed.date[11:16] == expected.strftime("%H:%M"), text
            whole += 1
        else:
            assert parsed.date is None and "not a whole date" in parsed.error
            refused += 1
    assert (whole, refused) == (8, 2)


@pytest.mark.parametrize(
    ("header", "date"),
    [
        ("date: 2025-09-19\n", "2025-09-19"),
        ("Date: 2025-09-19\n", "2025-09-19"),
        ("Date : 19 septembre 2025\n\n", "2025-09-19"),
        ("DATE : Fri, 19 Sep 2025 10:00:00 +0200\n", "2025-09-19T10:00+02:00"),
        ("Publié le 19 septembre 2025 à 10h30\n", "2025-09-19T10:30"),
        ("Mis à jour le 20/09/2025\n", "2025-09-20"),
        ("Publié le 19/09/2025 à 10h30, mis à jour le 20/09/2025 à 08h00\n", "2025-09-19T10:30"),
        ("Mis à jour le 20/09/2025\nPublié le 19/09/2025\n", "2025-09-19"),
        ("url: https://e.org/a\nDate : 19 septembre 2025\n", "2025-09-19"),
    ],
)
def test_header_lines(normalize_bytes, header: str, date: str) -> None:
    article = normalize_bytes((header + TEXT).encode())
    assert (article.date, article.date_error) == (date, None)
    assert article.text == TEXT and article.title is None
    assert "header" in article.source.repairs


def test_header_line_after_a_title(normalize_bytes) -> None:
    data = f"Le Mali expulse des diplomates\nPublié le 19 septembre 2025\n\n{TEXT}"
    article = normalize_bytes(data.encode())
    assert article.date == "2025-09-19"
    assert article.title == "Le Mali expulse des diplomates"
    assert article.text == f"Le Mali expulse des diplomates\n\n{TEXT}"


def test_bad_header_date_keeps_the_text(normalize_bytes) -> None:
    article = normalize_bytes(("Date : 31 février 2025\n" + TEXT).encode())
    assert article.text == TEXT and article.date is None
    assert "31 février 2025" in article.date_error


def test_prose_opening_with_publie_le_is_text(normalize_bytes) -> None:
    text = "Publié le 3 mars par l'Insee, le rapport montre une hausse des prix sur un an.\n" + TEXT
    article = normalize_bytes(text.encode())
    assert article.text == text and article.date is None and article.date_error is None


def test_jsonl_export_with_every_date_format(tmp_path: Path, config) -> None:
    values = [
        "2025-09-19",
        "Fri, 19 Sep 2025 10:00:00 +0200",
        "19/09/2025",
        "19 septembre 2025",
        "September 19, 2025",
        20250919,
        "bientôt",
    ]
    lines = [
        json.dumps({"text": f"{TEXT} Dépêche {n}.", "date": v, "title": 7 if n == 5 else "T"})
        for n, v in enumerate(values)
    ]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    raws = read_inputs([path], config.suffixes, config.max_article_bytes)
    results = [normalize_item(raw, config) for raw in raws]
    assert all(isinstance(r, Article) for r in results)
    assert [r.date for r in results] == [
        "2025-09-19",
        "2025-09-19T10:00+02:00",
        "2025-09-19",
        "2025-09-19",
        "2025-09-19",
        None,
        None,
    ]
    assert "has type int" in results[5].date_error
    assert results[5].title is None and "ignored-field:title" in results[5].source.repairs
    assert "'bientôt'" in results[6].date_error
    assert results[5].text == f"{TEXT} Dépêche 5."  # the text is never the price of a bad field


def test_a_few_nuls_and_controls_are_removed_and_recorded(normalize_bytes) -> None:
    """Three stray bytes in an article of a few paragraphs (under 1 % of it) are a glitch."""
    text = "\n\n".join([TEXT] * 4)
    data = text.encode().replace(b"Les diplomates", b"Les\x00 diplo\x01mates\x00", 1)
    article = normalize_bytes(data)
    assert isinstance(article, Article)
    assert article.text == text
    assert "control-chars" in article.source.repairs


def test_nuls_in_a_json_line_do_not_break_it(normalize_bytes) -> None:
    line = json.dumps({"text": TEXT}).encode().replace(b"Les", b"Les\x00", 1)
    article = normalize_bytes(line, "feed.jsonl", 1)
    assert isinstance(article, Article) and article.text == TEXT


def test_binary_with_nuls_is_still_binary(normalize_bytes) -> None:
    data = TEXT.encode() + bytes(range(32)) * 8
    entry = normalize_bytes(data)
    assert isinstance(entry, QuarantineEntry) and "binary content" in entry.reason
