"""Build the one spaCy pipeline pre-annotation runs: model, sentences, gazetteer, trigger parse.

``spacy.load`` costs 5-7 s (tokenizer regexes), so the pipeline is built once per process and
every article flows through ``nlp.pipe``. What the stock model does is kept as it is (its
``doc.ents`` stay the raw model output, which is what the evaluation's baseline row scores);
the gazetteer writes to ``doc.spans["gazetteer"]`` and the merge with the model happens in
``entities.py`` under an explicit precedence rule.

The dependency parser is about a third of the model's cost and only events need it, so it is
disabled in the main pipe and a small component runs it on the sentences that hold a trigger
candidate. It parses each such sentence as its own ``Doc`` (``Span.as_doc`` copies the shared
tok2vec output, which the parser's listener reads at prediction time, so the parse sees the
same features as a whole-document parse) and stores heads and labels in ``doc.user_data``,
which survives the pickling between ``n_process`` workers.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy

from pipeline.errors import PipelineError

GAZETTEER_KEY = "gazetteer"
PARSES_KEY = "pipeline.parses"
PARSER_COMPONENT = "trigger_sentence_parser"
LINE_BREAKS = "line_break_sentences"
_CANDIDATE_POS = frozenset({"VERB", "NOUN", "ADJ", "PROPN", "X"})


def model_source(nlp: Any) -> str:
    """``spacy:<package>@<version>`` of a loaded pipeline, e.g. spacy:fr_core_news_md@3.8.0."""
    return f"spacy:{nlp.meta['lang']}_{nlp.meta['name']}@{nlp.meta['version']}"


def load_model(name: str, disable: Iterable[str] = ()) -> Any:
    """Load an installed spaCy package (never downloads); a missing one is a one-line error."""
    import spacy

    try:
        return spacy.load(name, disable=list(disable))
    except OSError as exc:
        raise PipelineError(
            f"spaCy model '{name}' is not installed (install its package; nothing is "
            "downloaded at run time)"
        ) from exc


class TriggerSentenceParser:
    """Run the (disabled) parser on sentences that hold a trigger candidate lemma.

    Stores ``[sentence start token, heads relative to the sentence, dependency labels]`` per
    parsed sentence in ``doc.user_data[PARSES_KEY]``. With ``parse_all`` every sentence is
    parsed (used to measure what the selective parse saves).
    """

    def __init__(self, nlp: Any, name: str, lemmas: list[str], parse_all: bool) -> None:
        self.nlp = nlp
        self.name = name
        self.parse_all = parse_all
        self.lemma_ids = numpy.array(
            sorted(nlp.vocab.strings.add(lemma) for lemma in lemmas), dtype="uint64"
        )
        self.pos_ids = numpy.array(
            sorted(nlp.vocab.strings.add(pos) for pos in _CANDIDATE_POS), dtype="uint64"
        )

    def _wanted(self, doc: Any) -> list[Any]:
        """The sentences holding a trigger candidate (one vectorised pass over the doc)."""
        sents = list(doc.sents)
        if self.parse_all:
            return sents
        from spacy.attrs import LEMMA, LOWER, POS

        values = doc.to_array([LEMMA, LOWER, POS])
        hits = (
            numpy.isin(values[:, 0], self.lemma_ids) | numpy.isin(values[:, 1], self.lemma_ids)
        ) & numpy.isin(values[:, 2], self.pos_ids)
        positions = numpy.flatnonzero(hits)
        if not len(positions):
            return []
        starts = numpy.array([s.start for s in sents])
        chosen = set(numpy.searchsorted(starts, positions, side="right") - 1)
        return [sents[i] for i in sorted(chosen)]

    def __call__(self, doc: Any) -> Any:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Any], batch_size: int = 32) -> Iterator[Any]:
        """Parse the wanted sentences of a whole batch of docs in one parser call: the
        parser's cost per call is high, so one call per document would eat the saving."""
        from spacy.util import minibatch

        parser = self.nlp.get_pipe("parser")
        for batch in minibatch(docs, size=batch_size):  # type: ignore[no-untyped-call]
            owners: list[tuple[Any, int]] = []
            subs = []
            for doc in batch:
                doc.user_data[PARSES_KEY] = []
                for sent in self._wanted(doc):
                    owners.append((doc, sent.start))
                    subs.append(sent.as_doc())
            for (doc, start), sub in zip(
                owners, parser.pipe(subs, batch_size=len(subs) or 1), strict=True
            ):
                heads = [t.head.i - t.i for t in sub]
                doc.user_data[PARSES_KEY].append([start, heads, [t.dep_ for t in sub]])
            for doc in batch:
                # nothing downstream reads the tok2vec output: dropping it keeps what
                # n_process workers send back to the main process small
                doc.tensor = numpy.zeros((0,), dtype="float32")
            yield from batch


