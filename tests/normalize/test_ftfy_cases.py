"""ftfy's own mojibake cases (rspeer/python-ftfy, Apache-2.0).

Expected outputs were made with ftfy's defaults, which straighten curly quotes; we keep
them (``uncurl_quotes=False``), so outputs are compared with quotes straightened on both
sides. The French in-the-wild cases must all be repaired and ``negative.json`` left alone;
every other case passes too and is checked as well, so a regression anywhere shows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ftfy.fixes import uncurl_quotes

from pipeline.normalize.language import detect_language
from pipeline.normalize.repair import repair


def cases(shared_data: Path, name: str) -> list[dict]:
    return json.loads((shared_data / "ftfy-cases" / name).read_text(encoding="utf-8"))


def is_french(case: dict) -> bool:
    return "French" in case["label"] or detect_language(case["fixed"], 2000)[0] == "fr"


def test_french_in_the_wild_cases_are_repaired(shared_data: Path) -> None:
    french = [c for c in cases(shared_data, "in-the-wild.json") if is_french(c)]
    assert len(french) == 12
    for case in french:
        fixed, repairs = repair(case["original"])
        assert uncurl_quotes(fixed) == uncurl_quotes(case["fixed"].strip()), case["label"]
        assert "ftfy" in repairs


@pytest.mark.parametrize("name", ["in-the-wild.json", "synthetic.json"])
def test_every_case_is_repaired(shared_data: Path, name: str) -> None:
    failed = [
        c["label"]
        for c in cases(shared_data, name)
        if uncurl_quotes(repair(c["original"])[0]) != uncurl_quotes(c["fixed"].strip())
    ]
    assert failed == []


def test_negative_cases_are_left_alone(shared_data: Path) -> None:
    negatives = cases(shared_data, "negative.json")
    assert len(negatives) == 31
    for case in negatives:
        fixed, _ = repair(case["original"])
        if uncurl_quotes(case["fixed"]) == uncurl_quotes(case["original"]):
            assert fixed == case["original"].strip(), case["label"]
        else:  # the one "mostly negative" case: a C1 control is a cp1252 ellipsis
            assert fixed == case["fixed"].strip()
    # curly quotes of the author stay curly (ftfy's defaults would straighten them)
    curly = next(c for c in negatives if "curly apostrophe" in c["label"] and "é" in c["fixed"])
    assert "’" in repair(curly["original"])[0]
