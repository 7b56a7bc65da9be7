"""Agreement figures on constructed cases whose kappa, alpha and F1 are known by hand."""

from __future__ import annotations

import dataclasses

import pytest

from pipeline.schema import Annotation, Argument, Entity, Event, TimeExpression
from pipeline.studio.agreement import (
    ARGUMENT_ROLE,
    ARGUMENTS,
    EVENT_TYPE,
    SPAN_LABELS,
    TIME_VALUE,
    UNUSABLE,
    Units,
    document_agreement,
    reliability,
    reliability_table,
)

TEXT = "Le 5 mars, Macron a expulsé Scholz de Berlin."


def ann(
    annotator: int, article: str = "a1", annotation_id: int | None = None, **fields
) -> Annotation:
    base = dict(
        annotation_id=annotation_id or annotator,
        task_id=1,
        article_id=article,
        status="submitted",
        annotator_id=annotator,
        annotator_email=None,
        created_at="2025-01-01T00:00:00Z",
        updated_at="2025-01-01T00:00:00Z",
        lead_time=1.0,
        was_cancelled=False,
        ground_truth=False,
        model_version=None,
        unusable=False,
        entities=[],
        times=[],
        events=[],
    )
    return Annotation(**{**base, **fields})


def ent(surface: str, label: str, shift: int = 0) -> Entity:
    start = TEXT.index(surface) + shift
    return Entity(
        f"e{start}", start, start + len(surface), label, TEXT[start : start + len(surface)], ""
    )


def date(value: str) -> TimeExpression:
    start = TEXT.index("5 mars")
    return TimeExpression("t1", start, start + 6, "DATE", "5 mars", value, "")


def expel(*roles: tuple[str, str]) -> Event:
    start = TEXT.index("expulsé")
    args = [Argument(role, TEXT.index(s), TEXT.index(s) + len(s), s) for role, s in roles]
    return Event("ev1", "SANCTION", start, start + 7, "expulsé", "expel", args, False, False, "")


def test_krippendorff_canonical_example() -> None:
    """Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 coders, 12 units
    with missing values, nominal alpha 0.743 (a unit coded once is not pairable)."""
    rows = {
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    }
    units = Units()
    for i in range(12):
        units.add({c: v[i] for c, v in rows.items() if v[i] is not None})
    assert len(units.units) == 11
    assert units.alpha() == pytest.approx(0.743, abs=5e-4)


def test_unusable_flag_kappa_and_alpha_on_a_known_table() -> None:
    """100 articles, two annotators: both flag 45, only A 15, only B 25, neither 15.
    Cohen: po 0.6, pe 0.6*0.7 + 0.4*0.3 = 0.54, kappa 0.06/0.46 = 0.1304.
    Krippendorff: 1 - (200-1) * 80 / (2 * 130 * 70) = 0.1253."""
    cells = [(True, True, 45), (True, False, 15), (False, True, 25), (False, False, 15)]
    articles = []
    n = 0
    for a, b, count in cells:
        for _ in range(count):
            n += 1
            aid = f"art{n}"
            articles.append(
                (aid, [ann(1, aid, 2 * n, unusable=a), ann(2, aid, 2 * n + 1, unusable=b)])
            )
    report = reliability(articles)
    unusable = report.measure_rows()[UNUSABLE]
    assert unusable["units"] == 100
    assert unusable["observed"] == pytest.approx(0.6)
    assert unusable["kappa"] == pytest.approx(0.06 / 0.46, abs=1e-4)
    assert unusable["alpha"] == pytest.approx(1 - 199 * 80 / (2 * 130 * 70), abs=1e-4)
    assert report.articles == 100 and report.pairs == 100


