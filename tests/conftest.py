"""Fixtures shared by the whole suite: where the repository and the shared data live."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEEDS = REPO / "demo" / "articles"
DATA = SHARED / "data"


#: Fixtures that start a real Label Studio server: a test using one (even through another
#: fixture) is marked ``integration``, which ``make test-fast`` leaves out.
SERVER_FIXTURES = frozenset({"studio_template", "studio_server"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The externally written development data (``../shared/data``).

    Missing data FAILS the tests that need it, loudly: a skip would let a run without the
    data exit 0 while testing nothing of what the data covers.
    """
    if not DATA.is_dir():
        pytest.fail(f"shared data not found at {DATA}: the data-driven tests need it", False)
    return DATA


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's root folder."""
    return REPO


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The two sample articles (one story told by two outlets), copied into the repo."""
    return SEEDS


# ------------------------------------------------------------------ Label Studio server
def _free_port() -> int:
    """A port nothing listens on right now (the kernel picks it)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_clean(folder: Path):
    """Start a managed server on a random loopback port, ignoring the caller's LABEL_STUDIO_*."""
    import os

    from pipeline.studio import server
    from pipeline.studio.settings import StudioSettings

    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("LABEL_STUDIO_"):
                mp.delenv(name)
        return server.start_server(folder, _free_port(), StudioSettings.from_params())


@pytest.fixture(scope="session")
def studio_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Label Studio data folder initialised once per session (migrations take 45-60 s).

    The server is stopped again right away, so modules copy a quiescent SQLite file.
    """
    from pipeline.studio import server
    from pipeline.studio.settings import StudioSettings

    folder = tmp_path_factory.mktemp("studio-template")
    _start_clean(folder)
    server.stop_server(folder, StudioSettings.from_params())
    return folder


@pytest.fixture(scope="module")
def studio_server(studio_template: Path, tmp_path_factory: pytest.TempPathFactory):
    """A real server of its own for one test module: a copy of the template (about 5 s).

    Yields ``(ServerInfo, Credentials)``; the server is stopped with SIGTERM afterwards.
    """
    import shutil

    from pipeline.studio import server
    from pipeline.studio.settings import StudioSettings

    folder = tmp_path_factory.mktemp("studio")
    shutil.copytree(
        studio_template,
        folder,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(server.SERVER_FILE, server.LOG_FILE),
    )
    info = _start_clean(folder)
    creds = server.stored_credentials(folder)
    try:
        yield info, creds
    finally:
        server.stop_server(folder, StudioSettings.from_params())


@pytest.fixture(scope="module")
def studio(studio_server):
    """A client of the module's server, authenticated with the generated admin token."""
    from pipeline.studio.client import Studio, Target
    from pipeline.studio.settings import StudioSettings

    info, creds = studio_server
    client = Studio(Target(info.url, creds.api_key), StudioSettings.from_params())
    client.check()
    return client
