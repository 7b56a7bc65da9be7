"""The pre-annotation components by registered name, and the chain params.yaml lists.

``preannotate.chain`` is a list of entries ``{component: NAME, ...settings}`` in the order
they run (spaCy-registry style). Each name maps to a parser that turns the entry into the
component's frozen settings, once, at the command boundary (``ChainConfig.from_params``);
``build_chain`` then makes the annotators from those settings, so no component reads
params.yaml itself and a test or another engine can build a chain from settings alone.

Kinds of component:

- ``annotator``: a whole ``Annotator`` of its own (``times``);
- ``recognizer``: the spaCy pass that finds entities (``spacy``: a stock or fine-tuned
  pipeline, or a stock pipeline whose NER is replaced by a fine-tuned one); the steps and
  events after it run on its Docs, in the same ``nlp.pipe`` run;
- ``step``: an entity step after the recognizer (rules, gazetteer, document consistency);
- ``events``: PLOVER events on the entities the recognizer and its steps produced.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.annotate.base import Annotator
from pipeline.annotate.entities import EntityStep, Propagate
from pipeline.annotate.entity_rules import (
    Capitalised,
    Demonyms,
    Honorifics,
    MinChars,
    PersonTitles,
    StripLeading,
)
from pipeline.annotate.events import EventRules
from pipeline.annotate.nlp import resolve
from pipeline.errors import PipelineError

if TYPE_CHECKING:
    from pipeline.annotate.times import TimeAnnotator

ANNOTATOR = "annotator"
RECOGNIZER = "recognizer"
STEP = "step"
EVENTS = "events"


@dataclass(frozen=True)
class SpacySettings:
    """The recognizer: ``model`` is an installed package name or a model folder; with
    ``ner_model`` (a folder) that pipeline's NER replaces ``model``'s, and ``model`` keeps
    the tagger, lemmatizer and parser that events need. ``confidence_beam`` > 0 scores
    each model entity with a beam of that width (``confidence.py``); 0 leaves scores None.
    ``confidence_map`` (a file fitted by ``eval entities --fit-confidence``) turns measured
    features of every entity into a calibrated score instead."""

    model: str
    ner_model: str | None
    confidence_beam: int
    confidence_map: Path | None = None


@dataclass(frozen=True)
class GazetteerSettings:
    """The gazetteer file (names, patterns, not_names; see its header)."""

    path: Path


@dataclass(frozen=True)
class TimesSettings:
    """The time annotator's parameters (``preannotate.times``, owned by that annotator)."""

    params: Mapping[str, Any]


@dataclass(frozen=True)
class Registered:
    """A component name: its kind and how its chain entry becomes settings."""

    kind: str
    parse: Callable[[Mapping[str, Any], str, Mapping[str, Any], Path], object]


def _model_name(value: str, base: Path) -> str:
    """A package name stays as it is; a folder (it has a path separator) is resolved
    against the params file's folder, so params.yaml can name ``models/NAME``."""
    return str(resolve(value, base)) if "/" in value or value.startswith(".") else value


def _spacy(entry: Mapping[str, Any], where: str, _: Mapping[str, Any], base: Path) -> object:
    model = entry.get("model")
    if not isinstance(model, str) or not model:
        raise PipelineError(f"params.yaml: '{where}.model' must name a spaCy pipeline")
    ner = entry.get("ner_model")
    beam = entry.get("confidence_beam")
    if not isinstance(beam, int) or beam < 0:
        raise PipelineError(f"params.yaml: '{where}.confidence_beam' must be 0 (off) or a width")
    calibration = entry.get("confidence_map")
    if calibration is not None and not isinstance(calibration, str):
        raise PipelineError(f"params.yaml: '{where}.confidence_map' must be a file or null")
    return SpacySettings(
        _model_name(model, base),
        _model_name(ner, base) if ner else None,
        beam,
        resolve(calibration, base) if calibration else None,
    )


def _gazetteer(entry: Mapping[str, Any], where: str, _: Mapping[str, Any], base: Path) -> object:
    if not isinstance(entry.get("path"), str):
        raise PipelineError(f"params.yaml: '{where}.path' must name the gazetteer file")
    return GazetteerSettings(resolve(entry["path"], base))


def _times(_e: Mapping[str, Any], _w: str, section: Mapping[str, Any], _b: Path) -> object:
    if not isinstance(section.get("times"), dict):
        raise PipelineError("params.yaml: missing mapping 'preannotate.times'")
    return TimesSettings(dict(section["times"]))


def _events(_e: Mapping[str, Any], _w: str, section: Mapping[str, Any], _b: Path) -> object:
    if not isinstance(section.get("events"), dict):
        raise PipelineError("params.yaml: missing mapping 'preannotate.events'")
    return EventRules.from_params(section["events"])


def _rule(cls: Any) -> Callable[[Mapping[str, Any], str, Mapping[str, Any], Path], object]:
    def parse(entry: Mapping[str, Any], where: str, _s: Mapping[str, Any], _b: Path) -> object:
        try:
            return cls.from_entry(entry, where)
        except KeyError as exc:
            raise PipelineError(f"params.yaml: '{where}' lacks setting {exc}") from None

    return parse


REGISTRY: dict[str, Registered] = {
    "times": Registered(ANNOTATOR, _times),
    "spacy": Registered(RECOGNIZER, _spacy),
    "strip_leading": Registered(STEP, _rule(StripLeading)),
    "person_titles": Registered(STEP, _rule(PersonTitles)),
    "min_chars": Registered(STEP, _rule(MinChars)),
    "capitalised": Registered(STEP, _rule(Capitalised)),
    "demonyms": Registered(STEP, _rule(Demonyms)),
    "gazetteer": Registered(STEP, _gazetteer),
    "propagate": Registered(STEP, lambda _e, _w, _s, _b: Propagate()),
    "honorifics": Registered(STEP, _rule(Honorifics)),
    "events": Registered(EVENTS, _events),
}


