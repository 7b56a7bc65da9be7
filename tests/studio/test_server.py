"""The managed server: credentials kept private, status, and one-line connection errors."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import pytest

from pipeline.errors import PipelineError
from pipeline.studio import server
from pipeline.studio.client import Target, connect, resolve_target
from pipeline.studio.settings import StudioSettings


def test_generated_credentials_are_private_and_reused(studio_server) -> None:
    info, creds = studio_server
    path = info.data_dir / server.CREDENTIALS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(creds.api_key) == 40
    # the token reaches the server through its environment, never its command line
    assert creds.api_key.encode() not in Path(f"/proc/{info.pid}/cmdline").read_bytes()
    assert server.local_credentials(info.data_dir) == creds
    assert server.running_server(info.data_dir) == info


def test_status_names_url_version_and_never_the_token(studio_server, cli) -> None:
    info, creds = studio_server
    studio = connect(None, info.data_dir, StudioSettings.from_params())
    studio.create_project("status-probe", "<View><Text name='text' value='$text'/></View>", "")
    result = cli(["studio", "status", "--data-dir", str(info.data_dir)], {})
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert f"Label Studio 1.23.2 is up at {info.url}" in result.stdout
    assert "status-probe" in output
    assert creds.api_key not in output and creds.password not in output
    assert creds.api_key not in (info.data_dir / server.LOG_FILE).read_text(errors="replace")


def test_wrong_token_is_one_line_error_naming_url(studio_server, cli) -> None:
    info, _ = studio_server
    result = cli(["studio", "status", "--url", info.url], {"LABEL_STUDIO_API_KEY": "not-the-token"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {info.url}: Label Studio rejected the API token (HTTP 401)"
    ]


def test_closed_port_is_one_line_error_naming_url(cli) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    result = cli(["studio", "status", "--url", url], {"LABEL_STUDIO_API_KEY": "x" * 40})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {url}: Label Studio unreachable")


def test_token_comes_from_env_else_managed_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    with pytest.raises(PipelineError, match=r"^http://127.0.0.1:9: no API token"):
        resolve_target("http://127.0.0.1:9", tmp_path, StudioSettings.from_params())
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "from-env")
    target = resolve_target("http://h:1/", tmp_path, StudioSettings.from_params())
    assert target == Target("http://h:1", "from-env")