def line_breaks(doc: Any) -> Any:
    """Start a sentence after every line break: titles and headings end without a full stop,
    and a title glued to the first paragraph would mix the arguments of two sentences."""
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if previous.is_space and "\n" in previous.text and not token.is_space:
            token.is_sent_start = True
    return doc


def _register() -> None:
    from spacy.language import Language

    if Language.has_factory(PARSER_COMPONENT):
        return
    Language.component(LINE_BREAKS, func=line_breaks)

    @Language.factory(PARSER_COMPONENT, default_config={"lemmas": [], "parse_all": False})
    def make_trigger_parser(
        nlp: Language, name: str, lemmas: list[str], parse_all: bool
    ) -> TriggerSentenceParser:
        return TriggerSentenceParser(nlp, name, lemmas, parse_all)


def build_nlp(
    model: str,
    gazetteer_patterns: list[dict[str, Any]] | None,
    trigger_lemmas: Iterable[str] | None,
    parse_all: bool = False,
    *,
    ner_model: str | None = None,
) -> tuple[Any, str]:
    """The pre-annotation pipeline and the source of its entities.

    Model (parser disabled), sentencizer, then the gazetteer ruler when the chain has a
    gazetteer and the trigger-sentence parse when it has events. With ``ner_model`` that
    pipeline's NER replaces the model's (a fine-tune of the same model shares its vectors),
    and the entities' source is the fine-tune, not the stock model.
    """
    _register()
    nlp = load_model(model, disable=["parser"])
    source = model_source(nlp)
    if ner_model is not None:
        ner_nlp = load_model(ner_model)
        if "ner" not in ner_nlp.pipe_names:
            raise PipelineError(f"spaCy model '{ner_model}' has no ner component")
        if "ner" in nlp.component_names:
            nlp.remove_pipe("ner")
        nlp.add_pipe("ner", source=ner_nlp)
        source = model_source(ner_nlp)
    if trigger_lemmas is not None and "parser" not in nlp.component_names:
        raise PipelineError(f"spaCy model '{model}' has no parser, which events need")
    nlp.add_pipe("sentencizer", last=True)
    nlp.add_pipe(LINE_BREAKS, last=True)
    if gazetteer_patterns is not None:
        ruler = nlp.add_pipe(
            "span_ruler",
            name="gazetteer",
            last=True,
            config={"spans_key": GAZETTEER_KEY, "annotate_ents": False, "validate": True},
        )
        with warnings.catch_warnings():
            # W012: the ruler runs the preceding components over phrase patterns; they are
            # needed for the token patterns that test POS, and cost well under a second.
            warnings.filterwarnings("ignore", message=r"\[W012\]")
            ruler.add_patterns(gazetteer_patterns)
    if trigger_lemmas is not None:
        nlp.add_pipe(
            PARSER_COMPONENT,
            last=True,
            config={
                "lemmas": sorted({lemma.split()[0] for lemma in trigger_lemmas}),
                "parse_all": parse_all,
            },
        )
    return nlp, source


def resolve(path_value: str | Path, base: Path) -> Path:
    """A path from params.yaml, relative to the folder of the params file."""
    path = Path(path_value)
    return path if path.is_absolute() else base / path
