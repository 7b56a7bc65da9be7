"""Read ISO-TimeML (``.tml``) documents into plain text plus gold TIMEX3 and EVENT spans.

The text is the ``<TEXT>`` element with every tag stripped (an XML parser walks the tree;
no regular expression touches the markup), and each TIMEX3 and EVENT keeps ``[start, end)``
offsets into that text, so gold spans and predicted spans share one coordinate system. The
``<DCT>`` TIMEX3 value is the document creation time: the article date relative
expressions are resolved against.

An EVENT's polarity, modality and mood are read from the EVENT element or, in the
ISO-TimeML layout where they live on ``<MAKEINSTANCE eventID=...>``, from its instance
(FR-TimeBank puts them on the EVENT). TLINKs from an event to a time expression are kept
as (event id, timex id, relation) so a reader can derive an event's date.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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
class GoldTimeMLEvent:
    """One gold EVENT: its span, TimeML class, and the attributes that say whether it
    happened (``polarity`` NEG, a ``modality`` such as POSSIBILITY, a ``mood``)."""

    eid: str
    start: int
    end: int
    event_class: str
    pos: str | None
    polarity: str | None
    modality: str | None
    mood: str | None
    text: str


@dataclass(frozen=True)
class TimeLink:
    """A TLINK from an event (its ``eid``) to a time expression (its ``tid``)."""

    eid: str
    tid: str
    relation: str


@dataclass(frozen=True)
class TimeMLDocument:
    """A TimeML document reduced to what temporal and event evaluation need."""

    name: str
    dct: str | None
    text: str
    timexes: list[GoldTimex]
    events: list[GoldTimeMLEvent] = field(default_factory=list)
    time_links: list[TimeLink] = field(default_factory=list)
    tids: dict[str, GoldTimex] = field(default_factory=dict)


def _walk(
    elem: ET.Element, parts: list[str], spans: list[tuple[int, int, ET.Element]], pos: int
) -> int:
    """Append the text under ``elem`` to ``parts``, recording each TIMEX3's and EVENT's
    offsets; return the position after it (a child's tail belongs to its parent, which
    appends it)."""
    start = pos
    if elem.text:
        parts.append(elem.text)
        pos += len(elem.text)
    for child in elem:
        pos = _walk(child, parts, spans, pos)
        if child.tail:
            parts.append(child.tail)
            pos += len(child.tail)
    if elem.tag in ("TIMEX3", "EVENT"):
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
    ordered = sorted(spans, key=lambda s: (s[0], s[1]))
    tids: dict[str, GoldTimex] = {}
    timexes = []
    for start, end, elem in ordered:
        if elem.tag == "TIMEX3":
            timex = GoldTimex(start, end, elem.get("type", ""), elem.get("value"), text[start:end])
            timexes.append(timex)
            tids[elem.get("tid", "")] = timex
    instances = {i.get("eiid", ""): i for i in root.iter("MAKEINSTANCE")}
    by_event = {i.get("eventID", ""): i for i in instances.values()}
    events = [
        _event(elem, by_event.get(elem.get("eid", "")), start, end, text)
        for start, end, elem in ordered
        if elem.tag == "EVENT"
    ]
    # a TLINK names an event instance; without MAKEINSTANCE the EVENT carries its eiid
    eid_of = {k: v.get("eventID", "") for k, v in instances.items()}
    eid_of.update({e.get("eiid", ""): e.get("eid", "") for e in body.iter("EVENT")})
    links = [
        TimeLink(eid_of[link.get("eventInstanceID", "")], tid, link.get("relType", ""))
        for link in root.iter("TLINK")
        if (tid := link.get("relatedToTime")) and link.get("eventInstanceID") in eid_of
    ]
    return TimeMLDocument(path.name, dct, text, timexes, events, links, tids)


def _event(
    elem: ET.Element, instance: ET.Element | None, start: int, end: int, text: str
) -> GoldTimeMLEvent:
    def attr(name: str) -> str | None:
        value = elem.get(name)
        return value if value is not None or instance is None else instance.get(name)

    return GoldTimeMLEvent(
        eid=elem.get("eid", ""),
        start=start,
        end=end,
        event_class=elem.get("class", ""),
        pos=attr("pos"),
        polarity=attr("polarity"),
        modality=attr("modality"),
        mood=attr("mood"),
        text=text[start:end],
    )


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
