"""``pipeline eval events``: typed events against gold (JSONL or ISO-TimeML), next to a
baseline row.

Both rows come from one ``nlp.pipe`` pass over the gold texts (every sentence parsed, so the
context rules can also be asked about gold triggers the rules did not find):

- ``ours``: ``EventExtractor`` exactly as pre-annotation runs it, on our entities and on the
  time annotator's expressions resolved against the document date;
- ``baseline``: every token whose lemma (or word) is a taxonomy trigger, of any part of
  speech, typed with that lemma's type and mode; negated when a negation word stands within
  three tokens of it, hypothetical when its sentence holds a conditional verb or "si"; actor
  the nearest name (PER/ORG/LOC) before it in the sentence, recipient the nearest after,
  date the sentence's first time expression.

Gold documents marked ``developer_annotated`` are counted and flagged in the output: such
figures are only as good as the developer's annotation (see ``event_gold.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from pipeline.annotate.events import EventExtractor, confidence_key, parsed_sentences
from pipeline.console import error_line, out_console, track
from pipeline.errors import PipelineError
from pipeline.evaluate.event_confidence import fit_confidence, outcomes
from pipeline.evaluate.event_gold import GoldDocument, read_gold
from pipeline.evaluate.event_scoring import (
    FLAGS,
    TRIGGER_MODES,
    EventScores,
    PredictedArgument,
    PredictedEvent,
    Prediction,
    score_events,
)
from pipeline.io import atomic_open
from pipeline.params import load_params, require_keys
from pipeline.schema import Entity, Event, TimeExpression
from pipeline.taxonomy import Taxonomy

BASELINE = "baseline"
OURS = "ours"
_NAMES = frozenset({"PER", "ORG", "LOC"})
_WINDOW = 3


@dataclass(frozen=True)
class EvalConfig:
    """``eval_events`` in params.yaml: the type group the target is stated on, the number of
    bins of the calibration error, and the prior of the confidence fit."""

    verbal_types: tuple[str, ...]
    calibration_bins: int
    confidence_prior_strength: float

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> EvalConfig:
        """From params.yaml's ``eval_events`` section; a missing key is one line."""
        names = ("verbal_types", "calibration_bins", "confidence_prior_strength")
        require_keys(params, "eval_events", names)
        return cls(
            tuple(params["verbal_types"]),
            int(params["calibration_bins"]),
            float(params["confidence_prior_strength"]),
        )


# --------------------------------------------------------------------------- conversion
def predicted(
    events: Iterable[Event], times: Sequence[TimeExpression], doc: Any
) -> list[PredictedEvent]:
    """Schema events as the scorer's events (a date argument carries its time's value; the
    confidence key is read off the processed ``doc``)."""
    values = {t.id: t.value for t in times}

    def key(e: Event) -> str | None:
        span = doc.char_span(e.trigger_start, e.trigger_end, alignment_mode="expand")
        return confidence_key(e.type, span[0].pos_) if span is not None else None

    return [
        PredictedEvent(
            e.trigger_start,
            e.trigger_end,
            e.type,
            e.mode,
            e.negated,
            e.hypothetical,
            tuple(
                PredictedArgument(
                    a.role, a.start, a.end, a.ref is not None, values.get(a.ref or "")
                )
                for a in e.arguments
            ),
            e.score,
            key(e),
        )
        for e in events
    ]


