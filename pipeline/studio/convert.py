"""Records to Label Studio tasks and back: the pure mapping, no server and no files.

Push side: one task per article, ``data`` holding the text and the article's identity, one
prediction per model version whose region ids are the record ids (so the same
pre-annotation always produces the same regions, and an accepted region keeps its id).
Pull side: an annotation's ``result`` back to ``Entity`` / ``TimeExpression`` / ``Event``,
every span checked against the task text; a span that disagrees is reported, never shifted.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pipeline.schema import Argument, Entity, Event, PreannotatedArticle, TimeExpression
from pipeline.studio import config as cfg

#: Keys of a task's ``data`` (CONTRACTS.md); ``article_id`` is also copied to ``meta`` so
#: that the push can list existing tasks without transferring every text.
DATA_KEYS = ("text", "article_id", "title", "date", "story_id")


def task_data(article: PreannotatedArticle) -> dict[str, Any]:
    return {
        "text": article.text,
        "article_id": article.id,
        "title": article.title or "",
        "date": article.date or "",
        "story_id": article.story_id or "",
    }


def _span(start: int, end: int, text: str) -> dict[str, Any]:
    return {"start": start, "end": end, "text": text}


def _region(
    rid: str, control: str, start: int, end: int, text: str, label: str, score: float | None
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": rid,
        "from_name": control,
        "to_name": cfg.TEXT,
        "type": "labels",
        "value": {**_span(start, end, text), "labels": [label]},
    }
    if score is not None:
        item["score"] = score
    return item


def _per_region(
    rid: str, control: str, kind: str, start: int, end: int, value: Any
) -> dict[str, Any]:
    key = "text" if kind == "textarea" else "choices"
    return {
        "id": rid,
        "from_name": control,
        "to_name": cfg.TEXT,
        "type": kind,
        "value": {"start": start, "end": end, key: value},
    }


def argument_region_id(start: int, end: int) -> str:
    """Stable id of a free argument span (shared by every event that uses that span)."""
    return "a-" + hashlib.sha1(f"{start}:{end}".encode()).hexdigest()[:10]


def prediction(article: PreannotatedArticle) -> dict[str, Any]:
    """The article's pre-annotations as one Label Studio prediction."""
    result: list[dict[str, Any]] = []
    scores: list[float] = []
    spans: dict[str, tuple[int, int]] = {}
    for ent in article.entities:
        result.append(
            _region(ent.id, cfg.ENTITY, ent.start, ent.end, ent.text, ent.label, ent.score)
        )
        spans[ent.id] = (ent.start, ent.end)
        if ent.score is not None:
            scores.append(ent.score)
    for tim in article.times:
        result.append(_region(tim.id, cfg.TIME, tim.start, tim.end, tim.text, tim.label, tim.score))
        spans[tim.id] = (tim.start, tim.end)
        if tim.value is not None:
            result.append(
                _per_region(tim.id, cfg.TIME_VALUE, "textarea", tim.start, tim.end, [tim.value])
            )
        if tim.score is not None:
            scores.append(tim.score)
    free_args: set[str] = set()
    for ev in article.events:
        start, end = ev.trigger_start, ev.trigger_end
        result.append(_region(ev.id, cfg.TRIGGER, start, end, ev.trigger_text, ev.type, ev.score))
        if ev.score is not None:
            scores.append(ev.score)
        if ev.mode:
            result.append(
                _per_region(ev.id, cfg.mode_control(ev.type), "choices", start, end, [ev.mode])
            )
        flags = [
            f
            for f, on in ((cfg.FLAG_NEGATED, ev.negated), (cfg.FLAG_HYPOTHETICAL, ev.hypothetical))
            if on
        ]
        if flags:
            result.append(_per_region(ev.id, cfg.EVENT_FLAGS, "choices", start, end, flags))
        for arg in ev.arguments:
            target = arg.ref if arg.ref in spans else argument_region_id(arg.start, arg.end)
            if target not in spans and target not in free_args:
                free_args.add(target)
                result.append(
                    _region(
                        target, cfg.ARGUMENT, arg.start, arg.end, arg.text, cfg.ARGUMENT_LABEL, None
                    )
                )
            result.append(
                {
                    "type": "relation",
                    "from_id": ev.id,
                    "to_id": target,
                    "direction": "right",
                    "labels": [arg.role],
                }
            )
    pred: dict[str, Any] = {"model_version": article.model_version or "unknown", "result": result}
    if scores:
        pred["score"] = round(sum(scores) / len(scores), 6)
    return pred


def to_task(article: PreannotatedArticle) -> dict[str, Any]:
    """One importable task: data, the article id in meta, and the prediction."""
    return {
        "data": task_data(article),
        "meta": {"article_id": article.id},
        "predictions": [prediction(article)],
    }


