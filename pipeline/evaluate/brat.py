"""Read brat standoff annotation (``.txt`` + ``.ann`` pairs) as gold entity spans.

The text is read exactly as stored (UTF-8, newlines untouched), because brat offsets count
characters of that file: any normalization would move them. Each text-bound annotation
(``T`` line) becomes a labelled span; attributes, relations and notes are ignored. A file
that cannot be used (unreadable, malformed line, span text that disagrees with the offsets)
is reported as one line and skipped, and the rest of the folder is still evaluated.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError


@dataclass(frozen=True)
class BratDocument:
    """One gold document: its text and its spans as ``(start, end, label)`` (labels mapped)."""

    name: str
    text: str
    spans: list[tuple[int, int, str]]


class BratError(ValueError):
    """One unusable gold file; the message names the file and the reason."""


def _read_exact(path: Path) -> str:
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read()
    except UnicodeDecodeError as exc:
        raise BratError(f"{path}: not UTF-8 ({exc.reason})") from exc
    except OSError as exc:
        raise BratError(f"{path}: cannot read ({exc.strerror})") from exc


def _visible(text: str) -> str:
    """Text without format characters (category Cf): brat tools drop marks such as U+200F
    from the annotation line while the offsets still count them; the offsets win."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def parse_brat(txt: Path, label_map: Mapping[str, str]) -> BratDocument:
    """Parse one pair; gold labels absent from ``label_map`` are dropped (not scored)."""
    ann = txt.with_suffix(".ann")
    text = _read_exact(txt)
    spans: list[tuple[int, int, str]] = []
    for number, line in enumerate(_read_exact(ann).splitlines(), start=1):
        if not line.startswith("T"):
            continue
        fields = line.split("\t")
        if len(fields) < 2:
            raise BratError(f"{ann}:{number}: malformed text-bound annotation")
        kind, _, offsets = fields[1].partition(" ")
        try:
            fragments = [tuple(int(x) for x in part.split()) for part in offsets.split(";")]
            start, end = fragments[0][0], fragments[-1][1]
        except (ValueError, IndexError):
            raise BratError(f"{ann}:{number}: bad offsets '{offsets}'") from None
        if not 0 <= start < end <= len(text):
            raise BratError(f"{ann}:{number}: span {start}-{end} outside the text")
        if (
            len(fragments) == 1
            and len(fields) > 2
            and _visible(text[start:end]) != _visible(fields[2])
        ):
            raise BratError(f"{ann}:{number}: span text disagrees with {txt.name}[{start}:{end}]")
        if kind in label_map:
            spans.append((start, end, label_map[kind]))
    return BratDocument(name=str(txt), text=text, spans=sorted(set(spans)))


def iter_brat(
    folder: Path, label_map: Mapping[str, str], errors: list[str]
) -> Iterator[BratDocument]:
    """Every pair under ``folder`` (recursively, in path order); bad files go to ``errors``."""
    if not folder.is_dir():
        raise PipelineError(f"{folder}: not a folder")
    texts = sorted(p for p in folder.rglob("*.txt") if p.with_suffix(".ann").is_file())
    if not texts:
        raise PipelineError(f"{folder}: no brat .txt/.ann pairs")
    for txt in texts:
        try:
            yield parse_brat(txt, label_map)
        except BratError as exc:
            errors.append(str(exc))