# ------------------------------------------------------------------------------ baseline
class LemmaBaseline:
    """The baseline row (see the module docstring)."""

    def __init__(self, taxonomy: Taxonomy, negation: frozenset[str], marks: frozenset[str]):
        self.taxonomy = taxonomy
        self.index = taxonomy.trigger_index()
        self.longest = max(len(k) for k in self.index)
        self.negation = negation
        self.marks = marks

    def _flags(self, sent: Any, first: int, last: int) -> tuple[bool, bool]:
        lo, hi = max(sent.start, first - _WINDOW), min(sent.end, last + _WINDOW + 1)
        negated = any(t.lower_ in self.negation for t in sent.doc[lo:hi])
        hypothetical = any("Cnd" in t.morph.get("Mood") or t.lower_ in self.marks for t in sent)
        return negated, hypothetical

    def events(
        self, doc: Any, entities: Sequence[Entity], times: Sequence[TimeExpression]
    ) -> list[PredictedEvent]:
        names = [e for e in entities if e.label in _NAMES]
        out = []
        for sent in doc.sents:
            i = sent.start
            while i < sent.end:
                for n in range(min(self.longest, sent.end - i), 0, -1):
                    toks = doc[i : i + n]
                    lemmas = tuple(t.lemma_.lower() for t in toks)
                    key = lemmas if lemmas in self.index else tuple(t.lower_ for t in toks)
                    if key in self.index:
                        out.append(self._event(sent, toks, key, names, times))
                        i += n - 1
                        break
                i += 1
        return out

    def _event(
        self,
        sent: Any,
        toks: Any,
        key: tuple[str, ...],
        names: Sequence[Entity],
        times: Sequence[TimeExpression],
    ) -> PredictedEvent:
        etype = self.index[key]
        start, end = toks.start_char, toks.end_char
        s_lo, s_hi = sent.start_char, sent.end_char
        before = [e for e in names if s_lo <= e.start and e.end <= start]
        after = [e for e in names if end <= e.start and e.end <= s_hi]
        arguments = []
        if before:
            a = max(before, key=lambda e: e.end)
            arguments.append(PredictedArgument("actor", a.start, a.end, True))
        if after:
            r = min(after, key=lambda e: e.start)
            arguments.append(PredictedArgument("recipient", r.start, r.end, True))
        dates = [t for t in times if s_lo <= t.start and t.end <= s_hi]
        if dates:
            arguments.append(
                PredictedArgument("date", dates[0].start, dates[0].end, True, dates[0].value)
            )
        negated, hypothetical = self._flags(sent, toks.start, toks.end - 1)
        return PredictedEvent(
            start,
            end,
            etype,
            self.taxonomy.event_types[etype].mode_of(" ".join(key)),
            negated,
            hypothetical,
            tuple(arguments),
        )

    def gold_flags(self, doc: Any, gold: GoldDocument) -> list[tuple[bool, bool]]:
        out = []
        for g in gold.events:
            span = doc.char_span(g.start, g.end, alignment_mode="expand")
            out.append(self._flags(span.sent, span.start, span.end - 1) if span else (False, False))
        return out


def _ours_gold_flags(
    extractor: EventExtractor, doc: Any, gold: GoldDocument
) -> list[tuple[bool, bool]]:
    """Our context rules on the head word of every gold trigger span."""
    sentences = list(parsed_sentences(doc))
    out = []
    for g in gold.events:
        flags = (False, False)
        for base, sub in sentences:
            if base <= g.start < base + len(sub.text):
                span = sub.char_span(g.start - base, g.end - base, alignment_mode="expand")
                if span is not None:
                    flags = extractor.context_flags(span.root)
                break
        out.append(flags)
    return out


# ---------------------------------------------------------------------------------- run
def predict(
    documents: Iterable[GoldDocument], annotator: Any, time_annotator: Any
) -> Iterator[tuple[GoldDocument, Prediction, Prediction]]:
    """(gold, ours, baseline) per document, streaming, one model pass for both systems."""
    extractor: EventExtractor = annotator.extractor
    rules = extractor.rules  # the baseline uses the chain's own negation and marks
    baseline = LemmaBaseline(annotator.taxonomy, rules.negation, rules.hypothetical_marks)
    for doc, gold in annotator.docs((d.text, d) for d in documents):
        entities = annotator.entities(gold.id, doc)
        times = time_annotator.times_for(gold.id, gold.text, gold.date)
        ours = extractor.doc_events(gold.id, doc, entities, times)
        yield (
            gold,
            Prediction(predicted(ours, times, doc), _ours_gold_flags(extractor, doc, gold)),
            Prediction(baseline.events(doc, entities, times), baseline.gold_flags(doc, gold)),
        )


Row = tuple[GoldDocument, Prediction, Prediction]


def score_rows(rows: Sequence[Row], taxonomy: Taxonomy) -> dict[str, EventScores]:
    """Score the (gold, ours, baseline) rows ``predict`` made."""
    types = list(taxonomy.event_types)
    roles = list(taxonomy.roles)
    return {
        OURS: score_events(((g, o) for g, o, _ in rows), types, roles),
        BASELINE: score_events(((g, b) for g, _, b in rows), types, roles),
    }


# ---------------------------------------------------------------------------------- CLI
def write_confidence(
    path: Path,
    gold: Path,
    pairs: list[tuple[GoldDocument, Sequence[PredictedEvent]]],
    config: EvalConfig,
) -> None:
    """Fit the confidence table on our events and write it atomically, saying its source."""
    import yaml

    results = outcomes(pairs)
    if not results:
        raise PipelineError(f"{gold}: no scored predictions to fit a confidence table on")
    table = fit_confidence(results, config.confidence_prior_strength)
    header = (
        "# Event confidence: precision of our events by TYPE|POS, POS and overall (*), fitted\n"
        f"# by `pipeline eval events --fit-confidence` on {gold.name} ({len(results)} events).\n"
    )
    with atomic_open(path) as fh:
        fh.write(header + yaml.safe_dump({"precision": table}, sort_keys=False, allow_unicode=True))


