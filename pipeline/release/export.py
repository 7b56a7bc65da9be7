"""``release export``: a release as BIO CoNLL, spaCy ``DocBin`` or JSONL, offsets preserved.

Tokens come from a blank French spaCy pipeline (``spacy.blank("fr")``: the rule-based
tokenizer and sentencizer, no model download). An entity becomes tokens through
``Doc.char_span(..., alignment_mode="strict")``: a span whose edges fall inside a token is
*misaligned*, left out of the token-level formats and reported, never silently shifted.
Overlapping entities cannot both be token labels: the longer one is kept (then the earlier),
and the other reported. Time expressions and event triggers go to ``doc.spans["times"]`` and
``doc.spans["events"]`` in the DocBin; JSONL keeps everything with label names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError
from pipeline.io import atomic_open, atomic_path, write_jsonl
from pipeline.release.reader import iter_rows

FORMATS = ("conll", "spacy", "jsonl")
MAX_EXAMPLES = 5


@dataclass
class ExportStats:
    """Per-split counts and the first few problems, for the CLI summary."""

    records: Counter[str] = field(default_factory=Counter)
    entities: Counter[str] = field(default_factory=Counter)
    misaligned: Counter[str] = field(default_factory=Counter)
    overlapping: Counter[str] = field(default_factory=Counter)
    files: list[Path] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def problem(self, kind: Counter[str], split: str, text: str) -> None:
        kind[split] += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(text)


def _blank_fr() -> Any:
    import spacy

    nlp = spacy.blank("fr")
    nlp.add_pipe("sentencizer")
    return nlp


def _doc(nlp: Any, row: dict[str, Any], split: str, stats: ExportStats) -> Any:
    """A spaCy Doc of one record with its aligned, non-overlapping entities as ``ents``."""
    doc = nlp(row["text"])
    taken: set[int] = set()
    ents = []
    order = sorted(row["entities"], key=lambda e: (-(e["end"] - e["start"]), e["start"]))
    for e in order:
        span = doc.char_span(e["start"], e["end"], label=e["label"], alignment_mode="strict")
        where = f"{row['id']} {e['start']}-{e['end']} {e['label']} '{e['text']}'"
        if span is None:
            stats.problem(stats.misaligned, split, f"misaligned entity {where}")
            continue
        tokens = set(range(span.start, span.end))
        if tokens & taken:
            stats.problem(stats.overlapping, split, f"overlapping entity {where}")
            continue
        taken |= tokens
        ents.append(span)
    doc.ents = sorted(ents, key=lambda s: s.start)
    stats.entities[split] += len(ents)
    for key, items, start, end, label in (
        ("times", row["times"], "start", "end", "label"),
        ("events", row["events"], "trigger_start", "trigger_end", "type"),
    ):
        spans = [
            doc.char_span(x[start], x[end], label=x[label], alignment_mode="strict") for x in items
        ]
        doc.spans[key] = [s for s in spans if s is not None]
    doc.user_data["id"] = row["id"]
    doc.user_data["verified"] = row["verified"]
    return doc


def _conll_lines(doc: Any) -> Iterator[str]:
    """BIO lines (``token<TAB>tag``), a blank line between sentences, never inside an
    entity; whitespace tokens are skipped."""
    yield "-DOCSTART-\tO"
    yield ""
    started = False
    for token in doc:
        if token.is_space:
            continue
        tag = f"{token.ent_iob_}-{token.ent_type_}" if token.ent_iob_ in ("B", "I") else "O"
        if token.is_sent_start and started and token.ent_iob_ != "I":
            yield ""
        yield f"{token.text}\t{tag}"
        started = True
    if started:
        yield ""


def export(folder: Path, fmt: str, out_dir: Path) -> ExportStats:
    """Write ``out_dir/{split}.{conll,spacy,jsonl}`` for every split of a release."""
    if fmt not in FORMATS:
        raise PipelineError(f"unknown export format '{fmt}' (choose {', '.join(FORMATS)})")
    stats = ExportStats()
    nlp = _blank_fr() if fmt != "jsonl" else None
    pairs = iter_rows(folder)  # shards come split by split: one streamed pass
    for split, group in groupby(pairs, key=itemgetter(0)):
        rows = (row for _, row in group)
        path = Path(out_dir) / f"{split}.{fmt}"

        def counted(rows: Iterator[dict[str, Any]], split: str = split) -> Iterator[Any]:
            for row in rows:
                stats.records[split] += 1
                yield row

        if fmt == "jsonl":
            write_jsonl(path, counted(rows))
        elif fmt == "conll":
            with atomic_open(path, "w") as fh:
                for row in counted(rows):
                    for line in _conll_lines(_doc(nlp, row, split, stats)):
                        fh.write(line + "\n")
        else:
            from spacy.tokens import DocBin

            docbin = DocBin(store_user_data=True)
            for row in counted(rows):
                docbin.add(_doc(nlp, row, split, stats))
            with atomic_path(path) as tmp:
                docbin.to_disk(tmp)
        stats.files.append(path)
    return stats