# ------------------------------------------------------------------------------ pull side
@dataclass
class Parsed:
    """Labels read back from one annotation result, and what was wrong with it."""

    entities: list[Entity] = field(default_factory=list)
    times: list[TimeExpression] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    unusable: bool = False
    errors: list[str] = field(default_factory=list)


def check_span(text: str, value: dict[str, Any]) -> str | None:
    """Why a region's offsets cannot be trusted against the task text (None: they can)."""
    start, end = value.get("start"), value.get("end")
    if not isinstance(start, int) or not isinstance(end, int):
        return f"offsets {start!r}:{end!r} are not integers"
    if not 0 <= start < end <= len(text):
        return f"offsets {start}:{end} out of range (text has {len(text)} characters)"
    exported = value.get("text")
    if isinstance(exported, str) and text[start:end] != exported:
        return f"offsets {start}:{end} hold {text[start:end]!r}, the region says {exported!r}"
    return None


def _per_region_problem(control: str, region_control: str, label: str) -> str | None:
    """Why a per-region value of ``control`` cannot be kept on a region (None: it can).

    Label Studio stores whatever the annotator typed, even where the config should not have
    offered the control (a time value on a trigger, a mode of another event type).
    """
    if control == cfg.TIME_VALUE:
        return (
            None if region_control == cfg.TIME else f"a time value on this {region_control} region"
        )
    if control == cfg.EVENT_FLAGS:
        return (
            None
            if region_control == cfg.TRIGGER
            else f"event flags on this {region_control} region"
        )
    if control.startswith(cfg.MODE_PREFIX):
        if region_control != cfg.TRIGGER:
            return f"an event mode on this {region_control} region"
        if control != cfg.mode_control(label):
            return f"a mode of {control.removeprefix(cfg.MODE_PREFIX)} on a {label} trigger"
        return None
    return f"unknown control {control!r}"


def _value_warnings(
    per_region: dict[str, dict[str, dict[str, Any]]],
    regions: dict[str, dict[str, Any]],
    good: dict[str, tuple[str, dict[str, Any]]],
) -> list[str]:
    """One warning per per-region value the records cannot hold.

    A value of a region already reported (bad span) is covered by that region's error.
    """
    warnings: list[str] = []
    for rid, values in per_region.items():
        if rid not in regions:
            warnings += [f"{name} value of missing region {rid} dropped" for name in values]
            continue
        if rid not in good:
            continue
        region_control, value = good[rid]
        for name, payload in sorted(values.items()):
            problem = _per_region_problem(name, region_control, value["labels"][0])
            if problem:
                warnings.append(
                    f"region {rid} ({region_control}): {name} {payload!r} dropped, {problem}"
                )
                continue
            many = payload.get("text" if name == cfg.TIME_VALUE else "choices") or []
            if len(many) > 1:
                warnings.append(
                    f"region {rid} ({region_control}): {name} holds {len(many)} values "
                    f"{many!r}, only the first kept"
                )
    return warnings


def _region_warnings(
    good: dict[str, tuple[str, dict[str, Any]]], relations: list[dict[str, Any]]
) -> list[str]:
    """Kept-looking regions whose value nothing in the records can hold."""
    known = (cfg.ENTITY, cfg.TIME, cfg.TRIGGER, cfg.ARGUMENT)
    linked = {str(rel.get("to_id")) for rel in relations if str(rel.get("from_id")) in good}
    warnings = [
        f"region {rid} ({control}): dropped, unknown Labels control"
        for rid, (control, _) in good.items()
        if control not in known
    ]
    warnings += [
        f"region {rid} ({control}): dropped, an argument span linked to no trigger"
        for rid, (control, _) in good.items()
        if control == cfg.ARGUMENT and rid not in linked
    ]
    return warnings


def _relation_problem(
    rel: dict[str, Any],
    regions: dict[str, dict[str, Any]],
    good: dict[str, tuple[str, dict[str, Any]]],
) -> str | None:
    """Why a relation cannot become an event argument (None: it can; "" : already reported)."""
    from_id, to_id = str(rel.get("from_id")), str(rel.get("to_id"))
    roles = rel.get("labels") or []
    for end in (from_id, to_id):
        if end not in regions:
            return f"relation {from_id}->{to_id}: region {end} missing"
        if end not in good:
            return ""  # the region's own error says why
    if good[from_id][0] != cfg.TRIGGER:
        return (
            f"relation {from_id}->{to_id} {roles!r}: dropped, its source is not a trigger "
            f"but a region of {good[from_id][0]!r}"
        )
    if len(roles) != 1:
        return f"relation {from_id}->{to_id}: {len(roles)} roles {roles!r} (expected one), dropped"
    return None


#: a region kept for the records: its control name and its value
Good = dict[str, tuple[str, dict[str, Any]]]


