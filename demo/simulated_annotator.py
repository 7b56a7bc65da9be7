"""Simulated annotators for the learning loop: gold files played back through the SDK.

They stand in for the people who would correct the machine's labels in Label Studio, so
that the loop (push, annotate, pull, cut, train, re-annotate) can run unattended against a
real server. Nothing here is a model of human behaviour: an annotator submits exactly what
a gold file says, nothing more.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline.errors import PipelineError
from pipeline.evaluate.brat import BratDocument
from pipeline.studio import config as cfg
from pipeline.studio.client import NO_RETRY, Studio
from pipeline.taxonomy import Taxonomy

#: (start, end, label) over a text
Span = tuple[int, int, str]


@dataclass(frozen=True)
class Placement:
    """Gold spans placed on a task's text, and those whose surface string is not there
    (``(surface, label)``): never guessed, only counted and shown."""

    placed: list[Span] = field(default_factory=list)
    unplaced: list[tuple[str, str]] = field(default_factory=list)


def place_spans(text: str, gold: BratDocument) -> Placement:
    """Each gold span of ``gold`` on ``text``, which normalize may have changed.

    Spans are taken in gold order and matched by their surface string: at the gold offset
    moved by the shift of the span placed before it (the usual case: nothing or a constant
    moved), else at the next occurrence from that span on. Nested spans start at or after
    the span holding them, which is why the search starts at the last placed start.
    """
    placed: list[Span] = []
    unplaced: list[tuple[str, str]] = []
    shift = 0
    cursor = 0
    for start, end, label in sorted(gold.spans, key=lambda s: (s[0], -s[1], s[2])):
        surface = gold.text[start:end]
        at = start + shift
        if text[at : at + len(surface)] != surface:
            at = text.find(surface, cursor)
        if not surface.strip() or at < 0:
            unplaced.append((surface, label))
            continue
        placed.append((at, at + len(surface), label))
        shift, cursor = at - start, at
    return Placement(placed, unplaced)


def _region(number: int, control: str, text: str, span: Span) -> dict[str, Any]:
    start, end, label = span
    return {
        "id": f"gold-{number}",
        "from_name": control,
        "to_name": cfg.TEXT,
        "type": "labels",
        "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
    }


def gold_result(
    text: str, placed: list[Span], values: Mapping[Span, str], controls: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The Label Studio result of the placed gold spans whose label has a control
    (``controls``: label -> control name); a time expression gets its value from
    ``values`` (by span and label) when there is one."""
    result: list[dict[str, Any]] = []
    for number, span in enumerate(placed):
        control = controls.get(span[2])
        if control is None:
            continue
        result.append(_region(number, control, text, span))
        value = values.get(span) if control == cfg.TIME else None
        if value is not None:
            start, end, _ = span
            result.append(
                {
                    "id": f"gold-{number}",
                    "from_name": cfg.TIME_VALUE,
                    "to_name": cfg.TEXT,
                    "type": "textarea",
                    "value": {"start": start, "end": end, "text": [value]},
                }
            )
    return result


class SimulatedAnnotator:
    """A stand-in for a person: a Label Studio user (created on first use) who submits,
    for each task given, the dev gold's names and time expressions mapped onto the task text.

    It starts from the task's latest prediction as a person does (the annotation records it
    as its parent) and keeps the machine's normalized value of a time expression whose span
    the gold confirms (the gold has no values); the machine's events are not submitted,
    since the gold says nothing about them.
    """

    def __init__(self, studio: Studio, email: str, taxonomy: Taxonomy) -> None:
        self.studio = studio
        self.email = email
        self.controls = {label: cfg.ENTITY for label in taxonomy.entity_labels} | {
            label: cfg.TIME for label in taxonomy.time_labels
        }
        known = {mail: uid for uid, mail in studio.users().items()}
        if email in known:
            self.user_id = known[email]
        else:
            with studio.errors(f"create user {email}"):
                user = studio.sdk.users.create(
                    username=email.split("@")[0],
                    email=email,
                    password=secrets.token_urlsafe(16),  # nobody logs in as a simulation
                    request_options=NO_RETRY,
                )
            if user.id is None:
                raise PipelineError(f"{studio.url}: create user {email} returned no user id")
            self.user_id = int(user.id)

    def submit(self, task_id: int, gold: BratDocument) -> Placement:
        """Submit the gold of this task's article as this annotator; what was placed."""
        task = self.studio.get(f"api/tasks/{task_id}/", "read task")
        text: str = task["data"]["text"]
        predictions = task.get("predictions") or []
        latest = max(predictions, key=lambda p: int(p["id"])) if predictions else None
        values = time_values(latest["result"]) if latest else {}
        placement = place_spans(text, gold)
        with self.studio.errors(f"annotation of task {task_id}"):
            self.studio.sdk.annotations.create(
                id=task_id,
                result=gold_result(text, placement.placed, values, self.controls),
                completed_by=self.user_id,
                parent_prediction=latest["id"] if latest else None,
                request_options=NO_RETRY,
            )
        return placement


def time_values(result: list[dict[str, Any]]) -> dict[Span, str]:
    """The normalized value of each predicted time expression, by its span and label."""
    labels = {
        item["id"]: item["value"]["labels"][0]
        for item in result
        if item.get("from_name") == cfg.TIME and item["value"].get("labels")
    }
    values: dict[Span, str] = {}
    for item in result:
        if item.get("from_name") != cfg.TIME_VALUE or item.get("id") not in labels:
            continue
        texts = item["value"].get("text") or []
        if texts:
            span = (item["value"]["start"], item["value"]["end"], labels[item["id"]])
            values[span] = texts[0]
    return values
