"""Overlap, review and adjudication against a real server, with real users.

Two annotators and a reviewer are created through the API and each submits with their own
token. The annotators disagree on an entity label (art-00000), a time value (art-00001)
and an event argument (art-00002), and agree on art-00003: review tasks appear for
exactly the first three, once even when the review is built twice, and the reviewer's
answer is what the next release cut keeps.
"""

from __future__ import annotations

import copy
from pathlib import Path

import httpx
import pytest

from pipeline.io import read_json, write_records
from pipeline.release.cut import cut
from pipeline.release.reader import MANIFEST
from pipeline.schema import Annotation, PreannotatedArticle
from pipeline.studio.client import Studio, Target
from pipeline.studio.convert import parse_result
from pipeline.studio.merge import Strategy
from pipeline.studio.overlap import assign_overlap, chosen
from pipeline.studio.pull import PullStats, full_rows
from pipeline.studio.push import ensure_project, existing_tasks, push_records
from pipeline.studio.review import MERGED_PREFIX, build_review
from pipeline.studio.review_config import ReviewConfig
from pipeline.taxonomy import load_taxonomy

PROJECT = "review-source"
REVIEW = f"{PROJECT}{ReviewConfig.from_params().project_suffix}"


def signup(admin: Studio, name: str) -> Studio:
    """A real user: signs up through the organisation's invite link (``/api/invite``, read
    with the admin's token), then works with their own API token."""
    email, password = f"{name}@example.org", f"pw-{name}-2718281828"
    invite = admin.get("api/invite", "invite link")["invite_url"]
    with httpx.Client(base_url=admin.url, timeout=60) as web:
        web.get(invite)
        form = {
            "email": email,
            "password": password,
            "csrfmiddlewaretoken": web.cookies["csrftoken"],
        }
        signed = web.post(invite, data=form, headers={"Referer": f"{admin.url}{invite}"})
        assert signed.status_code == 302, signed.text[:200]
        token = web.get("/api/current-user/token").json()["token"]
    user = Studio(Target(admin.url, token), admin.settings)
    assert user.check()["email"] == email
    return user


def _task(studio: Studio, task_id: int) -> dict:
    return studio.get(f"api/tasks/{task_id}/", "read task")


def submit(user: Studio, task_id: int, change=None) -> None:
    """Submit the task's prediction as this user, changed by ``change(result)``."""
    pred = _task(user, task_id)["predictions"][0]
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
def scene(studio: Studio, article):
    project, _ = ensure_project(studio, PROJECT, load_taxonomy())
    pid = project["id"]
    records = [article(i) for i in range(4)]
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


def test_overlap_is_deterministic_recorded_and_honoured(
    studio: Studio, article, cli, studio_server, tmp_path: Path
) -> None:
    info, creds = studio_server
    records = [article(i) for i in range(100, 120)]
    pre = tmp_path / "pre.parquet"
    write_records(pre, records, PreannotatedArticle)
    args = ["studio", "push", str(pre), "--project", "overlap-project", "--url", info.url]
    run = cli(
        [*args, "--overlap", "2", "--data-dir", str(tmp_path / "state")],
        {"LABEL_STUDIO_API_KEY": creds.api_key},
    )
    assert run.returncode == 0, run.stderr
    config = ReviewConfig.from_params()
    share, seed = config.overlap_share, config.overlap_seed
    expected = sum(chosen(r.id, share, seed) for r in records)
    assert f"{expected} of 20" in run.stderr  # the summary table
    pid = studio.project_by_title("overlap-project")["id"]
    stats = assign_overlap(studio, pid, 2, 0.5, seed=17)
    want = {r.id for r in records if chosen(r.id, 0.5, 17)}
    assert 0 < len(want) < len(records)
    moved = sum(chosen(r.id, 0.5, 17) != chosen(r.id, share, seed) for r in records)
    assert (stats.overlapped, stats.single) == (len(want), 20 - len(want))
    assert stats.updated == 20  # every record changed (share), the overlap of `moved` tasks
    assert moved > 0
    got = {}
    for page in studio.task_pages(pid, "id,meta,overlap"):
        for task in page:
            got[task["meta"]["article_id"]] = (task["overlap"], task["meta"]["overlap"])
    assert {a for a, (k, _) in got.items() if k == 2} == want
    assert all(rec == {"k": k, "share": 0.5, "seed": 17} for k, rec in got.values())
    assert assign_overlap(studio, pid, 2, 0.5, seed=17).updated == 0  # recorded: nothing to do
    # the server honours it: an overlapped task is done only after two annotators
    task_id = next(
        t["id"]
        for page in studio.task_pages(pid, "id,meta")
        for t in page
        if t["meta"]["article_id"] in want
    )
    studio.sdk.annotations.create(id=task_id, result=[])
    assert _task(studio, task_id)["is_labeled"] is False


