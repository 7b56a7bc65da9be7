"""Training examples from gold folders and from the human-verified records of releases.

Every example keeps its story, so the dev split never holds a retelling of a training
story; every source is fingerprinted, so the model folder says exactly what it learned from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xxhash


@dataclass(frozen=True)
class TrainingExample:
    """One text with its gold entity spans (character offsets) and its story."""

    name: str
    text: str
    spans: tuple[tuple[int, int, str], ...]
    story: str


def is_dev(story: str, ratio: float, seed: int) -> bool:
    """Seeded, order-free split by story: the same story always lands on the same side."""
    value = xxhash.xxh64_intdigest(story.encode(), seed=seed)
    return value / 2**64 < ratio


def gold_examples(
    path: Path, params: Mapping[str, Any], labels: Sequence[str], errors: list[str]
) -> Iterator[TrainingExample]:
    """Examples from a brat folder or BIO/CoNLL file(s); each document is its own story
    (``gold_story``)."""
    from pipeline.evaluate.entities import read_gold

    wanted = set(labels)
    for doc in read_gold(path, dict(params), errors, None):
        spans = tuple(s for s in doc.spans if s[2] in wanted)
        yield TrainingExample(doc.name, doc.text, spans, gold_story(doc.name, path))


def gold_story(name: str, root: Path) -> str:
    """A gold document's story: its name below the gold folder or file, led by that
    folder's or file's own name (``2016/actualite/x.txt``, ``enp_FR.bnf.bio#3``). Never the
    path as given: an absolute path would move documents between train and dev with the
    place the data or the checkout lies in."""
    prefix = str(root)
    rest = name[len(prefix) :] if name.startswith(prefix) else name
    return root.name + rest if rest.startswith("#") else f"{root.name}/{rest.lstrip('/')}"


def release_examples(folder: Path, labels: Sequence[str]) -> Iterator[TrainingExample]:
    """Examples from a release: only records a person verified (``verified``) teach."""
    from pipeline.release.reader import iter_rows

    wanted = set(labels)
    columns = ["id", "text", "story_id", "entities", "verified"]
    for _, row in iter_rows(folder, columns):
        if not row["verified"]:
            continue
        spans = tuple(
            (e["start"], e["end"], e["label"]) for e in row["entities"] if e["label"] in wanted
        )
        yield TrainingExample(row["id"], row["text"], spans, row["story_id"])


def fingerprint(examples: Sequence[TrainingExample]) -> str:
    """sha256 of the texts and spans, in order: changes with any byte of the data."""
    digest = hashlib.sha256()
    for example in examples:
        digest.update(example.text.encode())
        digest.update(repr(example.spans).encode())
    return digest.hexdigest()
