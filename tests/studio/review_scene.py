"""The review scene, one definition for the studio and browser tests: real users, two
annotators disagreeing on an entity label (art-00000), a time value (art-00001) and an
event argument (art-00002), agreeing on art-00003, and a reviewer (carol) with no work of
their own.

A plain module: a test module takes the ``scene`` fixture with
``from tests.studio.review_scene import scene`` (it needs the ``studio`` fixture of
``tests/conftest.py``).
"""

from __future__ import annotations

import copy

import httpx
import pytest

from pipeline.studio.client import Studio, Target
from pipeline.studio.push import ensure_project, existing_tasks, push_records
from pipeline.studio.review_config import ReviewConfig
from pipeline.taxonomy import load_taxonomy
from tests.studio.articles import make_article

PROJECT = "review-source"
REVIEW = f"{PROJECT}{ReviewConfig.from_params().project_suffix}"


def password(name: str) -> str:
    """The password ``signup`` gives user ``name`` (the browser test signs in with it)."""
    return f"pw-{name}-2718281828"


def signup(admin: Studio, name: str) -> Studio:
    """A real user: signs up through the organisation's invite link (``/api/invite``, read
    with the admin's token), then works with their own API token."""
    email, secret = f"{name}@example.org", password(name)
    invite = admin.get("api/invite", "invite link")["invite_url"]
    with httpx.Client(base_url=admin.url, timeout=60) as web:
        web.get(invite)
        form = {
            "email": email,
            "password": secret,
            "csrfmiddlewaretoken": web.cookies["csrftoken"],
        }
        signed = web.post(invite, data=form, headers={"Referer": f"{admin.url}{invite}"})
        assert signed.status_code == 302, signed.text[:200]
        token = web.get("/api/current-user/token").json()["token"]
    user = Studio(Target(admin.url, token), admin.settings)
    assert user.check()["email"] == email
    return user


def read_task(studio: Studio, task_id: int) -> dict:
    return studio.get(f"api/tasks/{task_id}/", "read task")


def submit(user: Studio, task_id: int, change=None) -> None:
    """Submit the task's prediction as this user, changed by ``change(result)``."""
    pred = read_task(user, task_id)["predictions"][0]
    result = copy.deepcopy(pred["result"])
    if change:
        change(result)
    user.sdk.annotations.create(id=task_id, result=result, parent_prediction=pred["id"])


def _relabel(rid: str, label: str):
    def change(result: list[dict]) -> None:
        for item in result:
            if item.get("id") == rid and item["type"] == "labels":
                item["value"]["labels"] = [label]

    return change


def _revalue(rid: str, value: str):
    def change(result: list[dict]) -> None:
        for item in result:
            if item.get("id") == rid and item["from_name"] == "time_value":
                item["value"]["text"] = [value]

    return change


def _role(from_id: str, to_id: str, role: str):
    def change(result: list[dict]) -> None:
        for item in result:
            if item["type"] == "relation" and (item["from_id"], item["to_id"]) == (from_id, to_id):
                item["labels"] = [role]

    return change


@pytest.fixture(scope="module")
def scene(studio: Studio):
    project, _ = ensure_project(studio, PROJECT, load_taxonomy())
    pid = project["id"]
    records = [make_article(i) for i in range(4)]
    push_records(studio, pid, records, batch_size=1000)
    tasks = {a: t.task_id for a, t in existing_tasks(studio, pid)[0].items()}
    alice, bob, carol = (signup(studio, n) for n in ("alice", "bob", "carol"))
    ids = {n: u.check()["id"] for n, u in (("alice", alice), ("bob", bob), ("carol", carol))}
    r0, r1, r2 = records[0], records[1], records[2]
    berlin0 = r0.entities[2]
    submit(alice, tasks[r0.id], _relabel(berlin0.id, "LOC"))
    submit(bob, tasks[r0.id])  # keeps ORG
    submit(alice, tasks[r1.id], _revalue(r1.times[0].id, "2024-03-05"))
    submit(bob, tasks[r1.id])  # keeps 2024-03-06
    consult = r2.events[0]
    scholz = r2.entities[1]
    submit(alice, tasks[r2.id])
    submit(bob, tasks[r2.id], _role(consult.id, scholz.id, "actor"))
    submit(alice, tasks[records[3].id])
    submit(bob, tasks[records[3].id])
    return {
        "pid": pid,
        "tasks": tasks,
        "records": records,
        "users": {"alice": alice, "bob": bob, "carol": carol},
        "ids": ids,
    }
