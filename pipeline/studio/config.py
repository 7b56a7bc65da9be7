"""The Label Studio labeling config, rendered from the taxonomy (never written by hand).

One ``Labels`` control per kind of span (entities, time expressions, event triggers, and
free argument spans), relations from a trigger to its argument spans labelled with the
role, per-trigger choices for the event mode (one control per event type, shown only for
that type) and its negated/hypothetical flags, a per-region text box holding the ISO value
of a time expression, and an article-level choice to flag unusable text. The control names
below are the contract between the config, the push (predictions) and the pull (results).

The XML is built with ElementTree, so every value is escaped; colours are derived from a
hash of the label, so a label keeps its colour when others are added or reordered.
"""

from __future__ import annotations

import colorsys
import hashlib
import html
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.taxonomy import Taxonomy

TEXT = "text"
ENTITY = "entity"
TIME = "time"
TRIGGER = "trigger"
ARGUMENT = "argument"
ARGUMENT_LABEL = "ARG"
TIME_VALUE = "time_value"
EVENT_FLAGS = "event_flags"
MODE_PREFIX = "mode_"
QUALITY = "quality"
UNUSABLE = "unusable"
FLAG_NEGATED = "negated"
FLAG_HYPOTHETICAL = "hypothetical"

DEFAULT_PATH = (
    Path(__file__).resolve().parent.parent.parent / "annotation_configs" / "label_studio.xml"
)


def colour(label: str) -> str:
    """A stable, readable background colour for a label (hue from a hash of its name)."""
    digest = hashlib.sha256(label.encode()).digest()
    hue = int.from_bytes(digest[:2], "big") / 65536
    red, green, blue = colorsys.hls_to_rgb(hue, 0.62, 0.75)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


def mode_control(event_type: str) -> str:
    """Name of the per-trigger choice that holds the mode of one event type."""
    return f"{MODE_PREFIX}{event_type}"


def _labels(parent: ET.Element, name: str, labels: list[tuple[str, str | None]]) -> None:
    ctrl = ET.SubElement(parent, "Labels", name=name, toName=TEXT)
    for value, hint in labels:
        attrs = {"value": value, "background": colour(value)}
        if hint:
            attrs["hint"] = hint
        ET.SubElement(ctrl, "Label", attrs)


def render_config(tax: Taxonomy) -> str:
    """The labeling config XML for a taxonomy (deterministic: same taxonomy, same bytes)."""
    view = ET.Element("View")
    view.append(
        ET.Comment(
            f" Generated from taxonomy {tax.version} ({tax.fingerprint}) by "
            "`pipeline studio config`; do not edit by hand. "
        )
    )
    ET.SubElement(view, "Header", value="$title", size="4")
    ET.SubElement(view, "Text", name="date", value="$date")
    _labels(view, ENTITY, [(label, None) for label in tax.entity_labels])
    _labels(view, TIME, [(label, None) for label in tax.time_labels])
    _labels(view, TRIGGER, [(name, et.definition) for name, et in tax.event_types.items()])
    _labels(
        view,
        ARGUMENT,
        [(ARGUMENT_LABEL, "A span that fills an event role but is neither entity nor time")],
    )
    relations = ET.SubElement(view, "Relations")
    for role in tax.roles:
        ET.SubElement(relations, "Relation", value=role)
    ET.SubElement(view, "Text", name=TEXT, value="$text")
    ET.SubElement(
        view,
        "TextArea",
        name=TIME_VALUE,
        toName=TEXT,
        perRegion="true",
        whenTagName=TIME,
        editable="true",
        maxSubmissions="1",
        rows="1",
        placeholder="ISO 8601 value, e.g. 2024-03-05 or 2024-03-05T14:30",
    )
    flags = ET.SubElement(
        view,
        "Choices",
        name=EVENT_FLAGS,
        toName=TEXT,
        perRegion="true",
        whenTagName=TRIGGER,
        choice="multiple",
        showInline="true",
    )
    ET.SubElement(flags, "Choice", value=FLAG_NEGATED)
    ET.SubElement(flags, "Choice", value=FLAG_HYPOTHETICAL)
    for name, et in tax.event_types.items():
        if not et.modes:
            continue
        modes = ET.SubElement(
            view,
            "Choices",
            name=mode_control(name),
            toName=TEXT,
            perRegion="true",
            whenTagName=TRIGGER,
            whenLabelValue=name,
            choice="single",
            showInline="true",
        )
        for mode in et.modes:
            ET.SubElement(modes, "Choice", value=mode)
    quality = ET.SubElement(view, "Choices", name=QUALITY, toName=TEXT, choice="single")
    ET.SubElement(
        quality,
        "Choice",
        value=UNUSABLE,
        hint="Garbled, truncated, not French or not a news article: exclude it from the dataset",
    )
    ET.indent(view, space="  ")
    return ET.tostring(view, encoding="unicode") + "\n"


