"""Connecting the driver to a Ray cluster, and failing in one line when it cannot.

``ray.init`` on an address where nothing listens retries for a minute or more and then
raises a multi-line error; a plain TCP connection to the address tells the user the same
thing at once. Nothing here downloads anything, reports usage or serves a dashboard.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from typing import Any

from pipeline.engine.config import EngineConfig
from pipeline.errors import PipelineError
from pipeline.params import params_path

#: how long the reachability check waits for the head's port
CONNECT_TIMEOUT_S = 5.0


def _host_port(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of an explicit address (``HOST:PORT`` or ``ray://HOST:PORT``)."""
    bare = address.removeprefix("ray://")
    host, sep, port = bare.rpartition(":")
    if not sep or not port.isdigit():
        return None
    return host.strip("[]"), int(port)


def check_reachable(address: str) -> None:
    """Raise a one-line error unless something accepts connections at ``address``."""
    target = _host_port(address)
    if target is None:
        raise PipelineError(f"ray address {address!r}: expected HOST:PORT or ray://HOST:PORT")
    try:
        with socket.create_connection(target, timeout=CONNECT_TIMEOUT_S):
            return
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__.lower()
        raise PipelineError(f"ray cluster at {address}: cannot connect ({reason})") from exc


def _init_args(config: EngineConfig) -> dict[str, Any]:
    # workers read the same params file (absolute: their folder is Ray's, not ours)
    env = {"PIPELINE_PARAMS": str(params_path().resolve()), "RAY_USAGE_STATS_ENABLED": "0"}
    args: dict[str, Any] = {
        "runtime_env": {"env_vars": env},
        "log_to_driver": False,
        "logging_level": "ERROR",
    }
    if config.address == "local":
        args.update(
            num_cpus=config.actors + 1,  # the reading tasks need a CPU beside the actors
            object_store_memory=config.object_store_mb * 1024 * 1024,
            include_dashboard=False,
        )
    else:
        args["address"] = config.address
    return args


@contextlib.contextmanager
def ray_session(config: EngineConfig) -> Iterator[None]:
    """Connect (or start a private cluster for ``address: local``), then always disconnect."""
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    if config.address not in ("auto", "local"):
        check_reachable(config.address)
    import ray

    try:
        ray.init(**_init_args(config))
    except (ConnectionError, RuntimeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PipelineError(f"ray cluster at {config.address}: {first}") from exc
    try:
        yield
    finally:
        ray.shutdown()
