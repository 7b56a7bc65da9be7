"""Paragraphs, headings, titles and datelines on small crafted articles."""

from __future__ import annotations

import json

from pipeline.schema import Article


def pieces(article: Article, spans) -> list[str]:
    return [article.text[s.start : s.end] for s in spans]


def test_hard_wrapped_lines_join_into_one_paragraph(normalize_bytes) -> None:
    text = (
        "Le gouvernement a présenté mardi un projet de loi qui\n"
        "prévoit une hausse des crédits de la défense.\n"
        "Le texte sera examiné en juin.\n\n"
        "Les syndicats ont réagi dans la soirée."
    )
    article = normalize_bytes(text.encode())
    assert pieces(article, article.paragraphs) == [
        "Le gouvernement a présenté mardi un projet de loi qui\n"
        "prévoit une hausse des crédits de la défense.",
        "Le texte sera examiné en juin.",
        "Les syndicats ont réagi dans la soirée.",
    ]
    assert article.title is None and article.headings == []


def test_lists_of_short_lines_are_not_headings(normalize_bytes) -> None:
    body = "Le match s'est joué devant 12 000 spectateurs au palais des sports de Nantes."
    roster = "Omeyer (16 arrêts)\nAbalo (8/8)\nKarabatic"
    text = f"Handball : Nantes bat Paris\n\n{body}\n\n{roster}\n\n{body}"
    article = normalize_bytes(text.encode())
    assert article.title == "Handball : Nantes bat Paris"
    assert pieces(article, article.headings) == ["Handball : Nantes bat Paris"]


def test_a_heading_between_body_paragraphs(normalize_bytes) -> None:
    body = "La ministre a détaillé les mesures devant la commission des finances du Sénat."
    article = normalize_bytes(
        f"{body}\n\nLes réactions\n\n{body}\n\n— Un élu, jeudi\n\n{body}".encode()
    )
    assert article.title is None
    assert pieces(article, article.headings) == ["Les réactions"]


def test_datelines_with_place_time_zone_and_errors(normalize_bytes) -> None:
    body = "Le conseil municipal a voté le budget dans la nuit, après six heures de débat."
    cases = {
        f"Titre\n\nParis, 3 mars 2016 — {body}": ("2016-03-03", None),
        f"Titre\n\n7 janvier 2016, 11\u202fh\u202f40 UTC . –\n{body}": (
            "2016-01-07T11:40+00:00",
            None,
        ),
        f"Titre\n\n2 mai 2017, 1 h 30 UTC+3 . –\n{body}": ("2017-05-02T01:30+03:00", None),
        f"Titre\n\n13 mars 2016, Montpellier . –\n{body}": ("2016-03-13", None),
        f"Titre\n\n31 février 2016 . –\n{body}": (None, "day is out of range for month"),
    }
    for text, (date, error) in cases.items():
        article = normalize_bytes(text.encode())
        assert article.date == date, text
        if error is None:
            assert article.date_error is None
        else:
            assert error in article.date_error and "31 février 2016" in article.date_error
        assert article.text == text  # the dateline is content: it stays in the text


def test_title_from_metadata_marks_the_repeated_first_line(normalize_bytes) -> None:
    text = "Grève à Besançon\n\nLes cheminots ont cessé le travail."
    line = json.dumps({"title": "Grève à Besançon", "text": text}, ensure_ascii=False)
    article = normalize_bytes(line.encode(), "feed.jsonl", 1)
    assert article.title == "Grève à Besançon"
    assert pieces(article, article.headings) == ["Grève à Besançon"]
