"""A Label Studio server the project manages: its own venv, loopback only, offline.

The server lives in ``.venv-studio`` because its pins (pyarrow<25, pytz<2023...) would
silently downgrade the project's environment. Everything a later command needs to find the
server (pid, port, URL) is kept in ``DATA_DIR/server.json``; the admin credentials, when the
environment does not provide them, are generated once and kept in ``DATA_DIR/credentials.json``
with mode 0600. Secrets reach the server through its environment, never its argv (which any
local user can read with ``ps``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from pipeline.errors import PipelineError
from pipeline.io import pid_alive, read_json, write_json
from pipeline.studio.settings import StudioSettings

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
SERVER_FILE = "server.json"
CREDENTIALS_FILE = "credentials.json"
LOG_FILE = "server.log"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Credentials:
    """The admin account and its API token (a legacy token: no JWT refresh dance needed)."""

    username: str
    password: str
    api_key: str


@dataclass(frozen=True)
class ServerInfo:
    """A running managed server, as recorded in ``server.json``."""

    pid: int
    port: int
    url: str
    data_dir: Path


def studio_venv(settings: StudioSettings) -> Path:
    """The server's own virtual environment (relative paths are under the repo root)."""
    venv = settings.venv
    return venv if venv.is_absolute() else REPO_ROOT / venv


def studio_executable(settings: StudioSettings) -> Path:
    return studio_venv(settings) / "bin" / "label-studio"


