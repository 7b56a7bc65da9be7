"""What changed between two releases: records and labels, per label type.

Records are matched by id. A label is identified by where it sits: an entity or time by
``(kind, start, end)``, an event by its trigger span. The same place with another type is a
*changed* label (counted under the new type, and as ``old→new``); a new place is *added*, a
place gone is *removed*; the same place and type with other attributes (time value, event
arguments or mode) is *changed* under its type. A record is changed when any of its content
differs; *newly verified* when it is human-verified now and was not (or did not exist) before.
Both releases are streamed; memory holds one digest per record of the older one and the
labels of the changed records.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from pipeline.release.reader import iter_rows, split_names
from pipeline.schema import ReleaseManifest

LabelMap = dict[tuple[Any, ...], list[tuple[str, str]]]


def _labels(row: dict[str, Any]) -> LabelMap:
    """Place → [(type, attribute digest)] of one record."""
    out: LabelMap = {}
    for e in row["entities"]:
        out.setdefault(("entity", e["start"], e["end"]), []).append((f"entity:{e['label']}", ""))
    for t in row["times"]:
        out.setdefault(("time", t["start"], t["end"]), []).append(
            (f"time:{t['label']}", str(t["value"]))
        )
    for ev in row["events"]:
        attrs = json.dumps(
            [ev["mode"], ev["negated"], ev["hypothetical"], ev["arguments"]], sort_keys=True
        )
        out.setdefault(("event", ev["trigger_start"], ev["trigger_end"]), []).append(
            (f"event:{ev['type']}", attrs)
        )
    return {k: sorted(v) for k, v in out.items()}


def _digest(row: dict[str, Any]) -> str:
    blob = json.dumps(row, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.blake2b(blob, digest_size=16).hexdigest()


def _compare(
    old: LabelMap, new: LabelMap, labels: Counter[tuple[str, str]], moves: Counter[str]
) -> None:
    for place in old.keys() | new.keys():
        before, after = old.get(place, []), new.get(place, [])
        if before == after:
            continue
        if len(before) == 1 and len(after) == 1:
            (t_old, _), (t_new, _) = before[0], after[0]
            labels[t_new, "changed"] += 1
            if t_old != t_new:
                moves[f"{t_old} → {t_new.split(':', 1)[1]}"] += 1
            continue
        for typ, _ in set(before) - set(after):
            labels[typ, "removed"] += 1
        for typ, _ in set(after) - set(before):
            labels[typ, "added"] += 1


def diff_rows(
    old_rows: Callable[[], Iterable[dict[str, Any]]] | None,
    new_rows: Callable[[], Iterable[dict[str, Any]]],
) -> dict[str, Any]:
    """The change figures between two releases given as re-iterable row streams (label
    names, not ids). Three streamed passes: the old release's digests, the new release
    (labels of changed records kept aside), the old release again for the labels of changed
    and removed records. Memory: one digest per old record plus the changed records' labels.
    """
    index: dict[str, tuple[str, bool]] = {}
    for row in old_rows() if old_rows else ():
        index[row["id"]] = (_digest(row), bool(row["verified"]))
    labels: Counter[tuple[str, str]] = Counter()
    moves: Counter[str] = Counter()
    records = Counter(before=len(index), after=0, added=0, removed=0, changed=0)
    newly_verified = 0
    changed: dict[str, LabelMap] = {}
    seen: set[str] = set()
    for row in new_rows():
        records["after"] += 1
        seen.add(row["id"])
        old = index.get(row["id"])
        if old is None:
            records["added"] += 1
            _compare({}, _labels(row), labels, moves)
            newly_verified += bool(row["verified"])
            continue
        digest, was_verified = old
        if digest != _digest(row):
            records["changed"] += 1
            changed[row["id"]] = _labels(row)
        newly_verified += bool(row["verified"]) and not was_verified
    for row in old_rows() if old_rows else ():
        if row["id"] in changed:
            _compare(_labels(row), changed[row["id"]], labels, moves)
        elif row["id"] not in seen:
            records["removed"] += 1
            _compare(_labels(row), {}, labels, moves)
    types = sorted({t for t, _ in labels})
    return {
        "records": {**dict(records), "newly_verified": newly_verified},
        "labels": {t: {k: labels[t, k] for k in ("added", "removed", "changed")} for t in types},
        "label_moves": dict(sorted(moves.items())),
    }


def first_release(labels: dict[str, int], records: int, verified: int) -> dict[str, Any]:
    """The change figures of a first release (everything is added), from its counts alone,
    without reading the rows back."""
    return {
        "records": {
            "added": records,
            "after": records,
            "before": 0,
            "changed": 0,
            "removed": 0,
            "newly_verified": verified,
        },
        "labels": {
            t: {"added": n, "removed": 0, "changed": 0} for t, n in sorted(labels.items()) if n
        },
        "label_moves": {},
    }


def diff_releases(old: Path | None, new: Path) -> dict[str, Any]:
    """The change figures between two release folders (``old`` None: everything is new)."""

    def rows(folder: Path) -> Callable[[], Iterator[dict[str, Any]]]:
        return lambda: (row for _, row in iter_rows(folder))

    return diff_rows(rows(old) if old is not None else None, rows(new))


def render_entry(version: str, manifest: ReleaseManifest) -> str:
    """One CHANGELOG section (Markdown) from a release manifest."""
    changes = manifest["changes"]
    rec = changes["records"]
    previous = manifest.get("previous")
    head = f"## v{version}"
    if manifest.get("date"):
        head += f" — {manifest['date']}"
    lines = [head, ""]
    if notes := manifest.get("notes"):
        lines += [notes.strip(), ""]
    splits = " · ".join(f"{s} {manifest['splits'][s]['records']}" for s in split_names(manifest))
    lines += [
        f"Compared with {'v' + previous if previous else 'nothing (first release)'}: "
        f"{rec['after']} records ({splits}).",
        "",
        f"- records added: {rec['added']}, removed: {rec['removed']}, changed: {rec['changed']}",
        f"- newly human-verified records: {rec['newly_verified']}",
        "",
    ]
    lines += render_label_table(changes)
    return "\n".join(lines).rstrip() + "\n"


def render_label_table(changes: dict[str, Any]) -> list[str]:
    """The per-type table of label changes, and the type moves, as Markdown lines."""
    if not changes["labels"]:
        return ["No label changes.", ""]
    lines = ["| label type | added | removed | changed |", "|---|---:|---:|---:|"]
    for typ, n in changes["labels"].items():
        lines.append(f"| {typ} | {n['added']} | {n['removed']} | {n['changed']} |")
    lines.append("")
    if changes["label_moves"]:
        moves = ", ".join(f"{m} ×{n}" for m, n in changes["label_moves"].items())
        lines += [f"Type changes: {moves}", ""]
    return lines