@dataclass
class _Items:
    """A result list sorted by kind: span regions, per-region values, relations."""

    regions: dict[str, dict[str, Any]] = field(default_factory=dict)
    per_region: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    relations: list[dict[str, Any]] = field(default_factory=list)


def _sort_items(result: Iterable[dict[str, Any]], out: Parsed) -> _Items:
    """Sort the result's items by kind; the quality choice goes straight to ``out``."""
    items = _Items()
    for item in result:
        kind = item.get("type")
        if kind == "relation":
            items.relations.append(item)
        elif kind == "labels":
            items.regions[str(item.get("id"))] = item
        elif item.get("from_name") == cfg.QUALITY:
            out.unusable = cfg.UNUSABLE in item.get("value", {}).get("choices", [])
        elif kind in ("textarea", "choices"):
            items.per_region[str(item.get("id"))][item.get("from_name", "")] = item.get("value", {})
    return items


def _good_regions(regions: dict[str, dict[str, Any]], text: str, errors: list[str]) -> Good:
    """The regions with a valid span and exactly one label; an error for each other one."""
    good: Good = {}
    for rid, item in regions.items():
        value = item.get("value", {})
        labels = value.get("labels") or []
        problem = check_span(text, value)
        if problem is None and len(labels) != 1:
            problem = f"{len(labels)} labels {labels!r} (expected one)"
        if problem:
            errors.append(f"region {rid} ({item.get('from_name')}): {problem}")
            continue
        good[rid] = (item.get("from_name", ""), value)
    return good


def _event_arguments(
    items: _Items, good: Good, text: str, errors: list[str]
) -> dict[str, list[Argument]]:
    """Trigger region id -> the arguments its relations give; an error per bad relation."""
    arguments: dict[str, list[Argument]] = defaultdict(list)
    for rel in items.relations:
        problem = _relation_problem(rel, items.regions, good)
        if problem is not None:
            if problem:
                errors.append(problem)
            continue
        tcontrol, tval = good[str(rel.get("to_id"))]
        ref = str(rel.get("to_id")) if tcontrol in (cfg.ENTITY, cfg.TIME) else None
        start, end = tval["start"], tval["end"]
        arguments[str(rel.get("from_id"))].append(
            Argument(rel["labels"][0], start, end, text[start:end], ref)
        )
    return arguments


def _time_record(
    rid: str, value: dict[str, Any], extra: dict[str, dict[str, Any]], text: str, source: str
) -> TimeExpression:
    """A time region with its typed ISO value, if any (blank counts as none)."""
    start, end, label = value["start"], value["end"], value["labels"][0]
    typed = extra.get(cfg.TIME_VALUE, {}).get("text") or []
    iso = typed[0].strip() if typed and typed[0].strip() else None
    return TimeExpression(rid, start, end, label, text[start:end], iso, source)


def _event_record(
    rid: str,
    value: dict[str, Any],
    extra: dict[str, dict[str, Any]],
    arguments: list[Argument],
    text: str,
    source: str,
) -> Event:
    """A trigger region with its mode, flags and arguments (sorted by span, then role)."""
    start, end, label = value["start"], value["end"], value["labels"][0]
    modes = extra.get(cfg.mode_control(label), {}).get("choices") or []
    flags = set(extra.get(cfg.EVENT_FLAGS, {}).get("choices") or [])
    return Event(
        rid,
        label,
        start,
        end,
        text[start:end],
        modes[0] if modes else None,
        sorted(arguments, key=lambda a: (a.start, a.end, a.role)),
        cfg.FLAG_NEGATED in flags,
        cfg.FLAG_HYPOTHETICAL in flags,
        source,
    )


def parse_result(result: Iterable[dict[str, Any]], text: str, source: str) -> Parsed:
    """Turn a Label Studio result list into records; every value that cannot be kept (bad
    span, wrong region type, not exactly one role...) becomes an error naming the region."""
    out = Parsed()
    items = _sort_items(result, out)
    good = _good_regions(items.regions, text, out.errors)
    out.errors += _value_warnings(items.per_region, items.regions, good)
    out.errors += _region_warnings(good, items.relations)
    arguments = _event_arguments(items, good, text, out.errors)
    for rid, (control, value) in good.items():
        extra = items.per_region.get(rid, {})
        if control == cfg.ENTITY:
            start, end = value["start"], value["end"]
            label = value["labels"][0]
            out.entities.append(Entity(rid, start, end, label, text[start:end], source))
        elif control == cfg.TIME:
            out.times.append(_time_record(rid, value, extra, text, source))
        elif control == cfg.TRIGGER:
            out.events.append(_event_record(rid, value, extra, arguments[rid], text, source))
    out.entities.sort(key=lambda r: (r.start, r.end, r.label, r.id))
    out.times.sort(key=lambda r: (r.start, r.end, r.label, r.id))
    out.events.sort(key=lambda r: (r.trigger_start, r.trigger_end, r.type, r.id))
    return out