def test_review_tasks_for_exactly_the_disagreements_once(studio: Studio, scene) -> None:
    config = ReviewConfig.from_params()
    review, first = build_review(studio, PROJECT, config, batch_size=1000)
    assert (first.multi_annotated, first.agreeing, first.disagreeing) == (4, 1, 3)
    assert (first.created, first.already_in_review) == (3, 0)
    _, again = build_review(studio, PROJECT, config, batch_size=1000)
    assert (again.created, again.already_in_review) == (0, 3)
    tasks = [t for page in studio.task_pages(review["id"], "id,meta") for t in page]
    assert sorted(t["meta"]["article_id"] for t in tasks) == ["art-00000", "art-00001", "art-00002"]
    assert review["model_version"] == MERGED_PREFIX + "majority"  # the editor's pre-fill
    ids = scene["ids"]
    by_article = {t["meta"]["article_id"]: _task(studio, t["id"]) for t in tasks}
    r0, r2 = scene["records"][0], scene["records"][2]
    full = by_article["art-00000"]
    assert full["meta"]["annotators"] == sorted([ids["alice"], ids["bob"]])
    versions = {p["model_version"]: p for p in full["predictions"]}
    assert set(versions) == {
        "merged:majority",
        f"annotator:{ids['alice']} (alice@example.org)",
        f"annotator:{ids['bob']} (bob@example.org)",
    }

    def parsed(task, version):
        pred = next(p for p in task["predictions"] if p["model_version"].startswith(version))
        return parse_result(pred["result"], task["data"]["text"], version)

    berlin = r0.entities[2]
    labels = {
        who: {(e.start, e.end): e.label for e in parsed(full, who).entities}
        for who in ("merged", f"annotator:{ids['alice']}", f"annotator:{ids['bob']}")
    }
    assert labels[f"annotator:{ids['alice']}"][(berlin.start, berlin.end)] == "LOC"
    assert labels[f"annotator:{ids['bob']}"][(berlin.start, berlin.end)] == "ORG"
    assert (berlin.start, berlin.end) not in labels["merged"]  # a tie: the reviewer decides
    assert len(labels["merged"]) == 4
    times = by_article["art-00001"]
    values = {
        who: [t.value for t in parsed(times, who).times]
        for who in (f"annotator:{ids['alice']}", f"annotator:{ids['bob']}", "merged")
    }
    assert values == {
        f"annotator:{ids['alice']}": ["2024-03-05"],
        f"annotator:{ids['bob']}": ["2024-03-06"],
        "merged": [],
    }
    events = by_article["art-00002"]
    bob_event = next(
        e for e in parsed(events, f"annotator:{ids['bob']}").events if e.type == "CONSULT"
    )
    merged_event = next(e for e in parsed(events, "merged").events if e.type == "CONSULT")
    assert (bob_event.mode, bob_event.hypothetical) == ("meet", False)
    scholz = r2.entities[1]
    assert ("actor", scholz.start) in {(a.role, a.start) for a in bob_event.arguments}
    assert scholz.start not in {a.start for a in merged_event.arguments}
    assert {a.role for a in merged_event.arguments} == {"actor", "location", "date"}


