"""Helpers of the reliability suite: the real ``pipeline`` CLI in a child process, input
builders, and the process-level switches the fault tests need (capabilities, file size).

Everything here runs the console entry point exactly as a user does, so what is proven is
what a user sees: exit codes, one-line errors, files left on disk.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import re
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.builders import article_text, make_article

REPO = Path(__file__).resolve().parent.parent.parent
ENTRY = [sys.executable, "-c", "from pipeline.cli import main; main()"]

#: prctl(2) option and the two capabilities that let root ignore file modes.
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


@dataclass(frozen=True)
class Run:
    """What a finished ``pipeline`` command left: exit code and both streams."""

    code: int
    out: str
    err: str

    @property
    def errors(self) -> list[str]:
        """The ``error: ...`` lines of stderr."""
        return [ln for ln in self.err.splitlines() if ln.startswith("error: ")]

    def one_line_error(self) -> str:
        """Assert the run failed with exactly one non-empty stderr line, ``error: ...``."""
        lines = [ln for ln in self.err.splitlines() if ln.strip()]
        assert self.code == 1, (self.code, self.err)
        assert len(lines) == 1 and lines[0].startswith("error: "), self.err
        assert "Traceback" not in self.err
        return lines[0]


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The test's environment without any Label Studio or Hub setting, plus ``extra``; wide
    columns so rich never wraps a line we assert on."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LABEL_STUDIO_", "HF_", "HUGGING_FACE"))
    }
    return {**base, "COLUMNS": "250", **(extra or {})}


def run_pipeline(
    args: list[Any],
    env: dict[str, str] | None = None,
    cwd: Path = REPO,
    preexec: Callable[[], None] | None = None,
    timeout: float = 300,
) -> Run:
    """Run ``pipeline ARGS`` in a child process and wait for it."""
    proc = subprocess.run(
        [*ENTRY, *map(str, args)],
        cwd=cwd,
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def start_pipeline(
    args: list[Any], env: dict[str, str] | None = None, cwd: Path = REPO
) -> subprocess.Popen[str]:
    """Start ``pipeline ARGS`` without waiting (for the kill tests)."""
    return subprocess.Popen(
        [*ENTRY, *map(str, args)],
        cwd=cwd,
        env=child_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def drop_dac_override() -> None:
    """In a child before exec: drop the capabilities that let root read any file whatever its
    mode, so a ``chmod 000`` file is really unreadable (tests run as root)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def can_drop_dac_override() -> bool:
    """Whether ``drop_dac_override`` works here (it needs CAP_SETPCAP)."""
    try:
        subprocess.run(["true"], preexec_fn=drop_dac_override, check=True)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def file_size_limit(limit: int) -> Callable[[], None]:
    """A ``preexec_fn`` capping the size of any file the child writes (a full disk, as the
    child sees it): SIGXFSZ ignored so ``write`` fails with EFBIG instead of killing it."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def leftovers(folder: Path) -> list[str]:
    """Hidden temporary files or folders a writer may leave (``.name.tmp-*``, ``.cut-*``...)."""
    pattern = re.compile(r"^\..*(\.tmp-|\.scratch-|\.partial|^\.cut-)")
    return sorted(
        str(p.relative_to(folder)) for p in Path(folder).rglob(".*") if pattern.search(p.name)
    )


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with the sha256 of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(Path(folder).rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="session")
def rel() -> SimpleNamespace:
    """The helpers above (test modules cannot import conftest in importlib mode)."""
    return SimpleNamespace(
        run=run_pipeline,
        start=start_pipeline,
        drop_dac_override=drop_dac_override,
        can_drop_dac_override=can_drop_dac_override,
        file_size_limit=file_size_limit,
        leftovers=leftovers,
        snapshot=snapshot,
        make_article=make_article,
        article_text=article_text,
        repo=REPO,
    )
