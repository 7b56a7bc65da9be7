"""Read ISO-TimeML (``.tml``) documents into plain text plus gold TIMEX3 spans.

The text is the ``<TEXT>`` element with every tag stripped (an XML parser walks the tree;
no regular expression touches the markup), and each TIMEX3 keeps ``[start, end)`` offsets
into that text, so gold spans and predicted spans share one coordinate system. The
``<DCT>`` TIMEX3 value is the document creation time: the article date relative
expressions are resolved against.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError


@dataclass(frozen=True)
class GoldTimex:
    """One gold TIMEX3: its span in the stripped text, type (DATE, TIME, DURATION, SET)
    and normalized value."""

    start: int
    end: int
    type: str
    value: str | None
    text: str


@dataclass(frozen=True)
class TimeMLDocument:
    """A TimeML document reduced to what temporal evaluation needs."""

    name: str
    dct: str | None
    text: str
    timexes: list[GoldTimex]


def _walk(
    elem: ET.Element, parts: list[str], spans: list[tuple[int, int, ET.Element]], pos: int
) -> int:
    """Append the text under ``elem`` to ``parts``, recording each TIMEX3's offsets; return
    the position after it (a child's tail belongs to its parent, which appends it)."""
    start = pos
    if elem.text:
        parts.append(elem.text)
        pos += len(elem.text)
    for child in elem:
        pos = _walk(child, parts, spans, pos)
        if child.tail:
            parts.append(child.tail)
            pos += len(child.tail)
    if elem.tag == "TIMEX3":
        spans.append((start, pos, elem))
    return pos


def parse_timeml(path: Path) -> TimeMLDocument:
    """Parse one ``.tml`` file; a malformed file is a ``PipelineError`` naming it."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise PipelineError(f"{path}: not well-formed TimeML ({exc})") from exc
    except OSError as exc:
        raise PipelineError(f"{path}: cannot read ({exc.strerror})") from exc
    body = root.find("TEXT")
    if body is None:
        raise PipelineError(f"{path}: no <TEXT> element")
    dct_elem = root.find("DCT/TIMEX3")
    dct = dct_elem.get("value") if dct_elem is not None else None
    parts: list[str] = []
    spans: list[tuple[int, int, ET.Element]] = []
    _walk(body, parts, spans, 0)
    text = "".join(parts)
    timexes = [
        GoldTimex(start, end, elem.get("type", ""), elem.get("value"), text[start:end])
        for start, end, elem in sorted(spans, key=lambda s: (s[0], s[1]))
    ]
    return TimeMLDocument(name=path.name, dct=dct, text=text, timexes=timexes)


def iter_timeml(
    folder: Path, pattern: str = "*.tml", on_error: Callable[[str], None] | None = None
) -> Iterator[TimeMLDocument]:
    """Every matching ``.tml`` document of a folder, in name order.

    A malformed file is reported through ``on_error`` (one line naming it) and skipped, so
    one bad file does not stop the evaluation; without ``on_error`` it raises.
    """
    if not folder.is_dir():
        raise PipelineError(f"{folder}: not a folder")
    for path in sorted(folder.glob(pattern)):
        try:
            yield parse_timeml(path)
        except PipelineError as exc:
            if on_error is None:
                raise
            on_error(str(exc))
