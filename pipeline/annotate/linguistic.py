"""The spaCy component: entities (model + gazetteer + rules) and events, in one pass.

Entities and events need the same tokens, lemmas and sentences, so they share one
``nlp.pipe`` run; splitting them into two annotators would run the model twice. The time
annotator runs before this one, so events can link the article's time expressions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from pipeline.annotate.entities import (
    GAZETTEER,
    MODEL,
    EntityRules,
    doc_entity_spans,
    load_gazetteer,
    to_entities,
)
from pipeline.annotate.events import EventExtractor, EventRules
from pipeline.annotate.nlp import build_nlp, model_source, resolve
from pipeline.params import load_params, params_path
from pipeline.schema import Entity, PreannotatedArticle
from pipeline.taxonomy import Taxonomy, TaxonomyError, load_taxonomy

C = TypeVar("C")


class LinguisticAnnotator:
    """Adds entities and events to each article (an ``Annotator``).

    ``version`` joins the model's version with the gazetteer and taxonomy fingerprints, so a
    changed name list or trigger lexicon shows in every article's ``model_version``.
    """

    name = "spacy-rules"

    def __init__(
        self,
        params: dict[str, Any] | None = None,
        taxonomy: Taxonomy | None = None,
        *,
        n_process: int | None = None,
        parse_all: bool | None = None,
    ) -> None:
        params = params if params is not None else load_params("preannotate")
        base = params_path().resolve().parent
        self.taxonomy = taxonomy or load_taxonomy(resolve(params["taxonomy"], base))
        self.gazetteer = load_gazetteer(
            resolve(params["gazetteer"], base), self.taxonomy.entity_labels
        )
        self.rules = EntityRules.from_params(params, self.gazetteer)
        self.extractor = EventExtractor(self.taxonomy, EventRules.from_params(params["events"]))
        if parse_all is None:
            parse_all = not params["parse_trigger_sentences_only"]
        triggers = [t for e in self.taxonomy.event_types.values() for t in e.triggers]
        self.nlp = build_nlp(params["model"], self.gazetteer.patterns, triggers, parse_all)
        # labels the model can emit must exist in the taxonomy, else they would reach
        # Label Studio and releases as labels nobody defined
        ner = self.nlp.get_pipe("ner") if self.nlp.has_pipe("ner") else None
        unknown = sorted(set(ner.labels if ner else ()) - set(self.taxonomy.entity_labels))
        if unknown:
            raise TaxonomyError(
                f"{self.taxonomy.path}: entity_labels lacks {', '.join(unknown)}, "
                f"which the model {params['model']} assigns"
            )
        self.batch_size = int(params["batch_size"])
        self.n_process = int(n_process if n_process is not None else params["n_process"])
        self.model_source = model_source(self.nlp)
        self.sources = {MODEL: self.model_source, GAZETTEER: self.gazetteer.source}
        self.problems: list[str] = []
        self.version = (
            f"{self.model_source.split(':', 1)[1]}+gazetteer.{self.gazetteer.fingerprint}"
            f"+taxonomy.{self.taxonomy.version}"
        )

    def docs(self, items: Iterable[tuple[str, C]]) -> Iterator[tuple[Any, C]]:
        """Run the pipeline over (text, context) pairs, streaming, in order."""
        yield from self.nlp.pipe(
            items, as_tuples=True, batch_size=self.batch_size, n_process=self.n_process
        )

    def entities(self, article_id: str, doc: Any) -> list[Entity]:
        """This component's entities for one processed text."""
        return to_entities(article_id, doc, doc_entity_spans(doc, self.rules), self.sources)

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
            events = self.extractor.doc_events(article.id, doc, entities, article.times)
            yield dataclasses.replace(
                article,
                entities=[*article.entities, *entities],
                events=[*article.events, *events],
            )