def _prf(table: Table, system: str, row: str, c: Any, style: str | None = None) -> None:
    table.add_row(
        system, row, f"{c.precision:.3f}" if c.pred else "-", f"{c.recall:.3f}" if c.gold else "-",
        f"{c.f1:.3f}" if c.pred and c.gold else "-", str(c.gold), str(c.pred), style=style,
    )  # fmt: skip


def _tables(scores: dict[str, EventScores], config: EvalConfig, title: str) -> list[Table]:
    spans = Table(title=f"Events vs {title}: P/R/F1 ('-': not scored on this gold)")
    for column in ("system", "measure", "P", "R", "F1", "gold", "pred"):
        spans.add_column(column, justify="left" if column in ("system", "measure") else "right")
    acc = Table(title=f"Events vs {title}: accuracies and calibration")
    for column in ("system", "measure", "value", "correct", "total"):
        acc.add_column(column, justify="left" if column in ("system", "measure") else "right")
    for name in (BASELINE, OURS):
        s = scores[name]
        for mode in TRIGGER_MODES:
            _prf(spans, name, f"trigger {mode}", s.triggers[mode], "bold")
        for mode in TRIGGER_MODES:
            _prf(spans, name, f"typed verbal {mode}", s.typed(mode, config.verbal_types))
        for etype, rows in s.per_type.items():
            if rows["overlap"].gold or rows["overlap"].pred:
                _prf(spans, name, f"  {etype} overlap", rows["overlap"])
        for flag in FLAGS:
            _prf(spans, name, f"{flag} (matched)", s.flags[flag])
            _prf(spans, name, f"{flag} (every gold trigger)", s.context_flags[flag])
        for role, rows in s.arguments.items():
            for kind, c in rows.items():
                _prf(spans, name, f"arg {role} {kind}", c)
        spans.add_section()
        ece = s.ece(config.calibration_bins)
        for label, ratio in (
            ("type accuracy", s.type_accuracy),
            ("mode accuracy", s.mode_accuracy),
            ("date argument coverage", s.date_coverage),
            ("date value accuracy", s.date_value),
        ):
            acc.add_row(name, label, f"{ratio.value:.3f}" if ratio.total else "-",
                        str(ratio.correct), str(ratio.total))  # fmt: skip
        acc.add_row(name, "ECE", "-" if ece is None else f"{ece:.3f}", "", str(len(s.scored)))
        acc.add_section()
    return [spans, acc]


def eval_events(
    gold: Annotated[
        Path, typer.Option("--gold", help="JSONL gold file, .tml file, or a folder of them.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print figures as JSON.")] = False,
    fit_confidence: Annotated[
        Path | None,
        typer.Option(
            "--fit-confidence",
            help="Also write the event confidence table fitted on this gold (YAML).",
        ),
    ] = None,
) -> None:
    """Trigger, type, mode, negation, hypothetical, argument and date-value scores of our
    events and of the lemma baseline, computed in the same run."""
    from pipeline.annotate.registry import load_time_annotator
    from pipeline.evaluate.entities import chain_parts

    config = EvalConfig.from_params(load_params("eval_events"))
    annotator, time_annotator = chain_parts(parse_all=True)
    types = frozenset(annotator.taxonomy.event_types)
    documents = list(read_gold(gold, types, error_line))
    if not documents:
        raise PipelineError(f"{gold}: no gold documents")
    rows = list(
        predict(
            track(documents, "scoring", total=len(documents)),
            annotator,
            time_annotator or load_time_annotator(),
        )
    )
    scores = score_rows(rows, annotator.taxonomy)
    if fit_confidence is not None:
        write_confidence(fit_confidence, gold, [(g, o.events) for g, o, _ in rows], config)
    developer = sum(d.developer_annotated for d in documents)
    kinds = {
        "typed": any(d.events and d.events[0].type for d in documents),
        "partial": sum(d.partial for d in documents),
        "superset": sum(d.superset for d in documents),
    }
    if as_json:
        payload = {
            "gold": str(gold),
            "documents": len(documents),
            "gold_kinds": kinds,
            "developer_annotated_documents": developer,
            "systems": {
                k: v.as_dict({"verbal": config.verbal_types}, config.calibration_bins)
                for k, v in scores.items()
            },
            "ours": annotator.version,
        }
        out_console.print_json(json.dumps(payload, ensure_ascii=False))
        return
    title = f"{gold.name} ({len(documents)} documents)"
    for table in _tables(scores, config, title):
        out_console.print(table)
    out_console.print(
        f"gold: {kinds['partial']} partial documents (precision not scored), "
        f"{kinds['superset']} superset documents (recall not scored)"
    )
    if developer:
        out_console.print(
            f"{developer} documents are DEVELOPER-ANNOTATED gold, not independent human gold"
        )
    out_console.print(f"ours = {annotator.name}@{annotator.version}")
