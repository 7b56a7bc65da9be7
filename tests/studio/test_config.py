"""The labeling config rendered from the taxonomy: checked in, escaped, stable."""

from __future__ import annotations

import dataclasses
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pipeline.studio import config as cfg
from pipeline.studio import palette
from pipeline.taxonomy import load_taxonomy

TAX = load_taxonomy()


def test_checked_in_config_is_not_stale(repo_root: Path) -> None:
    checked_in = (repo_root / "annotation_configs" / "label_studio.xml").read_text(encoding="utf-8")
    assert checked_in == cfg.render_config(TAX), "run `pipeline studio config` and commit"


def test_config_offers_every_taxonomy_label() -> None:
    root = ET.fromstring(cfg.render_config(TAX))
    labels = {
        el.get("name"): [lab.get("value") for lab in el.iter("Label")] for el in root.iter("Labels")
    }
    assert labels[cfg.ENTITY] == TAX.entity_labels
    assert labels[cfg.TIME] == TAX.time_labels
    assert labels[cfg.TRIGGER] == list(TAX.event_types)
    assert [r.get("value") for r in root.iter("Relation")] == TAX.roles
    hints = {lab.get("value"): lab.get("hint") for lab in root.iter("Label")}
    assert hints["ASSAULT"] == TAX.event_types["ASSAULT"].definition
    modes = {el.get("whenLabelValue"): [c.get("value") for c in el] for el in root.iter("Choices")}
    assert modes["AGREE"] == TAX.event_types["AGREE"].modes
    (area,) = root.iter("TextArea")
    assert (area.get("name"), area.get("perRegion"), area.get("whenTagName")) == (
        cfg.TIME_VALUE,
        "true",
        cfg.TIME,
    )
    quality = [el for el in root.iter("Choices") if el.get("name") == cfg.QUALITY]
    assert [c.get("value") for c in quality[0]] == [cfg.UNUSABLE]


def test_values_are_escaped_and_colours_stable() -> None:
    odd = dataclasses.replace(
        TAX.event_types["AGREE"], definition='Says "yes" <loudly> & signs', modes=["a&b"]
    )
    tax = dataclasses.replace(TAX, event_types={"AGREE": odd}, entity_labels=["P<E>R", "ORG"])
    xml = cfg.render_config(tax)
    assert 'hint="Says &quot;yes&quot; &lt;loudly&gt; &amp; signs"' in xml
    root = ET.fromstring(xml)  # still well-formed
    assert [lab.get("value") for lab in root.iter("Label")][:2] == ["P<E>R", "ORG"]


def _colours(xml: str) -> dict[tuple[str, str], str]:
    root = ET.fromstring(xml)
    return {
        (el.get("name", ""), lab.get("value", "")): lab.get("background", "")
        for el in root.iter("Labels")
        for lab in el.iter("Label")
    }


def test_palette_keeps_every_label_far_from_every_other() -> None:
    colours = _colours(cfg.render_config(TAX))
    assert len(colours) == len(TAX.entity_labels) + len(TAX.time_labels) + len(TAX.event_types) + 1
    # OKLab distance 0.02 is about a just-noticeable difference; hashed hues gave 0.003
    assert palette.min_distance(colours.values()) >= 0.065
    for (family, label), colour in colours.items():
        lightness, a, b = palette.hex_to_oklab(colour)
        hue = math.degrees(math.atan2(b, a)) % 360
        start, end = palette.HUE_RANGES[family]
        assert start - 1 <= hue <= end + 1 or start - 1 <= hue + 360 <= end + 1, (label, hue)
        assert lightness >= 0.65, label  # black text stays readable on it
    assert cfg.render_config(TAX) == cfg.render_config(TAX)


def test_oklab_matches_the_published_reference_values() -> None:
    # white is L=1, a=b=0; pure sRGB red is (0.627955, 0.224863, 0.125846) in Ottosson's post
    assert palette.hex_to_oklab("#ffffff") == pytest.approx((1.0, 0.0, 0.0), abs=1e-4)
    assert palette.hex_to_oklab("#ff0000") == pytest.approx(
        (0.627955, 0.224863, 0.125846), abs=1e-4
    )
    assert palette.oklch_to_hex(0.627955, math.hypot(0.224863, 0.125846), 29.2339) == "#ff0000"
    assert palette.oklch_to_hex(0.9, 0.4, 120) is None  # outside sRGB


def test_per_region_controls_show_only_for_their_region_type() -> None:
    root = ET.fromstring(cfg.render_config(TAX))
    per_region = [el for el in root.iter() if el.get("perRegion") == "true"]
    assert len(per_region) == 2 + sum(1 for et in TAX.event_types.values() if et.modes)
    for el in per_region:
        assert el.get("visibleWhen") == "region-selected", el.get("name")
        want = cfg.TIME if el.get("name") == cfg.TIME_VALUE else cfg.TRIGGER
        assert el.get("whenTagName") == want, el.get("name")
    (relations,) = root.iter("Relations")
    assert relations.get("choice") == "single"
    (text,) = [el for el in root.iter("Text") if el.get("name") == cfg.TEXT]
    assert (text.get("granularity"), text.get("showLabels")) == ("word", "true")
    (style,) = root.iter("Style")
    assert "line-height" in (style.text or "")  # room for relation arcs between lines
    captions = [h.get("value") for h in root.iter("Header")]
    assert captions.index("Title") + 1 == captions.index("$title")
    assert captions.index("$date") - 1 == next(
        i for i, c in enumerate(captions) if c and c.startswith("Reference date")
    )


def test_instructions_explain_modes_flags_and_actors() -> None:
    text = cfg.render_instructions(TAX)
    for word in (
        "<b>Modes.</b>",
        "<b>Flags.</b>",
        "<b>Actors.</b>",
        "<i>ministre</i>",
        "negated",
        "hypothetical",
        "sign, settle",
    ):
        assert word in text


def test_compatibility_allows_more_refuses_less() -> None:
    xml = cfg.render_config(TAX)
    assert cfg.incompatibilities(xml, TAX) == []
    more = xml.replace('<Label value="MISC"', '<Label value="EXTRA" /><Label value="MISC"')
    assert cfg.incompatibilities(more, TAX) == []
    less = xml.replace('<Relation value="actor" />', "")
    assert cfg.incompatibilities(less, TAX) == ["relations lack actor"]
