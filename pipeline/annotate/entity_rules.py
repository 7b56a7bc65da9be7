"""Entity rules: small steps over the entity spans of one processed Doc, each optional.

Every step has the same shape (``doc, spans -> spans``) so the chain in params.yaml can list,
drop or reorder them, and ``pipeline eval entities --ablate`` can score the chain without
each one. The boundary and label rules touch only the recognizer's spans (origin ``model``):
the gazetteer is an exact lookup and document consistency already follows the kept names.

Each rule's settings are a frozen dataclass built once from its chain entry, so a rule never
reads params.yaml itself; ``fingerprint`` feeds the chain's version, so a changed rule
setting shows in every article's ``model_version``.
"""

from __future__ import annotations

import dataclasses
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import xxhash

from pipeline.annotate.entities import MODEL, EntitySpan
from pipeline.errors import PipelineError


def settings_fingerprint(settings: object) -> str:
    """A short, stable hash of a settings dataclass (sets sorted, so order never matters)."""

    def plain(value: Any) -> Any:
        if isinstance(value, frozenset | set):
            return sorted(value)
        if isinstance(value, tuple):
            return list(value)
        return value

    fields = {k: plain(v) for k, v in dataclasses.asdict(settings).items()}  # type: ignore[call-overload]
    return xxhash.xxh64_hexdigest(json.dumps(fields, sort_keys=True).encode())[:8]


def steps_fingerprint(steps: Sequence[Any]) -> str:
    """The rule steps' names and settings in chain order, hashed: dropping, reordering or
    retuning a rule changes it (the gazetteer has its own file fingerprint)."""
    parts = [
        f"{name}:{settings_fingerprint(step)}"
        for name, step in ((str(s.name), s) for s in steps)
        if name != "gazetteer"
    ]
    return xxhash.xxh64_hexdigest("|".join(parts).encode())[:8]


def _words(entry: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = entry.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PipelineError(f"params.yaml: '{where}.{key}' must be a list of strings")
    return value


class _ModelSpanRule(ABC):
    """A per-span fix applied to the recognizer's spans only; ``_fix`` returning None drops
    the span."""

    @abstractmethod
    def _fix(self, doc: Any, span: EntitySpan) -> EntitySpan | None: ...

    def __call__(self, doc: Any, spans: list[EntitySpan]) -> list[EntitySpan]:
        out = []
        for span in spans:
            fixed = self._fix(doc, span) if span.origin == MODEL else span
            if fixed is not None:
                out.append(fixed)
        return out


@dataclass(frozen=True)
class StripLeading(_ModelSpanRule):
    """Drop leading determiners and prepositions the model takes into a name ("la France").

    ``keep_capitalised``: a capitalised article that does not start its sentence is part of
    the name (La Rochelle, Le Mans, La Haye, LE HAVRE) and stays; at a sentence start the
    capital says nothing, so it is stripped as before.
    """

    words: frozenset[str]
    keep_capitalised: bool
    name: str = "strip_leading"

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any], where: str) -> StripLeading:
        return cls(frozenset(_words(entry, "words", where)), bool(entry["keep_capitalised"]))

    def _fix(self, doc: Any, span: EntitySpan) -> EntitySpan | None:
        start = span.start
        while span.end - start > 1 and doc[start].lower_ in self.words:
            token = doc[start]
            if self.keep_capitalised and token.text[:1].isupper() and not token.is_sent_start:
                break
            start += 1
        return dataclasses.replace(span, start=start)


@dataclass(frozen=True)
class PersonTitles(_ModelSpanRule):
    """Titles at the front of a PER span ("Président X", "M. Ferry").

    ``strip``: the title leaves the span (the WiNER convention, and the Europeana
    newspapers'); otherwise it stays inside it. Either way a PER span that is only a title
    is no person and is dropped.

    ``lowercase_titles``: a lower-case word at the front of a PER span is a title or a
    description too, listed or not ("cardinal Labouré", "lieutenant Hewlett", "l'ancien
    président X"): French capitalises names, not what precedes them. The ``particles`` that
    start a surname in lower case ("de Gaulle", "von der Leyen", "al-Assad") stay.

    ``complements``: a title followed by one of these ("président de la République",
    "Président des États-Unis") names an office, not a person: the span is dropped rather
    than cut to "de la République". A particle with a capitalised name ("général de
    Gaulle") is no complement.
    """

    titles: frozenset[str]
    strip: bool
    lowercase_titles: bool
    particles: frozenset[str]
    complements: frozenset[str]
    name: str = "person_titles"

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any], where: str) -> PersonTitles:
        return cls(
            frozenset(_words(entry, "titles", where)),
            bool(entry["strip"]),
            bool(entry["lowercase_titles"]),
            frozenset(_words(entry, "particles", where)),
            frozenset(_words(entry, "complements", where)),
        )

    def _complement(self, doc: Any, start: int, end: int) -> bool:
        """Whether the words from ``start`` open a complement ("de la", "des")."""
        one = doc[start].lower_
        two = f"{one} {doc[start + 1].lower_}" if end - start > 1 else one
        return one in self.complements or two in self.complements

    def _is_title(self, token: Any) -> bool:
        if token.lower_ in self.titles:
            return True
        if not self.lowercase_titles or not token.text[:1].islower():
            return False
        lower = token.lower_
        return lower not in self.particles and lower.split("-")[0] not in self.particles

    def _fix(self, doc: Any, span: EntitySpan) -> EntitySpan | None:
        if span.label != "PER":
            return span
        start = span.start
        while span.end - start > 1 and self._is_title(doc[start]):
            start += 1
        if self._is_title(doc[start]):
            return None
        if start > span.start and self._complement(doc, start, span.end):
            return None
        return dataclasses.replace(span, start=start) if self.strip else span