def ensure_installed(settings: StudioSettings) -> Path:
    """Install the pinned server with the Makefile's own target when it is missing.

    Calling ``make install-studio`` (rather than a second copy of its pip line) keeps one
    definition of how the server is installed: ``requirements-studio.lock``.
    """
    exe = studio_executable(settings)
    if exe.exists():
        return exe
    try:
        proc = subprocess.run(
            [
                "make",
                "-C",
                str(REPO_ROOT),
                "install-studio",
                f"STUDIO_VENV={studio_venv(settings)}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        raise PipelineError(f"cannot install Label Studio: {exc.strerror or exc}") from exc
    if proc.returncode != 0 or not exe.exists():
        last = (proc.stderr or proc.stdout).strip().splitlines()
        reason = last[-1] if last else f"exit {proc.returncode}"
        raise PipelineError(f"cannot install Label Studio into {studio_venv(settings)}: {reason}")
    return exe


def default_port(settings: StudioSettings) -> int:
    """``LABEL_STUDIO_PORT`` when set, else params.yaml's port."""
    env = os.environ.get("LABEL_STUDIO_PORT")
    if env:
        try:
            return int(env)
        except ValueError as exc:
            raise PipelineError(f"LABEL_STUDIO_PORT={env!r} is not a port number") from exc
    return settings.port


# ------------------------------------------------------------------------ credentials
def credentials_from_env() -> Credentials | None:
    """The admin credentials from the environment, when all three are set."""
    username = os.environ.get("LABEL_STUDIO_USERNAME")
    password = os.environ.get("LABEL_STUDIO_PASSWORD")
    api_key = os.environ.get("LABEL_STUDIO_API_KEY")
    if username and password and api_key:
        return Credentials(username, password, api_key)
    if username or password or api_key:
        missing = [
            name
            for name, value in (
                ("LABEL_STUDIO_USERNAME", username),
                ("LABEL_STUDIO_PASSWORD", password),
                ("LABEL_STUDIO_API_KEY", api_key),
            )
            if not value
        ]
        raise PipelineError(f"set all of the admin credentials or none: {', '.join(missing)} unset")
    return None


def stored_credentials(data_dir: Path) -> Credentials | None:
    """The credentials a previous ``up`` generated for this data folder, if any."""
    path = Path(data_dir) / CREDENTIALS_FILE
    if not path.exists():
        return None
    raw = read_json(path)
    try:
        return Credentials(raw["username"], raw["password"], raw["api_key"])
    except (KeyError, TypeError) as exc:
        raise PipelineError(f"{path}: missing username, password or api_key") from exc


def local_credentials(data_dir: Path) -> Credentials:
    """Environment credentials, else the stored ones, else new ones kept with mode 0600."""
    creds = credentials_from_env() or stored_credentials(data_dir)
    if creds is None:
        creds = Credentials(
            username="admin@pipeline.local",
            password=secrets.token_urlsafe(18),
            api_key=secrets.token_hex(20),
        )
        write_json(
            Path(data_dir) / CREDENTIALS_FILE,
            {"username": creds.username, "password": creds.password, "api_key": creds.api_key},
            private=True,
        )
    return creds


# ----------------------------------------------------------------------------- process
def server_env(
    creds: Credentials, data_dir: Path, feature_flags: tuple[tuple[str, object], ...]
) -> dict[str, str]:
    """The server's environment: credentials, offline switches and feature flags."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
    env.update(
        {
            "LABEL_STUDIO_USERNAME": creds.username,
            "LABEL_STUDIO_PASSWORD": creds.password,
            "LABEL_STUDIO_USER_TOKEN": creds.api_key,
            # read once, when the organisation is created; without it the token gets 401
            "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
            "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
            "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
            "LABEL_STUDIO_LATEST_VERSION_CHECK": "false",
            "LABEL_STUDIO_COLLECT_ANALYTICS": "false",
            "SENTRY_DSN": "",
            "FRONTEND_SENTRY_DSN": "",
        }
    )
    for flag, value in feature_flags:
        env[flag] = "true" if value is True else "false" if value is False else str(value)
    return env


def health(url: str, timeout: float = 2.0) -> bool:
    """Whether ``/health`` answers ``UP``."""
    try:
        resp = httpx.get(f"{url}/health", timeout=timeout)
        return resp.status_code == 200 and resp.json().get("status") == "UP"
    except (httpx.HTTPError, ValueError):
        return False


def running_server(data_dir: Path) -> ServerInfo | None:
    """The managed server recorded for this data folder, if its process is still alive."""
    data_dir = Path(data_dir).resolve()
    path = data_dir / SERVER_FILE
    if not path.exists():
        return None
    raw = read_json(path)
    info = ServerInfo(int(raw["pid"]), int(raw["port"]), str(raw["url"]), data_dir)
    return info if pid_alive(info.pid) and _is_label_studio(info.pid) else None


def _is_label_studio(pid: int) -> bool:
    """Guard against a recycled pid: the process must be a ``label-studio`` command."""
    try:
        return b"label-studio" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc (not Linux): trust the pid file


def _log_tail(log: Path) -> str:
    with contextlib.suppress(OSError):
        lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
        if lines:
            return lines[-1][:200]
    return "no output"


def start_server(
    data_dir: Path, port: int, settings: StudioSettings, timeout: float | None = None
) -> ServerInfo:
    """Start the server on 127.0.0.1:``port`` with ``data_dir`` and wait until it is healthy.

    Idempotent: a healthy server already recorded for this folder is returned as is.
    """
    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    current = running_server(data_dir)
    if current is not None and health(current.url):
        return current
    url = f"http://{HOST}:{port}"
    if health(url):
        raise PipelineError(f"{url}: another server already answers on port {port}")
    exe = ensure_installed(settings)
    creds = local_credentials(data_dir)
    log = data_dir / LOG_FILE
    cmd = [
        str(exe),
        "start",
        "--no-browser",
        "--internal-host",
        HOST,
        "--port",
        str(port),
        "--host",
        url,
        "--data-dir",
        str(data_dir),
    ]
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=server_env(creds, data_dir, settings.feature_flags),
            cwd=data_dir,
            start_new_session=True,
        )
    info = ServerInfo(proc.pid, port, url, data_dir)
    write_json(data_dir / SERVER_FILE, {"pid": proc.pid, "port": port, "url": url})
    deadline = time.monotonic() + (timeout or settings.start_timeout_s)
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            (data_dir / SERVER_FILE).unlink(missing_ok=True)
            raise PipelineError(
                f"{url}: Label Studio exited with code {proc.returncode} ({_log_tail(log)})"
            )
        if health(url, timeout=1.0):
            return info
        time.sleep(0.5)
    stop_server(data_dir, settings)
    raise PipelineError(f"{url}: Label Studio did not answer /health in time (see {log})")


def stop_server(
    data_dir: Path, settings: StudioSettings, timeout: float | None = None
) -> ServerInfo | None:
    """Stop the managed server with SIGTERM (SQLite stays intact); None if none was running."""
    data_dir = Path(data_dir).resolve()
    info = running_server(data_dir)
    path = data_dir / SERVER_FILE
    if info is None:
        path.unlink(missing_ok=True)
        return None
    with contextlib.suppress(ProcessLookupError):
        os.killpg(info.pid, signal.SIGTERM)
    deadline = time.monotonic() + (timeout or settings.stop_timeout_s)
    while time.monotonic() < deadline:
        _reap(info.pid)
        if not pid_alive(info.pid):
            path.unlink(missing_ok=True)
            return info
        time.sleep(0.1)
    raise PipelineError(f"{info.url}: server pid {info.pid} did not stop after SIGTERM")


def _reap(pid: int) -> None:
    """Collect the exit status when the server is our own child (tests, ``up`` then ``down``)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
