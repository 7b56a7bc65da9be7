"""The reviewer's view in a real browser (issue 17): a review task of the review project.

The review scene of ``tests/studio/review_scene.py`` (alice and bob disagree on Berlin's
label in art-00000) is built into the review project; carol, the reviewer, signs in and
opens art-00000's task. Label Studio 1.23 lists a task's annotations and predictions as
tabs above the editor (``.lsf-annotation-button``): each tab shows its author's name cut
to 8 + 6 characters, and the tooltip shown on hover carries the whole name and whether it
is a prediction. So the test reads every author from the tooltips, then selects each
annotator's prediction and reads the label drawn on Berlin.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from pipeline.studio.client import Studio
from pipeline.studio.review import MERGED_PREFIX, build_review
from pipeline.studio.review_config import ReviewConfig
from tests.browser.dom import label_drawn, region
from tests.studio.review_scene import PROJECT, password, scene

__all__ = ["scene"]  # the shared fixture, used by name

TAB = ".lsf-annotation-button"
TOOLTIP = ".lsf-annotation-button__tooltipContainer"


@pytest.fixture(scope="module")
def review(studio: Studio, scene: dict[str, Any]) -> dict[str, Any]:
    """The review project built from the scene: its id and its task ids by article."""
    project, _ = build_review(studio, PROJECT, ReviewConfig.from_params(), batch_size=1000)
    tasks = {
        t["meta"]["article_id"]: t["id"]
        for page in studio.task_pages(project["id"], "id,meta")
        for t in page
    }
    return {"project": project["id"], "tasks": tasks}


def _tooltip(page: Page, tab: Locator) -> tuple[str, str]:
    """(whole author name, type) from the tooltip a tab shows when hovered."""
    tab.hover()
    tip = page.locator(TOOLTIP)
    expect(tip).to_be_visible()
    name = tip.locator(".lsf-annotation-button__tooltipContainerTitle").inner_text()
    row = tip.locator(".lsf-annotation-button__infoRow", has_text="Type")
    kind = row.locator(".lsf-annotation-button__infoRowValue").inner_text()
    page.mouse.move(0, 0)
    expect(tip).to_be_hidden()
    return name, kind


def test_reviewer_sees_the_merged_prefill_and_each_annotators_version(
    page: Page, review: dict[str, Any], scene: dict[str, Any], login, open_task, shot
) -> None:
    ids, record = scene["ids"], scene["records"][0]
    macron, scholz, berlin, renault, monde = record.entities
    login(page, "carol@example.org", password("carol"))
    open_task(page, review["project"], review["tasks"][record.id])
    shot(page, "review-task-merged")

    # the reviewer's draft starts from the merge: what both kept, Berlin's label left open
    for entity in (macron, scholz, renault, monde):
        drawn = region(page, entity.start, entity.end)
        assert drawn.count() == 1, entity.text
        assert label_drawn(drawn).endswith(f':{entity.label}"'), entity.text
    berlin_drawn = region(page, berlin.start, berlin.end)
    assert berlin_drawn.count() == 1
    assert label_drawn(berlin_drawn).endswith(':ARG"')  # kept as the meeting's place only

    # every version is a tab of its own, named for its author
    tabs = page.locator(TAB)
    authors = {_tooltip(page, tabs.nth(i)): tabs.nth(i) for i in range(tabs.count())}
    alice = f"annotator:{ids['alice']} (alice@example.org)"
    bob = f"annotator:{ids['bob']} (bob@example.org)"
    assert set(authors) == {
        ("carol", "Annotation"),
        (MERGED_PREFIX + "majority", "Prediction"),
        (alice, "Prediction"),
        (bob, "Prediction"),
    }
    shown = {}
    for who, name in (("alice", alice), ("bob", bob)):
        tab = authors[(name, "Prediction")]
        tab.locator(".lsf-annotation-button__mainSection").click()
        expect(tab).to_have_class(f"{TAB[1:]} {TAB[1:]}_selected")
        drawn = region(page, berlin.start, berlin.end)
        expect(drawn).to_have_count(1)
        shown[who] = label_drawn(drawn)
        shot(page, f"review-task-{who}")
    assert shown["alice"].endswith(':LOC"') and shown["bob"].endswith(':ORG"'), shown
