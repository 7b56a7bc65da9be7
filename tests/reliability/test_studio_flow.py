"""The whole flow against a real Label Studio server: faults mid-push and mid-pull, and no
secret anywhere a user or a reader of the outputs could see it.

The server is the session fixture of tests/conftest.py (a real Label Studio 1.23, copied
for this module). "Stopped" is made deterministic: the server is frozen with SIGSTOP the
moment the command is mid-way, then killed, so the command surely loses it mid-transfer.
tests/studio/test_push.py already proves SIGKILL mid-push with the studio core's own
data; here the push and the pull are the user's CLI over the same server.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.io import read_records, write_records
from pipeline.schema import Annotation, PreannotatedArticle
from pipeline.studio import server
from pipeline.studio.client import Studio, Target
from pipeline.studio.convert import to_task
from pipeline.studio.push import ensure_project
from pipeline.studio.settings import StudioSettings
from pipeline.taxonomy import load_taxonomy

PUSHED = 1200  # articles of the interrupted push (batches of 100)
PULLED = 300  # annotated tasks of the interrupted pull (pages of 50)


@pytest.fixture(scope="module")
def studio(studio_server) -> Studio:
    info, creds = studio_server
    client = Studio(Target(info.url, creds.api_key), StudioSettings.from_params())
    client.check()
    return client


@pytest.fixture(scope="module")
def env(studio_server) -> dict[str, str]:
    """Known secret values, given the only way the pipeline takes them: the environment."""
    _, creds = studio_server
    return {
        "LABEL_STUDIO_USERNAME": creds.username,
        "LABEL_STUDIO_PASSWORD": creds.password,
        "LABEL_STUDIO_API_KEY": creds.api_key,
        "HF_TOKEN": "hf_" + secrets.token_hex(17),  # made here: never in the git tree
    }


def freeze_then_kill(info: server.ServerInfo) -> None:
    """Stop the server dead mid-request: SIGSTOP (it stops answering at once), SIGKILL."""
    info = server.running_server(info.data_dir)  # its pid changes at every restart
    assert info is not None
    os.killpg(info.pid, signal.SIGSTOP)
    time.sleep(0.3)
    os.killpg(info.pid, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while server.pid_alive(info.pid) and time.monotonic() < deadline:
        server._reap(info.pid)
        time.sleep(0.05)
    assert not server.pid_alive(info.pid)


def restart(info: server.ServerInfo) -> None:
    again = server.start_server(info.data_dir, info.port, StudioSettings.from_params())
    assert again.url == info.url


def tasks_per_article(studio: Studio, project_id: int) -> Counter[str]:
    return Counter(
        t["data"]["article_id"] for page in studio.task_pages(project_id, "id,data") for t in page
    )


# ------------------------------------------------------------------ stopped mid-push
def test_server_stopped_mid_push(studio_server, studio, env, rel, tmp_path: Path) -> None:
    info, _ = studio_server
    pre = tmp_path / "pre.parquet"
    write_records(pre, (rel.make_article(i, words=20) for i in range(PUSHED)), PreannotatedArticle)
    project, _ = ensure_project(studio, "reliability-push", load_taxonomy())
    args = ["studio", "push", pre, "--project", "reliability-push", "--url", info.url,
            "--batch-size", "100", "--data-dir", info.data_dir]  # fmt: skip
    proc = rel.start(args, env=env)
    deadline = time.monotonic() + 120
    while studio.project(project["id"])["task_number"] == 0:
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    freeze_then_kill(info)
    _, err = proc.communicate(timeout=120)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert proc.returncode == 1 and len(lines) == 1, err
    assert lines[0].startswith(f"error: {info.url}: Label Studio unreachable")
    restart(info)
    done = studio.project(project["id"])["task_number"]
    assert 0 < done < PUSHED, "the push must have been stopped mid-way"
    again = rel.run(args, env=env)
    assert again.code == 0, again.err
    assert tasks_per_article(studio, project["id"]) == Counter(
        {rel.make_article(i, words=20).id: 1 for i in range(PUSHED)}
    )


# ------------------------------------------------------------------ stopped mid-pull
@pytest.fixture(scope="module")
def annotated(studio, rel, tmp_path_factory) -> dict[str, Any]:
    """PULLED tasks imported with one submitted annotation each, and params with small
    pages so that a pull takes several requests."""
    project, _ = ensure_project(studio, "reliability-pull", load_taxonomy())
    admin = studio.check()["id"]
    tasks = []
    for i in range(PULLED):
        task = to_task(rel.make_article(i, words=20))
        task["annotations"] = [
            {"result": task["predictions"][0]["result"], "completed_by": admin, "lead_time": 2.0}
        ]
        tasks.append(task)
    studio.import_tasks(project["id"], tasks)
    params = yaml.safe_load((rel.repo / "params.yaml").read_text("utf-8"))
    params["studio"]["page_size"] = 50
    path = tmp_path_factory.mktemp("pull-params") / "params.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return {"project": project["id"], "params": str(path)}


def _pull_args(info, out: Path, state: Path) -> list[Any]:
    return ["studio", "pull", "--project", "reliability-pull", "--out", out, "--url", info.url,
            "--data-dir", state]  # fmt: skip


def _appears(folder: Path, marker: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not any(marker in p.name for p in folder.iterdir()):
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline
        time.sleep(0.005)


def test_pull_killed_and_server_stopped_mid_pull(
    studio_server, annotated, env, rel, tmp_path: Path
) -> None:
    info, _ = studio_server
    pull_env = {**env, "PIPELINE_PARAMS": annotated["params"]}
    out, state = tmp_path / "annotations.parquet", tmp_path / "state"
    args = _pull_args(info, out, state)
    first = rel.run(args, env=pull_env)
    assert first.code == 0, first.err
    full = out.read_bytes()
    rows = list(read_records(out, Annotation))
    assert len(rows) == PULLED and {r.status for r in rows} == {"submitted"}
    assert all(len(r.entities) == 2 and not r.errors for r in rows)

    # the pull itself killed while it writes: the snapshot stays whole
    proc = rel.start([*args, "--full"], env=pull_env)
    _appears(tmp_path, ".annotations.parquet.tmp-", proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert out.read_bytes() == full

    # the server stopped mid-pull: one line, exit 1, the snapshot stays whole
    proc = rel.start([*args, "--full"], env=pull_env)
    _appears(tmp_path, ".annotations.parquet.tmp-", proc)
    freeze_then_kill(info)
    _, err = proc.communicate(timeout=120)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert proc.returncode == 1 and len(lines) == 1, err
    assert lines[0].startswith(f"error: {info.url}: Label Studio unreachable")
    assert out.read_bytes() == full
    restart(info)
    again = rel.run(args, env=pull_env)
    assert again.code == 0, again.err
    assert out.read_bytes() == full  # the full set of annotations, byte for byte
    assert rel.leftovers(tmp_path) == []


# --------------------------------------------------------------------- secrets
def test_whole_flow_leaks_no_secret(
    studio_server, studio, env, rel, seeds_dir: Path, tmp_path: Path
) -> None:
    """normalize → preannotate → push → annotate → pull → release cut → verify → publish
    --dry-run, with known secrets in the environment; none may appear in any output."""
    info, _ = studio_server
    work = tmp_path / "work"
    work.mkdir()
    arts, pre, ann = work / "articles.parquet", work / "pre.parquet", work / "ann.parquet"
    releases = work / "releases"
    runs = [
        rel.run(["normalize", seeds_dir, "--out", arts, "--quarantine", work / "q.jsonl"], env),
        rel.run(["preannotate", arts, "--out", pre], env),
        rel.run(["studio", "push", pre, "--project", "reliability-flow", "--url", info.url,
                 "--data-dir", info.data_dir], env),
    ]  # fmt: skip
    assert all(r.code == 0 for r in runs), [r.err for r in runs]
    project = studio.project_by_title("reliability-flow")
    for page in studio.task_pages(project["id"], "id"):
        for task in page:  # an annotator accepts every prediction
            pred = studio.get(f"api/tasks/{task['id']}/", "read task")["predictions"][0]
            studio.sdk.annotations.create(
                id=task["id"], result=pred["result"], parent_prediction=pred["id"], lead_time=5.0
            )
    runs += [
        rel.run(["studio", "pull", "--project", "reliability-flow", "--out", ann,
                 "--url", info.url, "--data-dir", info.data_dir], env),
        rel.run(["studio", "status", "--url", info.url], env),
        rel.run(["release", "cut", "1.0.0", "--preannotated", pre, "--annotations", ann,
                 "--releases-dir", releases], env),
        rel.run(["release", "verify", "1.0.0", "--releases-dir", releases], env),
        rel.run(["release", "publish", "1.0.0", "--repo-id", "org/reliability", "--dry-run",
                 "--releases-dir", releases], env),
        rel.run(["studio", "push", pre, "--project", "reliability-flow", "--url", info.url],
                {**env, "LABEL_STUDIO_API_KEY": env["LABEL_STUDIO_API_KEY"][:-4] + "xxxx"}),
    ]  # fmt: skip
    assert all(r.code == 0 for r in runs[:-1]), [r.err for r in runs]
    assert runs[-1].one_line_error().endswith("rejected the API token (HTTP 401)")
    assert len(list(read_records(ann, Annotation))) == 2
    manifest = json.loads((releases / "v1.0.0" / "manifest.json").read_text("utf-8"))
    assert sum(manifest["stats"]["verified_records"].values()) == 2

    values = {k: v for k, v in env.items() if k != "LABEL_STUDIO_USERNAME"}
    values["API key (wrong one tried)"] = env["LABEL_STUDIO_API_KEY"][:-4] + "xxxx"
    leaks: list[str] = []
    for i, r in enumerate(runs):
        leaks += [f"run {i}: {k}" for k, v in values.items() if v in r.out + r.err]
    # every file the flow wrote, and the server's own folder but for its database and the
    # 0600 credentials file that exist to hold the token
    private = {"label_studio.sqlite3", server.CREDENTIALS_FILE}
    files = [p for p in work.rglob("*") if p.is_file()]
    files += [p for p in info.data_dir.rglob("*") if p.is_file() and p.name not in private]
    assert (info.data_dir / server.LOG_FILE) in files
    for path in files:
        data = path.read_bytes()
        leaks += [f"{path}: {k}" for k, v in values.items() if v.encode() in data]
    for k, v in values.items():  # the git tree, dvc.lock included, tracked or not
        found = subprocess.run(
            ["git", "grep", "--untracked", "-I", "-l", "-F", "-e", v],
            cwd=rel.repo,
            capture_output=True,
            text=True,
        )
        assert found.returncode in (0, 1), found.stderr
        leaks += [f"git tree {name}: {k}" for name in found.stdout.split()]
    assert leaks == []
