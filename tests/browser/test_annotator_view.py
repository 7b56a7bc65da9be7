"""The annotator's view in a real browser: what is drawn, what is offered, what comes back.

One pushed article, opened as the admin in Chromium at 1366×768. The test corrects it the
way an annotator would (accept the prediction, fix a time value and a mode, draw a span
carelessly, link it to the trigger with a role) and checks that ``pull`` returns exactly
those values and nothing is dropped.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from pipeline.schema import (
    Argument,
    Entity,
    Event,
    PreannotatedArticle,
    TimeExpression,
    bare_article,
)
from pipeline.studio import config as cfg
from pipeline.studio.client import Studio
from pipeline.studio.pull import PullStats, full_rows
from pipeline.studio.push import ensure_project, existing_tasks, push_records
from pipeline.taxonomy import load_taxonomy
from tests.browser.dom import label_drawn, region

TEXT = (
    "Le 3 mai 2025, la France a suspendu son aide au Mali, a annoncé Emmanuel Macron à "
    "Paris. Bamako dénonce une décision de la Commission européenne."
)
ISO_BOX = "ISO 8601 value, e.g. 2024-03-05 or 2024-03-05T14:30"


def _at(word: str) -> tuple[int, int]:
    start = TEXT.index(word)
    return start, start + len(word)


def _article() -> PreannotatedArticle:
    def ent(word: str, label: str) -> Entity:
        return Entity(f"e-{word[:6].lower()}", *_at(word), label, word, "spacy:test@1", 0.9)

    france, mali = ent("France", "LOC"), ent("Mali", "LOC")
    date = TimeExpression(
        "t-date", *_at("3 mai 2025"), "DATE", "3 mai 2025", "2025-05-04", "dates:test@1"
    )
    sanction = Event(
        "ev-suspend",
        "SANCTION",
        *_at("suspendu"),
        "suspendu",
        "withdraw",  # wrong: the annotator makes it "discontinue"
        [
            Argument("actor", france.start, france.end, "France", france.id),
            Argument("recipient", mali.start, mali.end, "Mali", mali.id),
            Argument("date", date.start, date.end, date.text, date.id),
            Argument("recipient", *_at("son aide"), "son aide"),  # a free argument span
        ],
        False,
        False,
        "rules:events@1.0.0",
        0.6,
    )
    return bare_article(
        "art-browser",
        TEXT,
        title="Le Mali privé d'aide",
        date="2025-05-03",
        entities=[france, mali, ent("Emmanuel Macron", "PER"), ent("Paris", "LOC")],
        times=[date],
        events=[sanction],
        model_version="browser-test@1",
        taxonomy_version="1.0.0",
    )


@pytest.fixture(scope="module")
def pushed(studio: Studio) -> dict[str, Any]:
    """The article pushed through the real push into a project made from the taxonomy."""
    project, _ = ensure_project(studio, "browser-project", load_taxonomy())
    record = _article()
    push_records(studio, project["id"], [record], batch_size=10)
    task = existing_tasks(studio, project["id"])[0][record.id].task_id
    return {"project": project["id"], "task": task, "record": record}


def _choice(page: Page, value: str) -> Locator:
    """The checkbox (and its caption) of a choice."""
    return page.locator("label", has=page.locator(f"input[name='{value}']"))


def _in_view(page: Page, target: Locator) -> bool:
    box = target.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    return box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


def _drag_inside(page: Page, word: str, first: int, last: int) -> None:
    """Drag the mouse from character ``first`` to ``last`` of ``word`` (a careless drag)."""
    box = page.evaluate(
        """([word, first, last]) => {
            const root = document.querySelector('.lsf-richtext__container');
            const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            for (let node = walk.nextNode(); node; node = walk.nextNode()) {
                const at = node.data.indexOf(word);
                if (at < 0) continue;
                const range = document.createRange();
                range.setStart(node, at + first);
                range.setEnd(node, at + last);
                const b = range.getBoundingClientRect();
                return [b.left, b.right, (b.top + b.bottom) / 2];
            }
            return null;
        }""",
        [word, first, last],
    )
    left, right, middle = box
    page.mouse.move(left + 1, middle)
    page.mouse.down()
    page.mouse.move(right - 1, middle, steps=8)
    page.mouse.up()


def test_annotator_corrects_an_article_and_pull_returns_exactly_that(
    page: Page, studio: Studio, pushed: dict[str, Any], login, open_task, shot
) -> None:
    record: PreannotatedArticle = pushed["record"]
    login(page)
    open_task(page, pushed["project"], pushed["task"])
    shot(page, "after-task-opened")

    # every predicted region is drawn where the prediction put it, its label written on it
    predicted = [(e.start, e.end, e.label) for e in [*record.entities, *record.times]]
    predicted += [(ev.trigger_start, ev.trigger_end, ev.type) for ev in record.events]
    predicted.append((*_at("son aide"), cfg.ARGUMENT_LABEL))
    for start, end, label in predicted:
        drawn = region(page, start, end)
        assert drawn.count() == 1, (start, end, label)
        assert drawn.inner_text() == TEXT[start:end]
        assert label_drawn(drawn).endswith(f':{label}"'), label

    mode, negated = _choice(page, "discontinue"), _choice(page, cfg.FLAG_NEGATED)
    iso_box = page.locator("[data-testid=textarea-control]")
    assert (mode.count(), negated.count(), iso_box.count()) == (1, 1, 1)
    # a trigger: its modes and flags, in view next to the text; no time box
    region(page, *_at("suspendu")).click()
    assert mode.is_visible() and negated.is_visible()
    assert _in_view(page, mode) and _in_view(page, negated)
    assert not iso_box.is_visible()
    assert not _choice(page, "ceasefire").is_visible()  # AGREE's modes
    shot(page, "after-trigger-selected")
    mode.click()
    # a time expression: its ISO box, no flags and no modes
    region(page, *_at("3 mai 2025")).click()
    assert iso_box.is_visible() and not negated.is_visible() and not mode.is_visible()
    page.get_by_test_id("htx-textbox-edit-button").click()
    page.get_by_test_id("htx-textbox-input").fill("2025-05-03")
    page.get_by_test_id("htx-textbox-save").click()
    shot(page, "after-time-selected")
    # an entity: no per-region control at all
    region(page, *_at("Paris")).click()
    assert not iso_box.is_visible() and not negated.is_visible() and not mode.is_visible()
    page.keyboard.press("Escape")

    # a careless drag over "ommission euro" snaps to the words "Commission européenne"
    page.locator(".lsf-label", has_text="ORG").first.click()
    _drag_inside(page, "Commission européenne", 1, 15)
    drawn = region(page, *_at("Commission européenne"))
    assert drawn.count() == 1 and label_drawn(drawn).endswith(':ORG"')
    page.keyboard.press("Escape")

    # link it to the trigger; the role picker holds one role: picking a second replaces it
    region(page, *_at("suspendu")).click()
    page.keyboard.press("Alt+r")
    drawn.click()
    page.locator(".lsf-panel-tabs__tab", has_text="Relations").first.click()
    relation = page.locator(".lsf-relations__item").filter(has_text="ORG").last
    relation.hover()
    relation.get_by_role("button", name="Show Relation Labels").click()
    meta = page.locator(".lsf-relation-meta").last
    for role in ("recipient", "actor"):
        meta.locator("[data-testid^=select-trigger]").click()
        page.get_by_test_id(f"select-option-{role}").click()
        # one click picks the role and closes the picker: a single-choice select
        expect(page.get_by_test_id("select-popup")).to_be_hidden()
    assert meta.get_by_test_id("select-display-value").inner_text() == "actor"
    shot(page, "after-relation-role")

    with page.expect_response(
        lambda r: "/annotations" in r.url and r.request.method in ("POST", "PATCH")
    ) as saved:
        page.get_by_role("button", name="Submit current annotation").click()
    assert saved.value.ok

    stats = PullStats()
    (row,) = list(full_rows(studio, pushed["project"], stats))
    assert (row.status, row.errors, stats.errors_total) == ("submitted", [], 0)
    commission = next(e for e in row.entities if e.text == "Commission européenne")
    assert commission.label == "ORG" and (commission.start, commission.end) == _at(
        "Commission européenne"
    )
    assert {(e.id, e.label) for e in row.entities} == {
        *((e.id, e.label) for e in record.entities),
        (commission.id, "ORG"),
    }
    assert [(t.id, t.value) for t in row.times] == [("t-date", "2025-05-03")]
    (event,) = row.events
    assert (event.id, event.type, event.mode, event.negated) == (
        "ev-suspend",
        "SANCTION",
        "discontinue",
        False,
    )
    assert sorted((a.role, a.text, a.ref) for a in event.arguments) == sorted(
        [
            ("actor", "France", "e-france"),
            ("recipient", "Mali", "e-mali"),
            ("date", "3 mai 2025", "t-date"),
            ("recipient", "son aide", None),
            ("actor", "Commission européenne", commission.id),
        ]
    )
