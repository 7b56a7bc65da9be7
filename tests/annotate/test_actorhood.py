"""PLOVER actors: actor and recipient arguments name people, groups, institutions or states,
never the thing an event is about, while common-noun actors stay (the real chain)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.annotate.actorhood import Actorhood
from pipeline.errors import PipelineError
from pipeline.params import load_params, params_relative
from pipeline.schema import bare_article

# sentence -> (event type, trigger) -> {role: argument text} for actor and recipient
CASES: dict[str, dict[tuple[str, str], dict[str, str]]] = {
    # the reform is what is suspended, not who is sanctioned
    "Le gouvernement a suspendu la réforme.": {
        ("SANCTION", "suspendu"): {"actor": "Le gouvernement"},
    },
    # the resignation is demanded of the minister: he is the recipient, not "la démission"
    "Les manifestants ont exigé la démission du ministre.": {
        ("REQUEST", "exigé"): {"actor": "Les manifestants", "recipient": "ministre"},
    },
    "La Russie a rejeté les normes diplomatiques internationales.": {
        ("REJECT", "rejeté"): {"actor": "Russie"},
    },
    "Le Sénat a rejeté le projet de loi.": {
        ("REJECT", "rejeté"): {"actor": "Sénat"},
    },
    # common-noun actors stay: forces, collectives, institutions, counted people
    "La police a arrêté les rebelles.": {
        ("COERCE", "arrêté"): {"actor": "La police", "recipient": "les rebelles"},
    },
    "Les syndicats ont dénoncé le gouvernement.": {
        ("ACCUSE", "dénoncé"): {"actor": "Les syndicats", "recipient": "le gouvernement"},
    },
    "Paris a expulsé deux diplomates.": {
        ("SANCTION", "expulsé"): {"actor": "Paris", "recipient": "deux diplomates"},
    },
    "L'armée a bombardé les positions des rebelles.": {
        ("ASSAULT", "bombardé"): {"actor": "L'armée", "recipient": "rebelles"},
    },
    "Les rebelles ont tué des dizaines de civils.": {
        ("ASSAULT", "tué"): {"actor": "Les rebelles", "recipient": "des dizaines"},
    },
    "Des milliers de personnes ont manifesté contre la réforme.": {
        ("PROTEST", "manifesté"): {"actor": "Des milliers"},
    },
    "Le ministre a condamné cette décision.": {
        ("ACCUSE", "condamné"): {"actor": "Le ministre"},
    },
    # a site is where the event happens, not who undergoes it
    "La police a évacué l'église Saint-Bernard.": {
        ("RETREAT", "évacué"): {"actor": "La police"},
    },
}


@pytest.fixture(scope="module")
def events_by_sentence(linguistic):
    articles = [bare_article(f"actors-{i}", text) for i, text in enumerate(CASES)]
    return {a.text: a.events for a in linguistic.annotate(articles)}


@pytest.mark.parametrize("sentence", list(CASES))
def test_actor_and_recipient_are_actors(events_by_sentence, sentence: str) -> None:
    found = {
        (e.type, e.trigger_text): {a.role: a.text for a in e.arguments if a.role != "date"}
        for e in events_by_sentence[sentence]
    }
    for key, arguments in CASES[sentence].items():
        assert found.get(key) == arguments, (sentence, found)


def _shipped() -> Path:
    return params_relative(load_params("preannotate")["events"]["actor_lexicon"])


def test_shipped_lexicon_is_consistent() -> None:
    lexicon = Actorhood.from_file(_shipped())
    assert {"gouvernement", "police", "personne", "opposition"} <= lexicon.nouns
    # a word is either an actor noun or a thing that ends like an agent, never both
    assert not lexicon.nouns & lexicon.not_agents
    # an actor noun that ends in an agent suffix is redundant: the suffix decides it
    redundant = {n for n in lexicon.nouns if n.endswith(lexicon.agent_suffixes)}
    assert redundant <= lexicon.not_agents
    assert "réforme" not in lexicon.nouns and "norme" not in lexicon.nouns


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("nouns: [", "invalid YAML"),
        ("nouns: [a]\n", "needs exactly the keys"),
        (
            "nouns: {people: [homme, 3]}\nagent_suffixes: [eur]\nnot_agents: []\n"
            "quantities: []\nthing_pronouns: []\n",
            "'nouns' must be a list (or categories) of words",
        ),
    ],
)
def test_a_bad_lexicon_is_one_error_naming_the_file(
    tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "actors.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PipelineError) as error:
        Actorhood.from_file(path)
    message = str(error.value)
    assert message.startswith(f"{path}: ") and reason in message and "\n" not in message


def test_a_missing_lexicon_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match="cannot read the actor lexicon"):
        Actorhood.from_file(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    ("phrase", "actor"),
    [
        ("les agresseurs", True),  # -eur: agent
        ("une manifestante", True),  # -ante
        ("les journalistes", True),  # -iste
        ("un fonctionnaire", True),  # -aire
        ("les Palestiniens", True),  # capitalised demonym
        ("la délégation", True),  # institutional noun in -tion: listed
        ("le secteur", False),  # ends like an agent, listed as a thing
        ("le montant", False),
        ("le salaire", False),
        ("la démission", False),
        ("les normes", False),
    ],
)
def test_head_nouns_by_lexicon_and_suffix(linguistic, phrase: str, actor: bool) -> None:
    lexicon = Actorhood.from_file(_shipped())
    doc = linguistic.nlp(f"Il a vu {phrase}.")
    head = doc[4]
    assert head.text == phrase.split()[1]
    assert lexicon.is_actor(head) is actor
