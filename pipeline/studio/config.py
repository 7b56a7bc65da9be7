"""The Label Studio labeling config, rendered from the taxonomy (never written by hand).

One ``Labels`` control per kind of span (entities, time expressions, event triggers, and
free argument spans), relations from a trigger to its argument spans labelled with the
role, per-trigger choices for the event mode (one control per event type, shown only for
that type) and its negated/hypothetical flags, a per-region text box holding the ISO value
of a time expression, and an article-level choice to flag unusable text. The control names
below are the contract between the config, the push (predictions) and the pull (results).

What the annotator sees was checked in a real browser (tests/browser):

- Two columns: the article on the left, and on the right a panel that stays in view
  (``position: sticky``) with the labels and, below them, the controls of the selected
  region. At 1366×768 the mode of a trigger is never off-screen under a long article.
- Per-region controls carry ``visibleWhen="region-selected"`` with ``whenTagName`` (the
  Labels control) and, for modes, ``whenLabelValue``: Label Studio 1.23 ignores
  ``whenTagName`` without ``visibleWhen``, which let a time value be typed on a trigger.
- Relations are single-choice (Label Studio's default is multiple despite its docs): an
  argument has exactly one role.
- Word granularity (a careless drag selects whole words) and region labels drawn in the
  text (``showLabels``), the title and the reference date captioned.
- One trigger label per event type: the type is chosen with the span (one click) and the
  label's colour shows the type in the text; a single "EVENT" label with a type choice
  would cost a click more per event and paint every event the same colour.

Colours come from :mod:`pipeline.studio.palette`: one hue range per family, farthest-point
in OKLab, so no two labels look alike. The XML is built with ElementTree, so every value is
escaped.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.studio.palette import Palette, build_palette
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

_COLUMNS = "display: flex; gap: 16px; align-items: flex-start"
_ARTICLE = "flex: 1 1 0; min-width: 0"
_PANEL = (
    "flex: 0 0 340px; position: sticky; top: 0; max-height: 100vh; overflow-y: auto; "
    "padding-left: 12px; border-left: 1px solid #ddd"
)
#: Room between lines for relation arcs and their role tags, so they do not cover words.
_TEXT_CSS = ".lsf-richtext__line { line-height: 2.8; }"
_CAPTION = "color: #666; font-size: 12px; margin: 0"


def mode_control(event_type: str) -> str:
    """Name of the per-trigger choice that holds the mode of one event type."""
    return f"{MODE_PREFIX}{event_type}"


def palette(tax: Taxonomy) -> Palette:
    """Every span label's colour (see :mod:`pipeline.studio.palette`)."""
    return build_palette(
        [
            (ENTITY, tax.entity_labels),
            (TIME, tax.time_labels),
            (TRIGGER, list(tax.event_types)),
            (ARGUMENT, [ARGUMENT_LABEL]),
        ]
    )


def _labels(
    parent: ET.Element, name: str, labels: list[tuple[str, str | None]], colours: Palette
) -> None:
    ctrl = ET.SubElement(parent, "Labels", name=name, toName=TEXT, showInline="true")
    for value, hint in labels:
        attrs = {"value": value, "background": colours.of(name, value)}
        if hint:
            attrs["hint"] = hint
        ET.SubElement(ctrl, "Label", attrs)


def _caption(parent: ET.Element, text: str) -> None:
    ET.SubElement(parent, "Header", value=text, size="6", style=_CAPTION)


def _when_selected(parent: ET.Element, tag: str) -> ET.Element:
    """A block shown only while a region of the Labels control ``tag`` is selected."""
    return ET.SubElement(parent, "View", visibleWhen="region-selected", whenTagName=tag)


def _article(parent: ET.Element) -> None:
    column = ET.SubElement(parent, "View", style=_ARTICLE)
    _caption(column, "Title")
    ET.SubElement(column, "Header", value="$title", size="4")
    _caption(column, "Reference date (relative times resolve against it)")
    ET.SubElement(column, "Header", value="$date", size="5")
    _caption(column, "Article")
    ET.SubElement(column, "Text", name=TEXT, value="$text", granularity="word", showLabels="true")


def _panel(parent: ET.Element, tax: Taxonomy) -> None:
    colours = palette(tax)
    panel = ET.SubElement(parent, "View", style=_PANEL)
    _caption(panel, "Entities, time expressions, other argument spans")
    _labels(panel, ENTITY, [(label, None) for label in tax.entity_labels], colours)
    _labels(panel, TIME, [(label, None) for label in tax.time_labels], colours)
    _labels(
        panel,
        ARGUMENT,
        [(ARGUMENT_LABEL, "A span that fills an event role but is neither entity nor time")],
        colours,
    )
    _caption(panel, "Event triggers: the label is the event type")
    _labels(
        panel, TRIGGER, [(name, et.definition) for name, et in tax.event_types.items()], colours
    )
    relations = ET.SubElement(panel, "Relations", choice="single")
    for role in tax.roles:
        ET.SubElement(relations, "Relation", value=role)
    hint = ET.SubElement(panel, "View", visibleWhen="no-region-selected")
    _caption(hint, "Select a trigger for its mode and flags, a DATE or TIME for its ISO value.")
    _time_controls(_when_selected(panel, TIME))
    _event_controls(_when_selected(panel, TRIGGER), tax)
    _caption(panel, "Whole article")
    quality = ET.SubElement(panel, "Choices", name=QUALITY, toName=TEXT, choice="single")
    ET.SubElement(
        quality,
        "Choice",
        value=UNUSABLE,
        hint="Garbled, truncated, not French or not a news article: exclude it from the dataset",
    )


