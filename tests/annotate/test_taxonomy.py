"""The taxonomy file loads with the agreed attributes, and each kind of mistake in it is
refused with one line that names the bad key."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import PipelineError
from pipeline.taxonomy import DEFAULT_PATH, TaxonomyError, load_taxonomy

PLOVER = [
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
]  # fmt: skip


def test_repository_taxonomy_has_the_agreed_shape() -> None:
    tax = load_taxonomy()
    assert tax.version == "1.0.0"
    assert tax.entity_labels == ["PER", "ORG", "LOC", "MISC"]
    assert tax.time_labels == ["DATE", "TIME"]
    assert tax.roles == ["actor", "recipient", "location", "date"]
    assert list(tax.event_types) == PLOVER
    assert len(tax.fingerprint) == 12
    sanction = tax.event_types["SANCTION"]
    assert {"convict", "expel", "withdraw", "discontinue"} <= set(sanction.modes)
    assert sanction.cameo == ["16"]
    assert {"suspendre", "suspension", "expulser", "expulsion"} <= set(sanction.triggers)
    assert sanction.requires_recipient is True
    assert sanction.mode_of("expulsion") == "expel"
    coerce = tax.event_types["COERCE"]
    assert {"seize", "restrict", "arrest", "deport"} <= set(coerce.modes)
    assert coerce.mode_of("arrestation") == "arrest"
    for etype in tax.event_types.values():
        assert etype.definition and "\n" not in etype.definition
        assert etype.triggers and etype.cameo
    index = tax.trigger_index()
    assert index[("nier",)] == "REJECT"
    assert index[("persona", "non", "grata")] == "SANCTION"


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "taxonomy.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("roles: [", "rolez: [", "unknown key 'rolez'"),
        ("    cameo: [\"16\"]\n", "    cameo: [\"16\"]\n    colour: red\n",
         "unknown key 'event_types.SANCTION.colour'"),
        ("entity_labels: [PER, ORG,", "entity_labels: [PER, PER, ORG,",
         "'entity_labels' has duplicate label 'PER'"),
        ("  CONSULT:\n", "  AGREE:\n", "duplicate key 'AGREE'"),
        ("    cameo: [\"16\"]\n", "", "missing field 'event_types.SANCTION.cameo'"),
        ("    cameo: [\"16\"]\n    requires_recipient: true",
         "    cameo: [\"16\"]\n    requires_recipient: maybe",
         "'event_types.SANCTION.requires_recipient' must be true or false"),
        ("    cameo: [\"16\"]", "    cameo: 16", "'event_types.SANCTION.cameo' must be a list"),
        ("version: \"1.0.0\"", "version: 1.0", "'version' must be a quoted semantic version"),
        ("      convict: [verdict]", "      convicted: [verdict]",
         "unknown mode 'event_types.SANCTION.mode_triggers.convicted'"),
        ("[sanctionner, sanction,", "[sanctionner, nier, sanction,",
         "duplicate trigger 'event_types.SANCTION.triggers.nier' (already in REJECT)"),
    ],
)  # fmt: skip
def test_bad_taxonomy_is_one_line_naming_the_key(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = _variant(tmp_path, old, new)
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(path)
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith(f"{path}: ")
    assert message in text
    assert isinstance(info.value, PipelineError)


def test_missing_file_is_a_taxonomy_error(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="cannot read taxonomy"):
        load_taxonomy(tmp_path / "nope.yaml")