@dataclass(frozen=True)
class ChainEntry:
    """One component of the chain: its registered name and its settings."""

    component: str
    settings: object

    @property
    def kind(self) -> str:
        return REGISTRY[self.component].kind


@dataclass(frozen=True)
class ChainConfig:
    """Everything pre-annotation needs, read once from ``preannotate`` in params.yaml."""

    chain: tuple[ChainEntry, ...]
    taxonomy: Path
    batch_size: int
    n_process: int
    parse_trigger_sentences_only: bool
    row_group_size: int

    @classmethod
    def from_params(cls, section: Mapping[str, Any], base: Path) -> ChainConfig:
        """Parse ``preannotate`` (``base``: the folder paths in it are relative to)."""
        raw = section.get("chain")
        if not isinstance(raw, list) or not raw:
            raise PipelineError("params.yaml: 'preannotate.chain' must list the components")
        entries = []
        for number, entry in enumerate(raw):
            where = f"preannotate.chain[{number}]"
            name = entry.get("component") if isinstance(entry, dict) else None
            if name not in REGISTRY:
                known = ", ".join(sorted(REGISTRY))
                raise PipelineError(f"params.yaml: '{where}.component' must be one of {known}")
            entries.append(ChainEntry(name, REGISTRY[name].parse(entry, where, section, base)))
        return cls(
            chain=tuple(entries),
            taxonomy=resolve(section["taxonomy"], base),
            batch_size=int(section["batch_size"]),
            n_process=int(section["n_process"]),
            parse_trigger_sentences_only=bool(section["parse_trigger_sentences_only"]),
            row_group_size=int(section["row_group_size"]),
        )

    def with_ner_model(self, model: str | None) -> ChainConfig:
        """This chain with ``model`` (a trained model folder) as every recognizer's
        ``ner_model``, as params.yaml's ``ner_model`` would set it; None: unchanged."""
        if model is None:
            return self
        chain = tuple(
            ChainEntry(e.component, dataclasses.replace(e.settings, ner_model=model))
            if isinstance(e.settings, SpacySettings)
            else e
            for e in self.chain
        )
        return dataclasses.replace(self, chain=chain)


def _steps_of(entries: Sequence[ChainEntry], start: int) -> list[ChainEntry]:
    """The step and events entries that belong to the recognizer at ``start``."""
    out = []
    for entry in entries[start + 1 :]:
        if entry.kind in (ANNOTATOR, RECOGNIZER):
            break
        out.append(entry)
    return out


def build_chain(config: ChainConfig, n_process: int | None = None) -> tuple[list[Annotator], str]:
    """The annotators in chain order, and the version of the one taxonomy they all use."""
    from pipeline.annotate.linguistic import LinguisticAnnotator
    from pipeline.annotate.times import TimeAnnotator
    from pipeline.taxonomy import load_taxonomy

    annotators: list[Annotator] = []
    taxonomy = load_taxonomy(config.taxonomy)
    entries = config.chain
    for number, entry in enumerate(entries):
        if entry.kind in (STEP, EVENTS):
            if not any(e.kind == RECOGNIZER for e in entries[:number]):
                raise PipelineError(
                    f"params.yaml: 'preannotate.chain[{number}]' ({entry.component}) needs "
                    "a recognizer (spacy) before it"
                )
            continue
        if entry.kind == ANNOTATOR:
            assert isinstance(entry.settings, TimesSettings)
            annotators.append(TimeAnnotator(entry.settings.params))
            continue
        assert isinstance(entry.settings, SpacySettings)
        steps: list[EntityStep] = []
        gazetteer = None
        events = None
        for sub in _steps_of(entries, number):
            if isinstance(sub.settings, GazetteerSettings):
                from pipeline.annotate.entities import GazetteerStep, load_gazetteer

                if gazetteer is not None:
                    raise PipelineError("params.yaml: 'preannotate.chain' has two gazetteers")
                gazetteer = load_gazetteer(sub.settings.path, taxonomy.entity_labels)
                steps.append(GazetteerStep(gazetteer))
            elif isinstance(sub.settings, EventRules):
                events = sub.settings
            else:
                steps.append(sub.settings)  # type: ignore[arg-type]
        annotators.append(
            LinguisticAnnotator(
                entry.settings,
                taxonomy,
                steps=steps,
                gazetteer=gazetteer,
                events=events,
                batch_size=config.batch_size,
                n_process=n_process if n_process is not None else config.n_process,
                parse_all=not config.parse_trigger_sentences_only,
            )
        )
    return annotators, taxonomy.version


def load_chain_config() -> ChainConfig:
    """The command boundary: params.yaml's ``preannotate`` section, read once."""
    from pipeline.params import load_params, params_path

    return ChainConfig.from_params(load_params("preannotate"), params_path().resolve().parent)


def load_time_annotator() -> TimeAnnotator:
    """The command boundary for the evals that score times without the rest of the chain:
    a time annotator from params.yaml's ``preannotate.times``."""
    from pipeline.annotate.times import TimeAnnotator
    from pipeline.params import load_params

    settings = _times({}, "preannotate.times", load_params("preannotate"), Path())
    assert isinstance(settings, TimesSettings)
    return TimeAnnotator(settings.params)


def load_chain(n_process: int | None = None) -> tuple[list[Annotator], str, ChainConfig]:
    """params.yaml -> config -> chain, for commands and tests that run the configured chain."""
    config = load_chain_config()
    annotators, taxonomy_version = build_chain(config, n_process)
    return annotators, taxonomy_version, config
