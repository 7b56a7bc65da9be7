"""Named entities: the recognizer's spans, then the steps the chain in params.yaml lists.

What each step is for (the rules themselves are in ``entity_rules.py``):

- the statistical model (fr_core_news_md or a fine-tune of it) finds most names, but in
  news it often takes the determiner into the span ("la France", "l'ONU") and mislabels
  organisations it has not seen ("Daech" as LOC);
- boundary rules drop leading determiners and prepositions from model spans and drop spans
  too short to be names (single letters such as pool names "A", "B");
- the gazetteer (``annotation_configs/gazetteer.yaml``) holds well-known countries, cities,
  regions, international bodies, parties, companies, media and armed groups; the precedence
  rule with the model is written at the top of that file and implemented in ``merge``.

Scores: the NER decodes greedily and gives no per-entity probability; with the recognizer's
``confidence_beam`` set, a beam decode measures one (``confidence.py``). With a
``confidence_map``, every entity (gazetteer names too) gets the map's calibrated probability,
fitted on dev gold from what produced the span; without one, the gazetteer leaves ``score``
None rather than inventing a confidence.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import xxhash
import yaml

from pipeline.annotate.nlp import GAZETTEER_KEY
from pipeline.errors import PipelineError
from pipeline.schema import Entity

MODEL = "model"
GAZETTEER = "gazetteer"


@dataclass(frozen=True)
class Gazetteer:
    """The gazetteer as SpanRuler patterns, the names never to accept, and its fingerprint."""

    path: Path
    fingerprint: str
    patterns: list[dict[str, Any]]
    not_names: frozenset[str]

    @property
    def source(self) -> str:
        return f"gazetteer@{self.fingerprint}"


def _gazetteer_error(path: Path, message: str) -> PipelineError:
    return PipelineError(f"{path}: {message}")


def load_gazetteer(path: Path, labels: Sequence[str]) -> Gazetteer:
    """Read the gazetteer file (see its header); every bad shape is a one-line error."""
    try:
        raw = path.read_bytes()
        data = yaml.safe_load(raw)
    except OSError as exc:
        raise _gazetteer_error(path, f"cannot read gazetteer ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise _gazetteer_error(path, f"invalid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("names"), dict):
        raise _gazetteer_error(path, "gazetteer must have a 'names' mapping")
    unknown = sorted(set(data) - {"names", "patterns", "not_names"})
    if unknown:
        raise _gazetteer_error(path, f"unknown key '{unknown[0]}'")
    patterns: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for label, categories in data["names"].items():
        if label not in labels:
            raise _gazetteer_error(path, f"unknown label 'names.{label}' (taxonomy: {labels})")
        if not isinstance(categories, dict):
            raise _gazetteer_error(path, f"'names.{label}' must map categories to names")
        for category, names in categories.items():
            where = f"names.{label}.{category}"
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise _gazetteer_error(path, f"'{where}' must be a list of names")
            for name in names:
                if name in seen:
                    raise _gazetteer_error(
                        path, f"duplicate name '{name}' in {where}, {seen[name]}"
                    )
                seen[name] = where
                patterns.append({"label": label, "pattern": name, "id": category})
    for number, rule in enumerate(data.get("patterns") or []):
        if not isinstance(rule, dict) or set(rule) != {"label", "id", "pattern"}:
            raise _gazetteer_error(path, f"'patterns[{number}]' needs exactly label, id, pattern")
        if rule["label"] not in labels:
            raise _gazetteer_error(path, f"unknown label 'patterns[{number}].{rule['label']}'")
        patterns.append(dict(rule))
    not_names = data.get("not_names") or []
    if not isinstance(not_names, list) or not all(isinstance(n, str) for n in not_names):
        raise _gazetteer_error(path, "'not_names' must be a list of strings")
    return Gazetteer(path, hashlib.sha256(raw).hexdigest()[:12], patterns, frozenset(not_names))


@dataclass(frozen=True)
class EntitySpan:
    """An entity in token coordinates of a Doc, with where it came from."""

    start: int
    end: int
    label: str
    origin: str


class EntityStep(Protocol):
    """One step over a Doc's entity spans (token coordinates), in chain order: a rule
    (``entity_rules.py``), the gazetteer merge or document consistency."""

    @property
    def name(self) -> str: ...

    def __call__(self, doc: Any, spans: list[EntitySpan]) -> list[EntitySpan]: ...


@dataclass(frozen=True)
class GazetteerStep:
    """The gazetteer in the chain: model spans it names as no name go, then ``merge``.

    Its patterns run inside the spaCy pipeline (a SpanRuler writing ``doc.spans``), so the
    step only reads them here.
    """

    gazetteer: Gazetteer
    name: str = "gazetteer"

    def __call__(self, doc: Any, spans: list[EntitySpan]) -> list[EntitySpan]:
        not_names = self.gazetteer.not_names
        model = [
            s for s in spans if not (s.origin == MODEL and doc[s.start : s.end].text in not_names)
        ]
        gaz = [EntitySpan(s.start, s.end, s.label_, GAZETTEER) for s in doc.spans[GAZETTEER_KEY]]
        return merge(model, gaz)


@dataclass(frozen=True)
class Propagate:
    """Document-level consistency (see ``_propagate``) as a chain step."""

    name: str = "propagate"

    def __call__(self, doc: Any, spans: list[EntitySpan]) -> list[EntitySpan]:
        return _propagate(doc, spans)


def _contains(a: EntitySpan, b: EntitySpan) -> bool:
    return a.start <= b.start and b.end <= a.end


def merge(model: list[EntitySpan], gazetteer: list[EntitySpan]) -> list[EntitySpan]:
    """Combine model and gazetteer spans under the precedence rule (gazetteer.yaml header).

    A gazetteer span replaces every model span it equals or covers; inside a strictly longer
    model span it is kept as a nested entity when it ends that name and the name is not a
    person's, else dropped; crossing overlaps keep the longer span, the
    gazetteer on a tie. Spans that overlap nothing are all kept.
    """
    kept_model = list(model)
    kept_gaz: list[EntitySpan] = []
    for g in gazetteer:
        overlapping = [m for m in kept_model if m.start < g.end and g.start < m.end]
        g_len = g.end - g.start
        holders = [m for m in overlapping if _contains(m, g) and m.end - m.start > g_len]
        if holders:
            # inside a longer model name: nested only where it ends a non-person name
            # ("Jeux olympiques de Rio"), not inside one ("France Inter", "France Gall")
            if all(m.end == g.end and m.label != "PER" for m in holders):
                kept_gaz.append(g)
            continue
        crossing = [m for m in overlapping if not _contains(g, m)]
        if any(m.end - m.start > g_len for m in crossing):
            continue
        kept_gaz.append(g)
        kept_model = [m for m in kept_model if m not in overlapping]
    return sorted(kept_model + kept_gaz, key=lambda s: (s.start, s.end, s.label))


def _phrases(doc: Any, spans: list[EntitySpan]) -> dict[tuple[str, ...], tuple[str, str]]:
    """Name phrase -> (label, origin) for document-level consistency.

    Every recognised name votes for its label (the majority wins); the surname-like tails of
    multi-word PER names ("Froome" of "Chris Froome", "De Gendt" of "Thomas De Gendt") are
    PER even where the model said otherwise, unless the gazetteer knows them."""
    votes: dict[tuple[str, ...], Counter[str]] = {}
    origin: dict[tuple[str, ...], str] = {}
    for s in spans:
        key = tuple(t.text for t in doc[s.start : s.end])
        votes.setdefault(key, Counter())[s.label] += 1
        origin.setdefault(key, s.origin)
    table = {w: (c.most_common(1)[0][0], origin[w]) for w, c in votes.items()}
    for s in spans:
        if s.label == "PER" and s.end - s.start >= 2:
            words = [t.text for t in doc[s.start : s.end]]
            for i in range(1, len(words)):
                tail = tuple(words[i:])
                capitalised = words[i][:1].isupper() and len(words[i]) > 2
                if capitalised and table.get(tail, ("", MODEL))[1] != GAZETTEER:
                    table[tail] = ("PER", MODEL)
    return {w: v for w, v in table.items() if w[0][:1].isupper() and len(" ".join(w)) >= 3}


def _propagate(doc: Any, spans: list[EntitySpan]) -> list[EntitySpan]:
    """Document-level consistency: a name recognised once is the same name wherever it is
    repeated ("Froome" after "Chris Froome"; "Hollande" as PER everywhere once it is PER
    somewhere). Repeats are added, or relabelled/extended when the model gave them another
    label or a shorter span; a repeat inside a longer name is left alone."""
    table = _phrases(doc, spans)
    if not table:
        return spans
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for words in sorted(table, key=len, reverse=True):
        by_first.setdefault(words[0], []).append(words)
    texts = [t.text for t in doc]
    found: list[EntitySpan] = []
    i = 0
    while i < len(texts):
        for words in by_first.get(texts[i], ()):
            n = len(words)
            if tuple(texts[i : i + n]) != words:
                continue
            if i + n < len(texts) and texts[i + n][:1].isupper():
                continue  # part of a longer capitalised name
            label, origin = table[words]
            found.append(EntitySpan(i, i + n, label, origin))
            i += n - 1
            break
        i += 1
    found = [f for f in found if not _nested(f, spans)]
    if not found:
        return spans
    kept = [
        s
        for s in spans
        if _nested(s, spans) or not any(s.start < f.end and f.start < s.end for f in found)
    ]
    return sorted(set(kept + found), key=lambda s: (s.start, s.end, s.label))


def _nested(span: EntitySpan, spans: list[EntitySpan]) -> bool:
    """Whether a strictly longer span holds this one (kept as a nested entity)."""
    return any(_contains(s, span) and s.end - s.start > span.end - span.start for s in spans)


def doc_entity_spans(doc: Any, steps: Sequence[EntityStep]) -> list[EntitySpan]:
    """The entities of a processed Doc: the recognizer's spans through each step in order."""
    spans = [EntitySpan(e.start, e.end, e.label_, MODEL) for e in doc.ents]
    for step in steps:
        spans = step(doc, spans)
    return sorted(spans, key=lambda s: (s.start, s.end, s.label))


def entity_id(article_id: str, start: int, end: int, label: str) -> str:
    """Content-derived id, stable across runs and unique within the article."""
    return "e-" + xxhash.xxh64_hexdigest(f"{article_id}\x1f{start}\x1f{end}\x1f{label}".encode())


def to_entities(
    article_id: str,
    doc: Any,
    spans: Iterable[EntitySpan],
    sources: dict[str, str],
    scores: Mapping[EntitySpan, float] | None = None,
) -> list[Entity]:
    """Entity records with character offsets into the text the Doc was made from, and the
    measured probability of those that have one (``confidence.py``)."""
    text = doc.text
    out = []
    for span in spans:
        start = doc[span.start].idx
        end = doc[span.end - 1].idx + len(doc[span.end - 1])
        out.append(
            Entity(
                id=entity_id(article_id, start, end, span.label),
                start=start,
                end=end,
                label=span.label,
                text=text[start:end],
                source=sources[span.origin],
                score=(scores or {}).get(span),
            )
        )
    return out
