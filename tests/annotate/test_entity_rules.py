"""Each entity rule on hand-built Docs (words, tags and sentence starts given), with the
settings that make corpus conventions explicit; the rule fingerprint follows the settings."""

from __future__ import annotations

import dataclasses

import pytest
import spacy
from spacy.tokens import Doc

from pipeline.annotate.entities import GAZETTEER, MODEL, EntitySpan
from pipeline.annotate.entity_rules import (
    Capitalised,
    Demonyms,
    Honorifics,
    PersonTitles,
    StripLeading,
    steps_fingerprint,
)

ARTICLES = frozenset({"le", "la", "les", "l'"})
STRIP = StripLeading(ARTICLES, keep_capitalised=True)
DEMONYMS = Demonyms(("ais", "ois", "que", "ains"), 5, True, frozenset({"les", "la", "le"}))
VOCAB = spacy.blank("fr").vocab  # lexical attributes (lower case) need a language's vocab
TITLES = PersonTitles(
    frozenset({"m.", "président"}),
    strip=True,
    lowercase_titles=False,
    particles=frozenset({"de", "al"}),
    complements=frozenset({"des", "de la"}),
)
CAPITALISED = Capitalised(frozenset({"PER", "ORG", "LOC", "MISC"}))


def _doc(words: list[str], pos: list[str] | None = None) -> Doc:
    """One sentence (first token starts it), the given tags or PROPN everywhere."""
    return Doc(
        VOCAB,
        words=words,
        pos=pos or ["PROPN"] * len(words),
        sent_starts=[True] + [False] * (len(words) - 1),
    )


def _texts(rule, doc: Doc, spans: list[tuple[int, int, str]]) -> list[str]:
    out = rule(doc, [EntitySpan(s, e, label, MODEL) for s, e, label in spans])
    return [doc[s.start : s.end].text for s in out]


@pytest.mark.parametrize(
    ("words", "span", "kept", "stripped"),
    [
        # an article inside the name, mid-sentence: part of it
        (["Il", "vit", "à", "La", "Rochelle"], (3, 5), "La Rochelle", "Rochelle"),
        (["Il", "joue", "au", "LE", "HAVRE"], (3, 5), "LE HAVRE", "HAVRE"),
        # at a sentence start the capital says nothing: stripped either way
        (["La", "France", "gagne"], (0, 2), "France", "France"),
        # lower case: the model took the article in
        (["Il", "aime", "la", "France"], (2, 4), "France", "France"),
    ],
)
def test_strip_leading_keeps_capitalised_articles_inside_names(
    words, span, kept: str, stripped: str
) -> None:
    doc = _doc(words)
    assert _texts(STRIP, doc, [(*span, "LOC")]) == [kept]
    old = dataclasses.replace(STRIP, keep_capitalised=False)
    assert _texts(old, doc, [(*span, "LOC")]) == [stripped]


def test_demonyms_keep_proper_noun_places_not_demonyms() -> None:
    doc = _doc(
        ["De", "Dunkerque", "à", "Beauvais", ",", "les", "Français", "et", "Américains"],
        ["ADP", "PROPN", "ADP", "PROPN", "PUNCT", "DET", "PROPN", "CCONJ", "NOUN"],
    )
    spans = [(1, 2, "LOC"), (3, 4, "LOC"), (6, 7, "LOC"), (8, 9, "LOC")]
    assert _texts(DEMONYMS, doc, spans) == ["Dunkerque", "Beauvais"]
    old = dataclasses.replace(DEMONYMS, proper_nouns_kept=False)
    assert _texts(old, doc, spans) == []


def test_person_titles_strip_or_keep() -> None:
    doc = _doc(["M.", "Ferry", "et", "Président"])
    spans = [(0, 2, "PER"), (3, 4, "PER")]
    assert _texts(TITLES, doc, spans) == ["Ferry"]
    # the title stays inside the name; a title alone is still no person
    assert _texts(dataclasses.replace(TITLES, strip=False), doc, spans) == ["M. Ferry"]


