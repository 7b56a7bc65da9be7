"""The ``engine`` section of params.yaml: where normalize and pre-annotation run."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import typer

from pipeline.errors import PipelineError
from pipeline.params import load_params, require_keys

ENGINES = ("local", "ray")


@dataclass(frozen=True)
class EngineConfig:
    """Which engine runs a stage, and how a Ray run is shaped.

    ``address`` is what ``ray.init`` takes: ``auto`` (the cluster this machine belongs to),
    ``HOST:PORT`` of a head node, ``ray://HOST:PORT`` (Ray Client), or ``local`` (a private
    single-machine cluster started for the run and stopped after it).
    """

    engine: str
    address: str
    actors: int
    batch_size: int
    object_store_mb: int
    actor_start_timeout_s: int

    @classmethod
    def from_params(cls, params: dict[str, Any] | None = None) -> EngineConfig:
        """Build from a params section (default: params.yaml's ``engine``), checking it."""
        params = load_params("engine") if params is None else params
        names = [f.name for f in dataclasses.fields(cls)]
        require_keys(params, "engine", names)
        return cls(**{n: params[n] for n in names}).checked()

    def with_options(
        self, engine: str | None = None, address: str | None = None, actors: int | None = None
    ) -> EngineConfig:
        """This config with the command line's choices (None: keep params.yaml's)."""
        return dataclasses.replace(
            self,
            engine=self.engine if engine is None else engine,
            address=self.address if address is None else address,
            actors=self.actors if actors is None else actors,
        ).checked()

    def checked(self) -> EngineConfig:
        if self.engine not in ENGINES:
            raise PipelineError(f"engine must be one of {', '.join(ENGINES)}, not {self.engine!r}")
        for name in ("actors", "batch_size", "object_store_mb", "actor_start_timeout_s"):
            if int(getattr(self, name)) < 1:
                raise PipelineError(f"params.yaml engine: {name} must be at least 1")
        return self


# The command-line options every stage that can run on Ray shares (Typer reads them from
# the parameter annotations: one definition, the same help everywhere).
ENGINE_OPTION = typer.Option(
    "--engine", help="local (this process) or ray (a Ray cluster); default: params.yaml."
)
ADDRESS_OPTION = typer.Option(
    "--address", help="Ray cluster: auto, HOST:PORT, ray://HOST:PORT or local."
)
ACTORS_OPTION = typer.Option("--actors", min=1, help="Ray actors (workers) to run.")