def test_spans_and_conditional_measures_match_hand_computed_values() -> None:
    """Two annotators agree on Macron/Scholz PER, the date span and the event; they
    disagree on Berlin (LOC/ORG), the date value and one argument each."""
    a = ann(
        1,
        entities=[ent("Macron", "PER"), ent("Scholz", "PER"), ent("Berlin", "LOC")],
        times=[date("2025-03-05")],
        events=[expel(("actor", "Macron"), ("recipient", "Scholz"))],
    )
    b = ann(
        2,
        entities=[ent("Macron", "PER"), ent("Scholz", "PER"), ent("Berlin", "ORG")],
        times=[date("2024-03-05")],
        events=[expel(("actor", "Macron"), ("location", "Berlin"))],
    )
    report = reliability([("a1", [a, b])])
    labels = report.label_rows()
    assert (labels["PER"]["exact_f1"], labels["PER"]["alpha"]) == (1.0, 1.0)
    assert (labels["LOC"]["exact_f1"], labels["ORG"]["exact_f1"]) == (0.0, 0.0)
    # LOC against the rest over the 4 span units: 1 of 8 values, one disagreeing pair:
    # alpha = 1 - 7 * 2 / (2 * 1 * 7) = 0
    assert labels["LOC"]["alpha"] == 0.0
    assert labels["DATE"]["exact_f1"] == 1.0
    assert labels[ARGUMENTS]["exact_f1"] == 0.5
    m = report.measure_rows()
    # span labels: PER PER | PER PER | LOC ORG | DATE DATE: n = 8, one disagreeing pair:
    # alpha = 1 - 7 * 2 / (64 - 16 - 1 - 1 - 4) = 2/3; kappa: po 3/4, pe 4/16 + 1/16 = 5/16, 7/11
    assert m[SPAN_LABELS] == {"units": 4, "observed": 0.75, "alpha": 0.6667, "kappa": 0.6364}
    # the date value: one unit, two different values
    assert m[TIME_VALUE]["units"] == 1 and m[TIME_VALUE]["observed"] == 0.0
    # type given the trigger: one value only, so chance correction is undefined
    assert m[EVENT_TYPE] == {"units": 1, "observed": 1.0, "alpha": None, "kappa": None}
    # roles given the event: actor/actor, recipient/none, none/location:
    # alpha = 1 - 5 * 4 / (36 - 10) = 3/13; kappa = (1/3 - 2/9) / (1 - 2/9) = 1/7
    assert m[ARGUMENT_ROLE] == {
        "units": 3,
        "observed": 0.3333,
        "alpha": round(3 / 13, 4),
        "kappa": round(1 / 7, 4),
    }
    # 7 items each (3 entities, the date, the event, 2 arguments), 4 shared
    assert report.documents["a1"] == round(2 * 4 / 14, 4)


def test_partial_overlap_counts_a_shorter_span() -> None:
    macron = ent("Macron", "PER")
    short = dataclasses.replace(macron, end=macron.end - 1)
    report = reliability([("a2", [ann(3, entities=[short]), ann(4, entities=[macron])])])
    row = report.label_rows()["PER"]
    assert (row["exact_f1"], row["partial_f1"]) == (0.0, 1.0)
    assert report.documents["a2"] == 0.0
    # PER or not over the two spans: (PER, none), (none, PER): alpha 1 - 3 * 4 / 8 = -0.5,
    # kappa (0 - 0.5) / (1 - 0.5) = -1
    table = reliability_table(report)
    assert table["articles where the voters disagree"] == "1"
    assert table["PER"] == "F1 exact 0.000, partial 1.000, alpha -0.500, kappa -1.000 (1 docs)"


def test_document_agreement_is_one_only_when_everything_matches() -> None:
    same = [ann(1, times=[date("2025-03-05")]), ann(2, times=[date("2025-03-05")])]
    assert document_agreement(same) == 1.0
    other_value = [ann(1, times=[date("2025-03-05")]), ann(2, times=[date("2024-03-05")])]
    assert document_agreement(other_value) == 0.0
    flagged = [ann(1), ann(2, unusable=True)]
    assert document_agreement(flagged) == 0.0
    other_arg = [
        ann(1, events=[expel(("actor", "Macron"))]),
        ann(2, events=[expel(("recipient", "Macron"))]),
    ]
    assert document_agreement(other_arg) == pytest.approx(0.5)  # the event agrees, its argument not