@dataclass(frozen=True)
class MinChars(_ModelSpanRule):
    """Drop spans too short to be names or without a letter (pool names "A", "B", "2-1")."""

    min_chars: int
    name: str = "min_chars"

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any], where: str) -> MinChars:
        return cls(int(entry["min_chars"]))

    def _fix(self, doc: Any, span: EntitySpan) -> EntitySpan | None:
        text = doc[span.start : span.end].text
        if len(text) < self.min_chars or not any(ch.isalpha() for ch in text):
            return None
        return span


@dataclass(frozen=True)
class Capitalised(_ModelSpanRule):
    """Drop model spans without a capital letter ("fr", "colon", "procureur de la").

    French writes a name with at least one capital (eBay and al-Qaïda too); a span with none
    is a common noun the model took for a name, or a cut-off piece of a description. On
    OCR'd press these are frequent (abbreviations, broken words); on clean news they are
    rare and mostly wrong too. ``labels``: the labels the rule applies to (a corpus whose
    guide labels lower-case descriptions, "frontière turco-syrienne" as LOC, leaves LOC out).
    """

    labels: frozenset[str]
    name: str = "capitalised"

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any], where: str) -> Capitalised:
        return cls(frozenset(_words(entry, "labels", where)))

    def _fix(self, doc: Any, span: EntitySpan) -> EntitySpan | None:
        if span.label not in self.labels:
            return span
        text = doc[span.start : span.end].text
        return span if any(ch.isupper() for ch in text) else None


@dataclass(frozen=True)
class Demonyms(_ModelSpanRule):
    """Drop one-token model LOC spans that are demonyms ("les Américains", "une Suissesse").

    The suffixes alone also match real places (Dunkerque, Beauvais, Liège, Valenciennes,
    Belgique), so with ``proper_nouns_kept`` a token the tagger reads as a proper noun is a
    place unless one of ``determiners`` stands right before it: a demonym is a noun that
    takes an article ("les Français", "un Québécois"), a town after "à"/"de" is not. A
    token read as a common noun or adjective ("Américains", "Syriens") is dropped as before.
    """

    suffixes: tuple[str, ...]
    min_chars: int
    proper_nouns_kept: bool
    determiners: frozenset[str]
    name: str = "demonyms"

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any], where: str) -> Demonyms:
        return cls(
            tuple(_words(entry, "suffixes", where)),
            int(entry["min_chars"]),
            bool(entry["proper_nouns_kept"]),
            frozenset(_words(entry, "determiners", where)),
        )

    def _fix(self, doc: Any, span: EntitySpan) -> EntitySpan | None:
        if span.label != "LOC" or span.end - span.start != 1:
            return span
        token = doc[span.start]
        if len(token.text) < self.min_chars or not token.lower_.endswith(self.suffixes):
            return span
        if self.proper_nouns_kept and token.pos_ == "PROPN":
            before = doc[span.start - 1].lower_ if span.start else ""
            if before not in self.determiners:
                return span
        return None


@dataclass(frozen=True)
class Honorifics:
    """Civil honorifics (M., Mme, MM., Mgr, Dr): the name right after one is a person's,
    whatever the model or the gazetteer said ("M. Renault" taken for the company, "M.
    Etienne" for a place), and a span that is only honorifics ("MM") is no name at all.

    ``words`` match with their case, as written: "Me" is a lawyer's title, "me" a pronoun.
    A full stop standing alone between the honorific and the name (OCR'd "MM . Poisson") is
    skipped. The step reads every span, not only the model's, and runs last in the chain so
    that it also corrects what the gazetteer or document consistency labelled.
    """

    words: frozenset[str]
    name: str = "honorifics"

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any], where: str) -> Honorifics:
        return cls(frozenset(_words(entry, "words", where)))

    def _after_honorific(self, doc: Any, start: int) -> bool:
        i = start - 1
        if i > 0 and doc[i].text == ".":
            i -= 1
        return i >= 0 and doc[i].text in self.words

    def __call__(self, doc: Any, spans: list[EntitySpan]) -> list[EntitySpan]:
        out = []
        seen: set[tuple[int, int, str]] = set()  # a relabelled span may meet its PER twin
        for span in spans:
            if all(t.text in self.words or t.text == "." for t in doc[span.start : span.end]):
                continue
            if span.label != "PER" and self._after_honorific(doc, span.start):
                span = dataclasses.replace(span, label="PER")
            if (span.start, span.end, span.label) not in seen:
                seen.add((span.start, span.end, span.label))
                out.append(span)
        return out
