"""Gold events in one neutral shape, read from JSONL or ISO-TimeML.

Every reader yields ``GoldDocument``s, so the scorer never knows where gold came from. The
JSONL format (one document per line; see the README, "Bring your own event gold") is:

    {"id": "...", "text": "...", "date": "2016-01-05"?, "partial": false,
     "events": [{"start": 10, "end": 17, "type": "ACCUSE", "mode": "allege"?,
                 "negated": false?, "hypothetical": false?,
                 "arguments": [{"role": "actor", "start": 0, "end": 6, "value": "..."?}]}]}

Offsets are ``[start, end)`` characters of ``text``; types are PLOVER names. ``partial``
says only some triggers were annotated, so precision is not scored on that document;
``developer_annotated: true`` (optional) marks gold made by the project's developers rather
than by independent annotators, which the evaluation output then says. An
absent ``mode``/``negated``/``hypothetical`` means "not annotated", not "no".

A ``.tml`` file (or folder of them) becomes documents whose events are untyped (TimeML
classes are not PLOVER types) and marked ``superset``: TimeML annotates every event, most of
them outside PLOVER's political events, so trigger recall is not scored there, while
precision is (a trigger that is no event at all is wrong) and so are negation (``polarity``
NEG) and hypothetical (a ``modality``, or a conditional or subjunctive ``mood``). An event
a TLINK places inside a DATE or TIME expression of the text (IS_INCLUDED, DURING,
SIMULTANEOUS) gets that expression as its ``date`` argument, with its normalised value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError
from pipeline.evaluate.timeml import TimeMLDocument, iter_timeml, parse_timeml

#: TLINK relations that put an event inside a time expression's span of time.
_INSIDE = frozenset({"IS_INCLUDED", "DURING", "SIMULTANEOUS"})
_HYPOTHETICAL_MOODS = frozenset({"CONDITIONAL", "SUBJUNCTIVE"})


@dataclass(frozen=True)
class GoldArgument:
    """A role filled by a ``[start, end)`` span; ``value`` is a date's normalised value."""

    role: str
    start: int
    end: int
    value: str | None = None


@dataclass(frozen=True)
class GoldEvent:
    """A gold trigger; ``None`` in a field means the gold does not annotate it."""

    start: int
    end: int
    type: str | None
    mode: str | None
    negated: bool | None
    hypothetical: bool | None
    arguments: tuple[GoldArgument, ...]


@dataclass(frozen=True)
class GoldDocument:
    """One gold document. ``partial``: only some triggers annotated (precision not scored);
    ``superset``: gold triggers include events outside the taxonomy (recall not scored);
    ``arguments``: whether actor/recipient/location were annotated at all."""

    id: str
    text: str
    date: str | None
    events: tuple[GoldEvent, ...]
    partial: bool
    superset: bool
    arguments: bool
    source: str
    developer_annotated: bool = False


# ---------------------------------------------------------------------------------- JSONL
def _span(obj: dict[str, Any], length: int, what: str) -> tuple[int, int]:
    start, end = obj.get("start"), obj.get("end")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= length):
        raise ValueError(f"{what} has bad offsets [{start}, {end}) for a text of {length}")
    return start, end


def _optional_bool(obj: dict[str, Any], key: str) -> bool | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"'{key}' must be true or false, not {value!r}")
    return value


def gold_from_json(obj: Any, types: frozenset[str], source: str) -> GoldDocument:
    """One JSONL line's object as a ``GoldDocument``; a wrong shape is a ``ValueError``
    saying what is wrong (unknown type names included, so a typo is not scored as an error
    of the system)."""
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or "id" not in obj:
        raise ValueError("a document needs 'id' and 'text'")
    text: str = obj["text"]
    events = []
    for i, ev in enumerate(obj.get("events", [])):
        start, end = _span(ev, len(text), f"event {i}")
        etype = ev.get("type")
        if etype is not None and etype not in types:
            raise ValueError(f"event {i} has type {etype!r}, not in the taxonomy")
        arguments = tuple(
            GoldArgument(
                arg["role"], *_span(arg, len(text), f"event {i} argument"), arg.get("value")
            )
            for arg in ev.get("arguments", [])
        )
        events.append(
            GoldEvent(
                start,
                end,
                etype,
                ev.get("mode"),
                _optional_bool(ev, "negated"),
                _optional_bool(ev, "hypothetical"),
                arguments,
            )
        )
    partial = obj.get("partial", False)
    if not isinstance(partial, bool):
        raise ValueError(f"'partial' must be true or false, not {partial!r}")
    return GoldDocument(
        id=str(obj["id"]),
        text=text,
        date=obj.get("date"),
        events=tuple(sorted(events, key=lambda e: (e.start, e.end))),
        partial=partial,
        superset=False,
        arguments=True,
        source=source,
        developer_annotated=obj.get("developer_annotated") is True,
    )


def read_jsonl_gold(
    path: Path, types: frozenset[str], on_error: Callable[[str], None]
) -> Iterator[GoldDocument]:
    """Every well-formed document of a JSONL gold file; a bad line is reported through
    ``on_error`` (file, line number, reason) and skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise PipelineError(f"{path}: cannot read ({exc})") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield gold_from_json(json.loads(line), types, f"{path.name}:{number}")
        except (ValueError, KeyError, TypeError) as exc:
            on_error(f"{path}:{number}: skipped ({exc})")


# -------------------------------------------------------------------------------- TimeML
def gold_from_timeml(doc: TimeMLDocument) -> GoldDocument:
    """A TimeML document as untyped, superset gold (see the module docstring)."""
    dates: dict[str, GoldArgument] = {}
    for link in doc.time_links:
        timex = doc.tids.get(link.tid)
        if link.relation in _INSIDE and timex is not None and timex.type in ("DATE", "TIME"):
            dates.setdefault(link.eid, GoldArgument("date", timex.start, timex.end, timex.value))
    events = tuple(
        GoldEvent(
            start=e.start,
            end=e.end,
            type=None,
            mode=None,
            negated=e.polarity == "NEG",
            hypothetical=e.modality is not None or e.mood in _HYPOTHETICAL_MOODS,
            arguments=(dates[e.eid],) if e.eid in dates else (),
        )
        for e in doc.events
        if e.end > e.start  # an empty EVENT is a further instance of one already in the text
    )
    return GoldDocument(
        id=doc.name,
        text=doc.text,
        date=doc.dct,
        events=events,
        partial=False,
        superset=True,
        arguments=False,
        source=doc.name,
    )


def read_gold(
    path: Path, types: frozenset[str], on_error: Callable[[str], None]
) -> Iterator[GoldDocument]:
    """Gold documents from a ``.jsonl`` file, a ``.tml`` file, or a folder of either."""
    if path.is_dir():
        if any(path.glob("*.tml")):
            yield from (gold_from_timeml(d) for d in iter_timeml(path, on_error=on_error))
        for file in sorted(path.glob("*.jsonl")):
            yield from read_jsonl_gold(file, types, on_error)
    elif path.suffix == ".jsonl":
        yield from read_jsonl_gold(path, types, on_error)
    elif path.suffix == ".tml":
        yield gold_from_timeml(parse_timeml(path))
    else:
        raise PipelineError(f"{path}: not a .jsonl file, a .tml file or a folder of them")