def render_instructions(tax: Taxonomy) -> str:
    """The project's annotator instructions (HTML), from the same taxonomy."""
    esc = html.escape
    rows = "".join(
        f"<li><b>{esc(name)}</b>: {esc(et.definition)}</li>" for name, et in tax.event_types.items()
    )
    return (
        f"<p>Taxonomy {esc(tax.version)} ({esc(tax.fingerprint)}). Correct the pre-annotations: "
        f"entities ({esc(', '.join(tax.entity_labels))}), time expressions "
        f"({esc(', '.join(tax.time_labels))}) with their ISO value, and event triggers linked "
        f"to their arguments by relations ({esc(', '.join(tax.roles))}). Flag unusable "
        f"articles.</p><ul>{rows}</ul>"
    )


@dataclass(frozen=True)
class ConfigShape:
    """What a config offers: labels per control, relation roles, per-region choices."""

    labels: dict[str, frozenset[str]]
    relations: frozenset[str]
    choices: dict[str, frozenset[str]]
    text_areas: frozenset[str]


def config_shape(xml: str) -> ConfigShape:
    """Parse a labeling config into the parts a push relies on."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise PipelineError(f"labeling config is not valid XML ({exc})") from exc
    labels = {
        el.get("name", ""): frozenset(lab.get("value", "") for lab in el.iter("Label"))
        for el in root.iter("Labels")
    }
    choices = {
        el.get("name", ""): frozenset(ch.get("value", "") for ch in el.iter("Choice"))
        for el in root.iter("Choices")
    }
    relations = frozenset(el.get("value", "") for el in root.iter("Relation"))
    text_areas = frozenset(el.get("name", "") for el in root.iter("TextArea"))
    return ConfigShape(labels, relations, choices, text_areas)


def incompatibilities(existing_xml: str, tax: Taxonomy) -> list[str]:
    """What the taxonomy needs that an existing project's config lacks (empty: compatible).

    A config that offers more (extra labels added by hand) is compatible: every prediction
    pushed from the taxonomy still validates against it.
    """
    want = config_shape(render_config(tax))
    have = config_shape(existing_xml)
    problems: list[str] = []
    for name, values in want.labels.items():
        missing = values - have.labels.get(name, frozenset())
        if name not in have.labels:
            problems.append(f"no Labels control '{name}'")
        elif missing:
            problems.append(f"'{name}' lacks {', '.join(sorted(missing))}")
    for name, values in want.choices.items():
        if name not in have.choices:
            problems.append(f"no Choices control '{name}'")
        elif values - have.choices[name]:
            problems.append(f"'{name}' lacks {', '.join(sorted(values - have.choices[name]))}")
    if want.relations - have.relations:
        problems.append(f"relations lack {', '.join(sorted(want.relations - have.relations))}")
    problems.extend(f"no TextArea '{name}'" for name in sorted(want.text_areas - have.text_areas))
    return problems
