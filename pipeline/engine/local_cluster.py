"""A throwaway Ray cluster of real nodes on this machine, on loopback, for tests and benchmarks.

Each node is a ``ray start --block`` process of its own (a head, then nodes joining it by
address), so tasks really travel between raylets and object stores as they would between
hosts. Every node gets its own temporary folder and ports picked free by the kernel, and is
stopped by its own process group: ``ray stop`` would stop every Ray on the machine,
including other users' clusters.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

#: what a node may never do here: phone home or serve a dashboard
QUIET_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_DISABLE_DOCKER_CPU_WARNING": "1"}
#: The nodes' address: on loopback, but not 127.0.0.1, which Ray swaps for the host's
#: outward address (so that other hosts can join) and would then publish on the network.
HOST = "127.0.0.2"


def free_port() -> int:
    """A loopback port nothing listens on right now (the kernel picks it)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _node_ports() -> list[str]:
    """Every port a node opens, picked free, so two clusters on one host never meet."""
    low = free_port()
    names = (
        "--node-manager-port",
        "--object-manager-port",
        "--runtime-env-agent-port",
        "--metrics-export-port",
        "--dashboard-agent-listen-port",
        "--dashboard-agent-grpc-port",
    )
    args = [f"{name}={free_port()}" for name in names]
    # worker processes take ports from a range: a narrow one of our own
    base = 20000 + (low % 20000)
    return [*args, f"--min-worker-port={base}", f"--max-worker-port={base + 200}"]


@dataclass
class LocalCluster:
    """A head and ``nodes - 1`` more nodes, each with ``cpus`` CPUs and a small object store.

    Two CPUs a node (whatever the machine has): an actor holds one for the whole run, and
    Ray Data's reading tasks need one beside it.
    """

    nodes: int = 2
    cpus: int = 2
    object_store_bytes: int = 200 * 1024 * 1024
    start_timeout_s: float = 60.0
    address: str = ""
    #: the cluster's token (Ray's token authentication): its ports are reachable from the
    #: network, so only a process given the token may use them; passed by environment only
    token: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="ray", dir="/tmp")))
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def _ray(self) -> str:
        return str(Path(sys.executable).with_name("ray"))

    def _start_node(self, index: int, head_port: int) -> None:
        common = [
            "--block",
            f"--node-ip-address={HOST}",
            f"--num-cpus={self.cpus}",
            f"--object-store-memory={self.object_store_bytes}",
            "--disable-usage-stats",
            *_node_ports(),
        ]
        if index == 0:
            role = [
                "--head",
                f"--port={head_port}",
                f"--temp-dir={self.root}",
                "--include-dashboard=false",
                f"--ray-client-server-port={free_port()}",
            ]
        else:
            role = [f"--address={self.address}"]
        log = open(self._log(index), "wb")  # noqa: SIM115
        env = self.env()
        self.processes.append(
            subprocess.Popen(
                [self._ray(), "start", *role, *common],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # its own process group: stopped as a whole
            )
        )

    def start(self) -> LocalCluster:
        """Start the nodes and wait until all of them are registered with the head."""
        head_port = free_port()
        self.address = f"{HOST}:{head_port}"
        self._start_node(0, head_port)
        self._wait_for(1)
        for index in range(1, self.nodes):
            self._start_node(index, head_port)
        self._wait_for(self.nodes)
        return self

    def _wait_for(self, count: int) -> None:
        """Wait until the first ``count`` nodes say they are up (``ray start`` logs it once
        the node is registered with the head); a node that exits stops the whole cluster."""
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    self.stop()
                    raise RuntimeError(
                        f"ray node exited with {process.returncode}; see {self.root}"
                    )
            logs = [self._log(i).read_text(errors="replace") for i in range(count)]
            if all("Ray runtime started" in log for log in logs):
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"ray cluster at {self.address}: {count} node(s) not up in time")

    def env(self) -> dict[str, str]:
        """The environment of a node or a driver of this cluster (quiet, with its token)."""
        return {**os.environ, **QUIET_ENV, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": self.token}

    def _log(self, index: int) -> Path:
        return self.root / f"node{index}.log"

    def stop(self) -> None:
        """Stop every node of this cluster and remove its files.

        A node asked to stop drains for up to 30 s; a throwaway cluster has nothing to hand
        over, so after a short grace its whole session is killed: each node was started in
        a session of its own, and Ray gives some workers process groups of their own in it.
        """
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=3)
            for pid in session_members(process.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            process.wait()
        self.processes = []
        shutil.rmtree(self.root, ignore_errors=True)


def session_members(sid: int) -> list[int]:
    """The processes of session ``sid`` (field 6 of /proc/PID/stat)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (name) "
        if int(fields[3]) == sid:  # state, ppid, pgrp, session
            found.append(int(entry.name))
    return found