def _per_region(block: ET.Element, tag: str, name: str, region: str, **attrs: str) -> ET.Element:
    """A control holding one value per region, shown only while a ``region`` span (a Labels
    control name) is selected: ``visibleWhen`` is what makes Label Studio 1.23 honour
    ``whenTagName``."""
    common = {
        "name": name,
        "toName": TEXT,
        "perRegion": "true",
        "visibleWhen": "region-selected",
        "whenTagName": region,
    }
    return ET.SubElement(block, tag, {**common, **attrs})


def _time_controls(block: ET.Element) -> None:
    _caption(block, "ISO value of the selected time expression")
    _per_region(
        block,
        "TextArea",
        TIME_VALUE,
        TIME,
        editable="true",
        maxSubmissions="1",
        rows="1",
        placeholder="ISO 8601 value, e.g. 2024-03-05 or 2024-03-05T14:30",
    )


def _event_controls(block: ET.Element, tax: Taxonomy) -> None:
    """Flags first (one short row), then the modes of the trigger's type: at 1366×768 both
    stay above the fold under the 16 trigger labels."""
    _caption(block, "Selected event: flags, then mode")
    flags = _per_region(
        block,
        "Choices",
        EVENT_FLAGS,
        TRIGGER,
        choice="multiple",
        showInline="true",
    )
    ET.SubElement(flags, "Choice", value=FLAG_NEGATED, hint="The text says it did not happen")
    ET.SubElement(
        flags, "Choice", value=FLAG_HYPOTHETICAL, hint="Planned, possible, demanded or denied"
    )
    for name, et in tax.event_types.items():
        if not et.modes:
            continue
        modes = _per_region(
            block,
            "Choices",
            mode_control(name),
            TRIGGER,
            whenLabelValue=name,
            choice="single",
            showInline="true",
        )
        for mode in et.modes:
            ET.SubElement(modes, "Choice", value=mode)


def render_config(tax: Taxonomy) -> str:
    """The labeling config XML for a taxonomy (deterministic: same taxonomy, same bytes)."""
    view = ET.Element("View")
    view.append(
        ET.Comment(
            f" Generated from taxonomy {tax.version} ({tax.fingerprint}) by "
            "`pipeline studio config`; do not edit by hand. "
        )
    )
    style = ET.SubElement(view, "Style")
    style.text = _TEXT_CSS
    columns = ET.SubElement(view, "View", style=_COLUMNS)
    _article(columns)
    _panel(columns, tax)
    ET.indent(view, space="  ")
    return ET.tostring(view, encoding="unicode") + "\n"


def render_instructions(tax: Taxonomy) -> str:
    """The project's annotator instructions (HTML), from the same taxonomy."""
    esc = html.escape
    rows = "".join(
        f"<li><b>{esc(name)}</b>: {esc(et.definition)}"
        + (f" Modes: {esc(', '.join(et.modes))}." if et.modes else "")
        + "</li>"
        for name, et in tax.event_types.items()
    )
    return (
        f"<p>Taxonomy {esc(tax.version)} ({esc(tax.fingerprint)}). Correct the pre-annotations: "
        f"entities ({esc(', '.join(tax.entity_labels))}), time expressions "
        f"({esc(', '.join(tax.time_labels))}) and event triggers; link each trigger to its "
        f"arguments by relations with exactly one role ({esc(', '.join(tax.roles))}). "
        "Spans snap to whole words.</p>"
        "<p><b>Time values.</b> Select a DATE or TIME: the box on the right holds its ISO 8601 "
        "value, resolved against the reference date shown under the title.</p>"
        "<p><b>Modes.</b> Select a trigger: the right panel shows the modes of its event "
        "type; pick one. After changing the trigger's type, pick a mode of the new type "
        "(a mode of the old type is not kept).</p>"
        "<p><b>Actors.</b> <i>actor</i> and <i>recipient</i> are actors: people, "
        "organisations, states, armed groups (a name, or a noun such as <i>les "
        "manifestants</i>, <i>le gouvernement</i>). Never the thing demanded, refused or "
        "suspended (<i>la réforme</i>, <i>les normes</i>): leave such a span out; in "
        "<i>la démission du ministre</i> the recipient is <i>ministre</i>.</p>"
        "<p><b>Flags.</b> <i>negated</i>: the text says the event did not happen; "
        "<i>hypothetical</i>: it is planned, possible, demanded or reported as denied.</p>"
        "<p>Values typed on the wrong kind of region, or a relation without exactly one role, "
        "are not kept: the pull reports each one. Flag unusable articles.</p>"
        f"<ul>{rows}</ul>"
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