def test_the_reviewers_choice_wins_in_the_next_release(
    studio: Studio, scene, tmp_path: Path, cli, studio_server
) -> None:
    info, creds = studio_server
    env = {"LABEL_STUDIO_API_KEY": creds.api_key}
    args = ["studio", "review", "--project", PROJECT, "--url", info.url]
    run = cli([*args, "--data-dir", str(tmp_path / "state")], env)
    assert run.returncode == 0, run.stderr
    assert "review tasks created" in run.stdout + run.stderr
    review = studio.project_by_title(REVIEW)
    tasks = {
        t["meta"]["article_id"]: t["id"]
        for page in studio.task_pages(review["id"], "id,meta")
        for t in page
    }
    r0, r1 = scene["records"][:2]
    berlin = r0.entities[2]
    carol, alice = scene["users"]["carol"], scene["users"]["alice"]
    ids = scene["ids"]

    def take(version: str, change=None):
        def answer(user: Studio, task_id: int) -> None:
            task = _task(user, task_id)
            pred = next(p for p in task["predictions"] if p["model_version"].startswith(version))
            result = copy.deepcopy(pred["result"])
            if change:
                change(result)
            user.sdk.annotations.create(id=task_id, result=result, parent_prediction=pred["id"])

        return answer

    # carol settles Berlin as LOC (alice's version); alice "reviews" her own article
    take(f"annotator:{ids['alice']}")(carol, tasks[r0.id])
    take(f"annotator:{ids['alice']}")(alice, tasks[r1.id])
    _, counted = build_review(studio, PROJECT, ReviewConfig.from_params(), batch_size=1000)
    assert (counted.reviewed, counted.own_work, counted.created) == (2, 1, 0)
    snapshot, reviews = tmp_path / "snapshot.parquet", tmp_path / "reviews.parquet"
    write_records(snapshot, full_rows(studio, scene["pid"], PullStats()), Annotation)
    write_records(reviews, full_rows(studio, review["id"], PullStats()), Annotation)
    pre = tmp_path / "pre.parquet"
    write_records(pre, scene["records"], PreannotatedArticle)
    result = cut("1.0.0", pre, snapshot, tmp_path / "releases", reviews=reviews)
    from datasets import load_dataset

    rows = {r["id"]: r for split in load_dataset(str(result.folder)).values() for r in split}
    names = load_dataset(str(result.folder))["train"].features["entities"].feature["label"]
    settled = {(e["start"], e["end"]): e for e in rows[r0.id]["entities"]}
    assert names.int2str(settled[(berlin.start, berlin.end)]["label"]) == "LOC"
    assert settled[(berlin.start, berlin.end)]["source"] == f"reviewer:{ids['carol']}"
    assert f"reviewer:{ids['carol']}" in rows[r0.id]["annotators"]
    # the self-review is refused: art-00001 stays merged, its disputed date left out
    assert rows[r1.id]["times"] == []
    manifest = read_json(result.folder / MANIFEST)
    adjudication = manifest["adjudication"]
    assert adjudication["reviewed_articles"] == 1
    assert adjudication["refused_own_reviews"] == 1
    assert adjudication["merge_strategy"] == Strategy().describe()
    assert manifest["stats"]["gold_rules"] == {"merged": 3, "reviewed": 1}
    per = adjudication["agreement"]["labels"]["PER"]
    assert per["exact_f1"] == 1.0
    card = (result.folder / "README.md").read_text(encoding="utf-8")
    assert "Records settled by a reviewer: 1 (25.0 %)" in card
    # one date per article, art-00001's disputed: 4 units, 3 agreeing (the pipe escaped)
    assert "| time value \\| span | 4 | 0.750 |" in card
