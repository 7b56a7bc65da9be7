"""A thin wrapper over label-studio-sdk: one place that turns transport and HTTP failures
into one-line ``PipelineError`` messages naming the server URL, and pages task listings.

Task listings go through the SDK's authenticated HTTP client as plain JSON: the typed pager
both costs a pydantic model per task and raises on the 404 the server uses to end a listing,
whereas the response's ``total`` tells exactly when to stop.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from pipeline.errors import PipelineError
from pipeline.studio import server
from pipeline.studio.settings import StudioSettings

if TYPE_CHECKING:  # the SDK is imported where used: `pipeline --help` does not pay for it
    from label_studio_sdk.core.request_options import RequestOptions

#: Calls that create data must never be retried blindly: a retry after a lost response
#: would import the same tasks twice. Idempotence comes from listing first, not from retries.
NO_RETRY: RequestOptions = {"max_retries": 0}


@dataclass(frozen=True)
class Target:
    """Where the server is and the token to use (never printed)."""

    url: str
    api_key: str


def resolve_target(url: str | None, data_dir: Path | None, settings: StudioSettings) -> Target:
    """``--url`` / ``LABEL_STUDIO_URL`` with ``LABEL_STUDIO_API_KEY``, else the managed server.

    The managed server of ``data_dir`` provides both its URL (``server.json``) and, when
    the environment has no token, the generated one kept in its 0600 credentials file.
    """
    data_dir = Path(data_dir or settings.data_dir)
    url = url or os.environ.get("LABEL_STUDIO_URL")
    if not url:
        info = server.running_server(data_dir)
        url = info.url if info else f"http://{server.HOST}:{server.default_port(settings)}"
    api_key = os.environ.get("LABEL_STUDIO_API_KEY")
    if not api_key:
        creds = server.stored_credentials(data_dir)
        if creds is None:
            raise PipelineError(
                f"{url}: no API token (set LABEL_STUDIO_API_KEY, or start a managed server "
                "with `pipeline studio up`)"
            )
        api_key = creds.api_key
    return Target(url.rstrip("/"), api_key)


class Studio:
    """A connected, authenticated Label Studio server."""

    def __init__(
        self, target: Target, settings: StudioSettings, timeout: float | None = None
    ) -> None:
        from label_studio_sdk import LabelStudio

        self.url = target.url
        #: the ``studio`` params this client was built with (page sizes for the listings)
        self.settings = settings
        self.sdk = LabelStudio(  # type: ignore[no-untyped-call]
            base_url=target.url,
            api_key=target.api_key,
            timeout=timeout or settings.request_timeout_s,
        )
        self._http = self.sdk._client_wrapper.httpx_client

    @contextlib.contextmanager
    def errors(self, what: str) -> Iterator[None]:
        """Map any failure of a server call to one line naming the URL and the call."""
        from label_studio_sdk.core.api_error import ApiError

        try:
            yield
        except httpx.TransportError as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise PipelineError(f"{self.url}: Label Studio unreachable ({reason})") from exc
        except ApiError as exc:
            raise self._api_error(what, exc.status_code, exc.body) from exc

    def _api_error(self, what: str, status: int | None, body: Any) -> PipelineError:
        if status in (401, 403):
            return PipelineError(f"{self.url}: Label Studio rejected the API token (HTTP {status})")
        detail = body
        if isinstance(body, dict):
            detail = body.get("validation_errors") or body.get("detail") or body
        text = json.dumps(detail, ensure_ascii=False) if not isinstance(detail, str) else detail
        return PipelineError(f"{self.url}: {what} failed (HTTP {status}): {text[:300]}")

    def get(self, path: str, what: str, **params: Any) -> Any:
        """GET a JSON document from the API."""
        with self.errors(what):
            resp = self._http.request(path, method="GET", params=params)
        if resp.status_code != 200:
            try:
                body = resp.json()
            except ValueError:
                body = resp.text
            raise self._api_error(what, resp.status_code, body)
        return resp.json()

    def check(self) -> dict[str, Any]:
        """Fail fast with one line when the server is down or the token is refused."""
        if not server.health(self.url, timeout=5.0):
            # distinguish "nothing listens" from "something answers but is not healthy"
            with self.errors("health check"):
                httpx.get(f"{self.url}/health", timeout=5.0)
            raise PipelineError(f"{self.url}: Label Studio is not healthy (/health not UP)")
        user: dict[str, Any] = self.get("api/current-user/whoami", "authentication")
        return user

    def server_time(self) -> datetime:
        """The server's clock (HTTP ``Date``, whole seconds): cursors use its time, not ours."""
        with self.errors("read server time"):
            resp = self._http.request("api/version", method="GET")
        return parsedate_to_datetime(resp.headers["date"]).astimezone(UTC)

    def users(self) -> dict[int, str]:
        """User id to e-mail."""
        return {int(u["id"]): u.get("email") or "" for u in self.get("api/users/", "list users")}

    def version(self) -> str:
        info = self.get("api/version", "version")
        return str(info.get("release") or info.get("label-studio-os-package", {}).get("version"))

    # ----------------------------------------------------------------------- projects
    def projects(self) -> list[dict[str, Any]]:
        """All projects (id, title, task and annotation counts)."""
        out: list[dict[str, Any]] = []
        page = 1
        while True:
            js = self.get(
                "api/projects/",
                "list projects",
                page=page,
                page_size=100,
                include="id,title,task_number,total_annotations_number",
            )
            out.extend(js["results"])
            if not js.get("next"):
                return out
            page += 1

    def project_by_title(self, title: str) -> dict[str, Any] | None:
        """The project with exactly this title (the first one if several share it)."""
        matches = [p for p in self.projects() if p["title"] == title]
        if not matches:
            return None
        return self.project(min(p["id"] for p in matches))

    def project(self, project_id: int) -> dict[str, Any]:
        project: dict[str, Any] = self.get(f"api/projects/{project_id}/", "read project")
        return project

    def create_project(self, title: str, label_config: str, instructions: str) -> dict[str, Any]:
        with self.errors(f"create project {title!r}"):
            project = self.sdk.projects.create(
                title=title,
                label_config=label_config,
                expert_instruction=instructions,
                show_instruction=True,
                request_options=NO_RETRY,
            )
        if project.id is None:
            raise PipelineError(f"{self.url}: create project {title!r} returned no project id")
        return self.project(project.id)

    def model_versions(self, project_id: int) -> dict[str, int]:
        """Prediction counts per model version."""
        counts: dict[str, int] = self.get(
            f"api/projects/{project_id}/model-versions/", "read model versions"
        )
        return counts

    # -------------------------------------------------------------------------- tasks
    def task_pages(
        self,
        project_id: int,
        include: str,
        filters: Sequence[dict[str, Any]] = (),
        page_size: int | None = None,
        fields_all: bool = False,
        conjunction: str = "and",
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield the project's tasks page by page, in id order.

        ``fields_all`` adds predictions, drafts and full annotations (expanded: the plain
        listing gives annotations as bare ids).
        """
        page_size = page_size or self.settings.page_size
        query = json.dumps(
            {
                "filters": {"conjunction": conjunction, "items": list(filters)},
                "ordering": ["tasks:id"],
            }
        )
        params: dict[str, Any] = {
            "project": project_id,
            "include": include,
            "page_size": page_size,
            "query": query,
        }
        if fields_all:
            params["fields"] = "all"
            params["expand"] = "annotations"
        seen = 0
        page = 1
        while True:
            js = self.get("api/tasks", "list tasks", page=page, **params)
            tasks = js["tasks"]
            if tasks:
                yield tasks
            seen += len(tasks)
            if not tasks or seen >= js["total"]:
                return
            page += 1

    def import_tasks(self, project_id: int, tasks: list[dict[str, Any]]) -> list[int]:
        """Import a batch of tasks (with predictions) synchronously; the new task ids."""
        with self.errors(f"import of {len(tasks)} tasks"):
            resp = self.sdk.projects.import_tasks(
                id=project_id,
                request=tasks,  # type: ignore[arg-type]  # the SDK sends plain dicts as they are
                return_task_ids=True,
                request_options=NO_RETRY,
            )
        # ``task_ids`` is not a declared field of the SDK's response: a synchronous import
        # sends it (as an extra field) when asked; an asynchronous one sends an import id only
        task_ids = getattr(resp, "task_ids", None)
        if task_ids is None:
            raise PipelineError(
                f"{self.url}: import of {len(tasks)} tasks returned no task ids "
                "(an asynchronous import, which this client does not follow)"
            )
        return [int(t) for t in task_ids]

    def update_task(self, task_id: int, **fields: Any) -> dict[str, Any]:
        """PATCH some fields of one task (e.g. ``overlap``, ``meta``)."""
        with self.errors(f"update of task {task_id}"):
            resp = self._http.request(f"api/tasks/{task_id}/", method="PATCH", json=fields)
        if resp.status_code != 200:
            raise self._api_error(f"update of task {task_id}", resp.status_code, resp.text)
        return dict(resp.json())

    def import_predictions(self, project_id: int, predictions: list[dict[str, Any]]) -> int:
        """Add predictions to existing tasks; how many were created."""
        with self.errors(f"import of {len(predictions)} predictions"):
            resp = self.sdk.projects.import_predictions(
                id=project_id,
                request=predictions,  # type: ignore[arg-type]  # plain dicts, sent as they are
                request_options=NO_RETRY,
            )
        return int(resp.created or 0)


def connect(url: str | None, data_dir: Path | None, settings: StudioSettings) -> Studio:
    """Resolve the target, connect and authenticate, or fail with one line."""
    studio = Studio(resolve_target(url, data_dir, settings), settings)
    studio.check()
    return studio
