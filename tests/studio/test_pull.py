"""Annotate through the SDK as annotators would, then pull and measure agreement."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from pipeline.io import read_records
from pipeline.schema import Annotation
from pipeline.studio.agreement import EVENTS, TIME_VALUE, agreement, task_predictions
from pipeline.studio.client import Studio
from pipeline.studio.pull import PullStats, annotated_tasks, full_rows, task_rows
from pipeline.studio.push import ensure_project, existing_tasks, push_records
from pipeline.taxonomy import load_taxonomy

PROJECT = "pull-project"


def _prediction(studio: Studio, task_id: int) -> dict:
    return studio.get(f"api/tasks/{task_id}/", "read task")["predictions"][0]


@pytest.fixture(scope="module")
def annotated(studio: Studio, article):
    """Four pushed articles, annotated in every way the issue lists; returns the ids."""
    project, _ = ensure_project(studio, PROJECT, load_taxonomy())
    pid = project["id"]
    records = [article(i) for i in range(4)]
    push_records(studio, pid, records, batch_size=1000)
    tasks = {a: t.task_id for a, t in existing_tasks(studio, pid)[0].items()}
    admin = studio.check()["id"]
    second = studio.sdk.users.create(
        username="annotator2", email="annotator2@example.org", password="not-used-here-1"
    ).id
    rec = records[0]
    macron, _scholz, berlin, _renault, monde = rec.entities
    date = rec.times[0]

    # art-00000, annotator 1: change a label, add a missed entity, delete a wrong one,
    # fix a date value, accept the rest
    pred = _prediction(studio, tasks[rec.id])
    result = []
    for item in copy.deepcopy(pred["result"]):
        if item.get("id") == monde.id:
            continue
        if item.get("id") == berlin.id:
            item["value"]["labels"] = ["LOC"]
        if item.get("id") == date.id and item["from_name"] == "time_value":
            item["value"]["text"] = ["2024-03-05"]
        result.append(item)
    start = rec.text.index("Nissan")
    result.append(
        {
            "id": "added1",
            "from_name": "entity",
            "to_name": "text",
            "type": "labels",
            "value": {"start": start, "end": start + 6, "text": "Nissan", "labels": ["ORG"]},
        }
    )
    studio.sdk.annotations.create(
        id=tasks[rec.id], result=result, parent_prediction=pred["id"], lead_time=42.5
    )
    # art-00000, annotator 2 accepts the prediction as it is
    studio.sdk.annotations.create(
        id=tasks[rec.id],
        result=pred["result"],
        parent_prediction=pred["id"],
        completed_by=second,
        lead_time=8.0,
    )
    # art-00001: cancelled (skipped) by annotator 2
    studio.sdk.annotations.create(
        id=tasks["art-00001"], result=[], was_cancelled=True, completed_by=second
    )
    # art-00002: a draft left by annotator 1
    draft = {"result": [result[0]], "lead_time": 3.0}
    resp = studio._http.request(f"api/tasks/{tasks['art-00002']}/drafts", method="POST", json=draft)
    assert resp.status_code == 201
    # art-00003: from scratch, one region whose offsets disagree with its text
    studio.sdk.annotations.create(
        id=tasks["art-00003"],
        result=[
            {
                "id": "bad1",
                "from_name": "entity",
                "to_name": "text",
                "type": "labels",
                "value": {
                    "start": macron.start + 1,
                    "end": macron.end + 1,
                    "text": "Emmanuel Macron",
                    "labels": ["PER"],
                },
            },
            {
                "id": "good1",
                "from_name": "entity",
                "to_name": "text",
                "type": "labels",
                "value": {
                    "start": macron.start,
                    "end": macron.end,
                    "text": macron.text,
                    "labels": ["PER"],
                },
            },
        ],
    )
    return {"project": pid, "tasks": tasks, "admin": admin, "second": second, "records": records}


def rows_of(studio: Studio, pid: int) -> list[Annotation]:
    return list(full_rows(studio, pid, PullStats()))


def test_pull_gives_corrected_values(studio, annotated) -> None:
    rows = rows_of(studio, annotated["project"])
    tasks, admin, second = annotated["tasks"], annotated["admin"], annotated["second"]
    assert [(r.article_id, r.status, r.annotator_id) for r in rows] == [
        ("art-00000", "submitted", admin),
        ("art-00000", "submitted", second),
        ("art-00001", "cancelled", second),
        ("art-00002", "draft", admin),
        ("art-00003", "submitted", admin),
    ]
    first = rows[0]
    rec = annotated["records"][0]
    assert first.task_id == tasks["art-00000"]
    assert first.model_version == "test-model@1"
    assert first.lead_time == 42.5
    assert first.annotator_email == "admin@pipeline.local"
    assert rows[1].annotator_email == "annotator2@example.org"
    assert not first.was_cancelled and rows[2].was_cancelled
    assert first.created_at and first.updated_at
    assert {(e.text, e.label) for e in first.entities} == {
        ("Emmanuel Macron", "PER"),
        ("Olaf Scholz", "PER"),
        ("Berlin", "LOC"),
        ("Renault", "ORG"),
        ("Nissan", "ORG"),
    }
    assert all(e.source == f"annotator:{admin}" for e in first.entities)
    # accepted regions keep the prediction's ids: region-level provenance
    assert {e.id for e in first.entities} == {e.id for e in rec.entities[:4]} | {"added1"}
    assert [(t.text, t.value) for t in first.times] == [("5 mars 2024", "2024-03-05")]
    consult, agree = first.events
    assert (consult.type, consult.mode, agree.type, agree.mode) == (
        "CONSULT",
        "meet",
        "AGREE",
        "sign",
    )
    assert (agree.hypothetical, agree.negated) == (True, False)
    assert {(a.role, a.text, a.ref) for a in consult.arguments} == {
        (a.role, a.text, a.ref) for a in rec.events[0].arguments
    }
    assert [(a.role, a.text, a.ref) for a in agree.arguments] == [
        ("actor", "Renault", rec.entities[3].id),
        ("recipient", "un accord", None),
    ]
    assert first.errors == [] and rows[1].times[0].value == "2024-03-06"
    # the draft holds only what was drafted; the cancelled task has no labels
    assert [e.text for e in rows[3].entities] == ["Emmanuel Macron"]
    assert rows[2].entities == [] and rows[2].model_version is None
    # the region whose offsets disagree is reported, never shifted into place
    bad = rows[4]
    assert [e.id for e in bad.entities] == ["good1"]
    assert len(bad.errors) == 1 and bad.errors[0].startswith("region bad1 (entity): offsets")


def test_pull_cli_is_byte_identical_and_incremental(
    studio_server, studio, annotated, cli, tmp_path: Path
) -> None:
    info, creds = studio_server
    env = {"LABEL_STUDIO_API_KEY": creds.api_key}
    out = tmp_path / "annotations.parquet"
    args = ["studio", "pull", "--project", PROJECT, "--out", str(out), "--url", info.url]
    args += ["--data-dir", str(tmp_path / "state")]
    first = cli(args, env)
    assert first.returncode == 0, first.stderr
    assert "full" in first.stderr
    snapshot = out.read_bytes()
    again = cli(args, env)
    assert again.returncode == 0, again.stderr
    assert "changes since" in again.stderr
    assert out.read_bytes() == snapshot
    # a change: annotator 2 also annotates art-00003
    task = annotated["tasks"]["art-00003"]
    studio.sdk.annotations.create(id=task, result=[], completed_by=annotated["second"])
    changed = cli(args, env)
    assert changed.returncode == 0, changed.stderr
    rows = list(read_records(out, Annotation))
    assert [(r.article_id, r.annotator_id) for r in rows][-2:] == [
        ("art-00003", annotated["admin"]),
        ("art-00003", annotated["second"]),
    ]
    # the incremental result is exactly what a full pull writes
    full = tmp_path / "full.parquet"
    args_full = ["studio", "pull", "--project", PROJECT, "--out", str(full), "--url", info.url]
    assert cli([*args_full, "--full", "--data-dir", str(tmp_path / "state")], env).returncode == 0
    assert full.read_bytes() == out.read_bytes()
    # --since with an old time re-transfers everything and still writes the same bytes
    since = cli([*args, "--since", "2000-01-01T00:00:00Z"], env)
    assert since.returncode == 0, since.stderr
    assert out.read_bytes() == full.read_bytes()


def test_agreement_and_preannotation_help(studio, annotated) -> None:
    users = studio.users()
    tasks = [
        (task_rows(t, users), task_predictions(t))
        for t in annotated_tasks(studio, annotated["project"])
        if t["data"]["article_id"] != "art-00003"
    ]
    report = agreement(tasks)
    assert (report.reliability.articles, report.reliability.pairs) == (1, 1)
    f1 = {label: row["exact_f1"] for label, row in report.reliability.label_rows().items()}
    assert f1["PER"] == pytest.approx(0.8)  # Le Monde deleted by one annotator only
    assert f1["ORG"] == pytest.approx(0.5)  # Renault shared; Nissan vs Berlin
    assert f1["LOC"] == 0.0
    assert f1["DATE"] == 1.0
    assert report.reliability.measure_rows()[TIME_VALUE]["observed"] == 0.0
    assert f1[EVENTS] == 1.0
    help_ = report.help
    assert (help_.kept, help_.changed, help_.deleted, help_.added) == (13, 2, 1, 1)
    assert help_.shares()["kept"] == pytest.approx(13 / 16)
    assert (report.annotations_from_predictions, report.annotations_from_scratch) == (2, 0)
