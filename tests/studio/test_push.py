"""Push against a real server: predictions validated, idempotent, crash-safe."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from pipeline.errors import PipelineError
from pipeline.io import write_records
from pipeline.schema import PreannotatedArticle
from pipeline.studio import server
from pipeline.studio.push import ensure_project, existing_tasks, push_records
from pipeline.studio.sync import PushState
from pipeline.taxonomy import load_taxonomy

TAX = load_taxonomy()


def task_articles(studio, project_id: int) -> Counter[str]:
    """How many tasks each article id has in the project (read from the task data)."""
    return Counter(
        t["data"]["article_id"] for page in studio.task_pages(project_id, "id,data") for t in page
    )


def test_push_creates_project_with_valid_predictions(studio, article) -> None:
    project, created = ensure_project(studio, "push-basic", TAX)
    assert created
    stats = push_records(studio, project["id"], [article(i) for i in range(3)], batch_size=2)
    assert (stats.tasks_imported, stats.up_to_date) == (3, 0)
    task = studio.get("api/tasks", "t", project=project["id"], fields="all", page_size=1)["tasks"][
        0
    ]
    rec = article(0)
    assert task["data"] == {
        "text": rec.text,
        "article_id": rec.id,
        "title": rec.title,
        "date": "2024-03-05",
        "story_id": "story-0",
    }
    (pred,) = task["predictions"]
    assert pred["model_version"] == "test-model@1"
    assert 0 < pred["score"] < 1
    region_ids = {r["id"] for r in pred["result"] if "id" in r}
    assert {e.id for e in rec.entities} | {rec.times[0].id} | {
        e.id for e in rec.events
    } <= region_ids
    relations = {
        (r["from_id"], r["to_id"], r["labels"][0])
        for r in pred["result"]
        if r["type"] == "relation"
    }
    consult = rec.events[0]
    assert (consult.id, consult.arguments[0].ref, "actor") in relations
    assert len(relations) == 6
    date_value = [r for r in pred["result"] if r.get("from_name") == "time_value"]
    assert date_value[0]["value"]["text"] == ["2024-03-06"]


def test_server_rejects_unknown_label(studio, article) -> None:
    """The managed server validates predictions against the config (feature flag on)."""
    project, _ = ensure_project(studio, "push-basic", TAX)
    bad = article(99)
    bad = PreannotatedArticle(
        **{
            **bad.__dict__,
            "entities": [e.__class__(**{**e.__dict__, "label": "PERSON"}) for e in bad.entities],
        }
    )
    with pytest.raises(PipelineError, match=r"HTTP 400.*PERSON"):
        push_records(studio, project["id"], [bad], batch_size=10)
    assert "art-00099" not in task_articles(studio, project["id"])


def test_repush_imports_nothing_and_new_version_adds_predictions(studio, article) -> None:
    project, _ = ensure_project(studio, "push-idem", TAX)
    pid = project["id"]
    push_records(studio, pid, [article(i) for i in range(5)], batch_size=1000)
    again = push_records(studio, pid, [article(i) for i in range(5)], batch_size=1000)
    assert (again.tasks_imported, again.predictions_added, again.up_to_date) == (0, 0, 5)
    # an annotator finishes task of art-00000: a new model version must not touch it
    known, _, _ = existing_tasks(studio, pid)
    annotated_id = known["art-00000"].task_id
    studio.sdk.annotations.create(id=annotated_id, result=[], lead_time=1.0)
    v2 = push_records(studio, pid, [article(i, "test-model@2") for i in range(6)], batch_size=1000)
    assert (v2.tasks_imported, v2.predictions_added, v2.annotated_left_alone) == (1, 4, 1)
    assert task_articles(studio, pid) == Counter({f"art-{i:05d}": 1 for i in range(6)})
    known, total, dups = existing_tasks(studio, pid)
    assert (total, dups) == (6, 0)
    assert known["art-00000"].model_versions == {"test-model@1"}
    assert known["art-00003"].model_versions == {"test-model@1", "test-model@2"}
    assert known["art-00005"].model_versions == {"test-model@2"}
    # and the second push of v2 is a no-op too
    v2b = push_records(studio, pid, [article(i, "test-model@2") for i in range(6)], batch_size=1000)
    assert (v2b.tasks_imported, v2b.predictions_added) == (0, 0)


def test_fast_repush_trusts_state_only_while_the_server_is_unchanged(
    studio, article, tmp_path: Path
) -> None:
    project, _ = ensure_project(studio, "push-state", TAX)
    pid = project["id"]
    state = PushState(tmp_path, studio.url, pid)
    records = [article(i) for i in range(4)]
    first = push_records(studio, pid, records + records[:1], batch_size=1000, state=state)
    assert (first.tasks_imported, first.duplicate_in_input, first.fast_path) == (4, 1, False)
    again = push_records(studio, pid, records, batch_size=1000, state=state)
    assert (again.fast_path, again.up_to_date, again.tasks_imported) == (True, 4, 0)
    # someone deletes a task by hand: the fingerprint moves, the push lists and repairs
    known, _, _ = existing_tasks(studio, pid)
    studio.sdk.tasks.delete(known["art-00002"].task_id)
    repaired = push_records(studio, pid, records, batch_size=1000, state=state)
    assert (repaired.fast_path, repaired.tasks_imported, repaired.up_to_date) == (False, 1, 3)
    assert task_articles(studio, pid) == Counter({r.id: 1 for r in records})
    # a new model version is never answered from the state alone
    v2 = push_records(studio, pid, [article(0, "test-model@2")], batch_size=1000, state=state)
    assert (v2.fast_path, v2.predictions_added) == (False, 1)


def test_incompatible_project_is_refused(studio) -> None:
    studio.create_project(
        "push-foreign",
        "<View><Text name='text' value='$text'/><Labels name='entity' "
        "toName='text'><Label value='PER'/></Labels></View>",
        "",
    )
    with pytest.raises(
        PipelineError, match=r"'push-foreign'.*incompatible.*'entity' lacks LOC, MISC, ORG"
    ):
        ensure_project(studio, "push-foreign", TAX)


def test_sigkill_mid_push_then_rerun_gives_one_task_per_article(
    studio_server, studio, article, cli, tmp_path: Path
) -> None:
    info, creds = studio_server
    n = 600
    path = tmp_path / "pre.parquet"
    write_records(path, (article(i) for i in range(n)), PreannotatedArticle)
    project, _ = ensure_project(studio, "push-crash", TAX)
    args = [
        "studio",
        "push",
        str(path),
        "--project",
        "push-crash",
        "--url",
        info.url,
        "--batch-size",
        "75",
        "--data-dir",
        str(info.data_dir),
    ]
    env = {"LABEL_STUDIO_API_KEY": creds.api_key}
    base = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from pipeline.cli import main; main()", *args],
        env={**base, **env},
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = studio.project(project["id"])["task_number"]
        if done > 0:
            break
        time.sleep(0.05)
    assert 0 < done < n, "the push must be killed mid-way"
    os.kill(server.running_server(info.data_dir).pid, signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert err.strip().splitlines()[-1].startswith(f"error: {info.url}: Label Studio unreachable")

    restarted = server.start_server(info.data_dir, info.port, studio.settings)
    assert restarted.url == info.url
    result = cli(args, env)
    assert result.returncode == 0, result.stderr
    counts = task_articles(studio, project["id"])
    assert len(counts) == n
    assert set(counts.values()) == {1}


def test_push_order_uncertain_creates_least_confident_first(
    studio_server, studio, article, cli, tmp_path: Path
) -> None:
    """Tasks are created in ``uncertain_first`` order: ascending task ids follow it."""
    import dataclasses

    from pipeline.studio.order import Ranked, uncertain_first

    info, creds = studio_server
    records = []
    for i, low in enumerate([0.9, 0.2, 0.6, 0.1, 0.3]):
        rec = article(200 + i)
        entities = [dataclasses.replace(e, score=max(low, e.score or 0)) for e in rec.entities]
        entities[0] = dataclasses.replace(entities[0], score=low)
        story = "same-story" if i in (1, 3) else f"story-{i}"
        records.append(dataclasses.replace(rec, entities=entities, story_id=story))
    path = tmp_path / "pre.parquet"
    write_records(path, records, PreannotatedArticle)
    expected = uncertain_first(
        Ranked(r.id, r.story_id, [e.score for e in r.entities]) for r in records
    )
    # 0.1 and 0.2 share a story: the 0.2 one waits until after the head
    assert expected == ["art-00203", "art-00204", "art-00202", "art-00200", "art-00201"]
    args = ["studio", "push", str(path), "--project", "push-order", "--url", info.url]
    args += ["--data-dir", str(info.data_dir), "--batch-size", "2", "--order", "uncertain"]
    result = cli(args, {"LABEL_STUDIO_API_KEY": creds.api_key})
    assert result.returncode == 0, result.stderr
    project, _ = ensure_project(studio, "push-order", TAX)
    tasks = [t for page in studio.task_pages(project["id"], "id,data") for t in page]
    created = [t["data"]["article_id"] for t in sorted(tasks, key=lambda t: t["id"])]
    assert created == expected
