"""The labeling config rendered from the taxonomy: checked in, escaped, stable."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

from pipeline.studio import config as cfg
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
    colours = {lab.get("value"): lab.get("background") for lab in root.iter("Label")}
    # a label keeps its colour when the others change
    assert colours["ORG"] == cfg.colour("ORG") == cfg.colour("ORG")
    assert colours["AGREE"] in cfg.render_config(TAX)
    assert len({cfg.colour(x) for x in TAX.entity_labels}) == len(TAX.entity_labels)


def test_compatibility_allows_more_refuses_less() -> None:
    xml = cfg.render_config(TAX)
    assert cfg.incompatibilities(xml, TAX) == []
    more = xml.replace('<Label value="MISC"', '<Label value="EXTRA" /><Label value="MISC"')
    assert cfg.incompatibilities(more, TAX) == []
    less = xml.replace('<Relation value="actor" />', "")
    assert cfg.incompatibilities(less, TAX) == ["relations lack actor"]