def test_person_titles_lowercase_words_in_front_are_titles_but_particles_stay() -> None:
    doc = _doc(
        ["le", "cardinal", "Labouré", "reçoit", "de", "Gaulle", "et", "al-Assad"],
        ["DET", "NOUN", "PROPN", "VERB", "ADP", "PROPN", "CCONJ", "PROPN"],
    )
    spans = [(1, 3, "PER"), (4, 6, "PER"), (7, 8, "PER"), (1, 3, "LOC")]
    rule = dataclasses.replace(TITLES, lowercase_titles=True)
    # an unlisted lower-case title leaves the name; a surname particle does not; other
    # labels are not the rule's business
    assert _texts(rule, doc, spans) == ["Labouré", "de Gaulle", "al-Assad", "cardinal Labouré"]
    listed_only = ["cardinal Labouré", "de Gaulle", "al-Assad", "cardinal Labouré"]
    assert _texts(TITLES, doc, spans) == listed_only
    # a lower-case description alone is no person
    assert _texts(rule, doc, [(1, 2, "PER")]) == []
    # a title with its complement is an office, not a person
    office = _doc(
        ["le", "président", "de", "la", "République", "et", "le", "général", "de", "Gaulle"]
    )
    assert _texts(rule, office, [(1, 5, "PER"), (7, 10, "PER")]) == ["de Gaulle"]
    # keeping titles inside the name keeps the description too
    keep = dataclasses.replace(rule, strip=False)
    assert _texts(keep, doc, spans[:1]) == ["cardinal Labouré"]


def test_capitalised_drops_spans_without_a_capital() -> None:
    doc = _doc(
        ["Payé", "20", "fr", "au", "procureur", "de", "la", "République", "à", "Rennes"],
        ["VERB", "NUM", "NOUN", "ADP", "NOUN", "ADP", "DET", "PROPN", "ADP", "PROPN"],
    )
    spans = [(2, 3, "LOC"), (4, 7, "ORG"), (4, 8, "ORG"), (9, 10, "LOC")]
    assert _texts(CAPITALISED, doc, spans) == ["procureur de la République", "Rennes"]
    # a label left out of the rule keeps its lower-case spans
    only_org = dataclasses.replace(CAPITALISED, labels=frozenset({"ORG"}))
    assert _texts(only_org, doc, spans) == ["fr", "procureur de la République", "Rennes"]


def test_honorifics_make_the_next_name_a_person_and_are_no_name_alone() -> None:
    words = ["M.", "Renault", "et", "MM", ".", "Etienne", ",", "Poisson", "me", "Paris"]
    doc = _doc(words, ["NOUN", "PROPN", "CCONJ", "NOUN", "PUNCT"] + ["PROPN"] * 5)
    spans = [
        EntitySpan(1, 2, "ORG", GAZETTEER),  # the company, by the gazetteer
        EntitySpan(3, 4, "LOC", MODEL),  # "MM" alone
        EntitySpan(5, 6, "LOC", MODEL),  # after "MM ."
        EntitySpan(7, 8, "LOC", MODEL),  # after a comma: no cue
        EntitySpan(9, 10, "LOC", MODEL),  # after the pronoun "me": case matters
    ]
    rule = Honorifics(frozenset({"M.", "MM", "Me"}))
    out = rule(doc, spans)
    assert [(doc[s.start : s.end].text, s.label, s.origin) for s in out] == [
        ("Renault", "PER", GAZETTEER),
        ("Etienne", "PER", MODEL),
        ("Poisson", "LOC", MODEL),
        ("Paris", "LOC", MODEL),
    ]
    # the model's PER and the gazetteer's ORG on the same words become one person
    twins = [EntitySpan(1, 2, "PER", MODEL), EntitySpan(1, 2, "ORG", GAZETTEER)]
    assert [(s.start, s.label, s.origin) for s in rule(doc, twins)] == [(1, "PER", MODEL)]


def test_rules_fingerprint_follows_settings() -> None:
    base = steps_fingerprint([STRIP, DEMONYMS, TITLES])
    assert base == steps_fingerprint([STRIP, DEMONYMS, TITLES])
    assert base != steps_fingerprint([STRIP, TITLES])
    assert base != steps_fingerprint(
        [dataclasses.replace(STRIP, keep_capitalised=False), DEMONYMS, TITLES]
    )
    assert base != steps_fingerprint(
        [STRIP, DEMONYMS, dataclasses.replace(TITLES, lowercase_titles=True)]
    )
