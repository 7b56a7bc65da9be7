"""The spaCy component: entities (model + gazetteer + rules) and events, in one pass.

Entities and events need the same tokens, lemmas and sentences, so they share one
``nlp.pipe`` run; splitting them into two annotators would run the model twice. The time
annotator runs before this one, so events can link the article's time expressions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from pipeline.annotate.confidence import (
    ConfidenceMap,
    beam_agreement,
    beam_parses,
    load_confidence_map,
    span_features,
    span_scores,
)
from pipeline.annotate.entities import (
    GAZETTEER,
    MODEL,
    EntitySpan,
    EntityStep,
    Gazetteer,
    doc_entity_spans,
    to_entities,
)
from pipeline.annotate.entity_rules import steps_fingerprint
from pipeline.annotate.events import EventExtractor, EventRules
from pipeline.annotate.nlp import build_nlp
from pipeline.annotate.registry import SpacySettings
from pipeline.errors import PipelineError
from pipeline.schema import Entity, PreannotatedArticle
from pipeline.taxonomy import Taxonomy, TaxonomyError

C = TypeVar("C")


class LinguisticAnnotator:
    """Adds entities and events to each article (an ``Annotator``).

    Built from settings only (``registry.build_chain`` makes it from params.yaml's chain):
    the recognizer, the entity steps in order, the gazetteer if the chain has one, and the
    event rules if it has events. ``version`` joins the model's version with the gazetteer,
    rule-settings, taxonomy, confidence-map and event-rules fingerprints, so a changed name
    list, rule, trigger lexicon or actor lexicon shows in every article's ``model_version``.
    """

    name = "spacy-rules"

    def __init__(
        self,
        recognizer: SpacySettings,
        taxonomy: Taxonomy,
        *,
        steps: list[EntityStep],
        gazetteer: Gazetteer | None,
        events: EventRules | None,
        batch_size: int,
        n_process: int,
        parse_all: bool,
    ) -> None:
        self.taxonomy = taxonomy
        self.gazetteer = gazetteer
        self.steps = steps
        self.extractor = EventExtractor(taxonomy, events) if events is not None else None
        triggers = (
            [t for e in taxonomy.event_types.values() for t in e.triggers] if events else None
        )
        self.nlp, self.model_source = build_nlp(
            recognizer.model,
            gazetteer.patterns if gazetteer else None,
            triggers,
            parse_all,
            ner_model=recognizer.ner_model,
        )
        # labels the model can emit must exist in the taxonomy, else they would reach
        # Label Studio and releases as labels nobody defined
        ner = self.nlp.get_pipe("ner") if self.nlp.has_pipe("ner") else None
        unknown = sorted(set(ner.labels if ner else ()) - set(taxonomy.entity_labels))
        if unknown:
            raise TaxonomyError(
                f"{taxonomy.path}: entity_labels lacks {', '.join(unknown)}, "
                f"which the model {recognizer.ner_model or recognizer.model} assigns"
            )
        self.batch_size = batch_size
        self.n_process = n_process
        self.sources = {MODEL: self.model_source}
        version = self.model_source.split(":", 1)[1]
        if gazetteer is not None:
            self.sources[GAZETTEER] = gazetteer.source
            version += f"+gazetteer.{gazetteer.fingerprint}"
        self.confidence_beam = recognizer.confidence_beam
        if self.confidence_beam:
            version += f"+beam.{self.confidence_beam}"
        #: the version without the calibration map: what a map is fitted on
        self.chain_version = (
            f"{version}+rules.{steps_fingerprint(steps)}+taxonomy.{taxonomy.version}"
        )
        self.confidence_map: ConfidenceMap | None = None
        if recognizer.confidence_map is not None:
            self.confidence_map = load_confidence_map(recognizer.confidence_map)
            if self.confidence_map.beam != self.confidence_beam:
                raise PipelineError(
                    f"{recognizer.confidence_map}: fitted with confidence_beam "
                    f"{self.confidence_map.beam}, the chain runs {self.confidence_beam}"
                )
        self.problems: list[str] = []
        self.version = (
            self.chain_version
            if self.confidence_map is None
            else f"{self.chain_version}+confidence.{self.confidence_map.fingerprint}"
        )
        if events is not None:
            self.version += f"+events.{events.fingerprint}"

    def docs(self, items: Iterable[tuple[str, C]]) -> Iterator[tuple[Any, C]]:
        """Run the pipeline over (text, context) pairs, streaming, in order."""
        yield from self.nlp.pipe(
            items, as_tuples=True, batch_size=self.batch_size, n_process=self.n_process
        )

    def entities(
        self, article_id: str, doc: Any, steps: list[EntityStep] | None = None
    ) -> list[Entity]:
        """This component's entities for one processed text (``steps``: other steps than
        the chain's, which is how the ablation scores the chain without one of them; those
        are left unscored, the beam costing as much again as the NER). The score is the
        calibration map's when the chain has one, else the raw beam probability."""
        spans = doc_entity_spans(doc, self.steps if steps is None else steps)
        scores: dict[EntitySpan, float] = {}
        if steps is None and self.confidence_map is not None:
            features = self.span_features(doc, spans)
            scores = {s: self.confidence_map.probability(f) for s, f in features.items()}
        elif self.confidence_beam and steps is None:
            scores = span_scores(spans, beam_parses(self.nlp, doc, self.confidence_beam))
        return to_entities(article_id, doc, spans, self.sources, scores)

    def span_features(
        self, doc: Any, spans: list[EntitySpan]
    ) -> dict[EntitySpan, dict[str, float]]:
        """The calibration features of each span (with the beam agreement if a beam runs)."""
        beam = None
        if self.confidence_beam:
            parses = beam_parses(self.nlp, doc, self.confidence_beam)
            beam = {span: beam_agreement(span, parses) for span in spans}
        return span_features(doc, spans, beam)

    def featured_entities(self, article_id: str, doc: Any) -> list[tuple[Entity, dict[str, float]]]:
        """Each entity of the chain with its calibration features (to fit a map)."""
        spans = doc_entity_spans(doc, self.steps)
        features = self.span_features(doc, spans)
        entities = to_entities(article_id, doc, spans, self.sources)
        return [(e, features[s]) for e, s in zip(entities, spans, strict=True)]

    def _guarded(
        self, articles: Iterable[PreannotatedArticle]
    ) -> Iterator[tuple[str, PreannotatedArticle]]:
        """(text, article) pairs; a text over spaCy's ``max_length`` would stop the whole
        pipe, so it goes through empty (the article keeps no labels from this component)
        and the reason is recorded in ``problems`` for the command to report."""
        limit = self.nlp.max_length
        for article in articles:
            if len(article.text) > limit:
                self.problems.append(
                    f"{article.source.path}: article {article.id} has {len(article.text)} "
                    f"characters, over the model's limit of {limit}: no entities or events"
                )
                yield "", article
            else:
                yield article.text, article

    def annotate(self, articles: Iterable[PreannotatedArticle]) -> Iterator[PreannotatedArticle]:
        """Yield each article with its entities and events added (streaming, order kept)."""
        for doc, article in self.docs(self._guarded(articles)):
            if len(doc.text) != len(article.text):
                yield article
                continue
            entities = self.entities(article.id, doc)
            events = (
                self.extractor.doc_events(article.id, doc, entities, article.times)
                if self.extractor
                else []
            )
            yield dataclasses.replace(
                article,
                entities=[*article.entities, *entities],
                events=[*article.events, *events],
            )
